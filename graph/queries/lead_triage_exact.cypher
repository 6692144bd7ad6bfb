// Media whose SHA-256, SHA-1 or MD5 is one of the given hashes (lowercase hex).
// $hashes: list of strings
// Returns: hash, sha256, matchedOn
UNWIND $hashes AS h
CALL (h) {
  MATCH (m:Media {sha256: h}) RETURN m, 'sha256' AS matchedOn
  UNION
  MATCH (m:Media {sha1: h}) RETURN m, 'sha1' AS matchedOn
  UNION
  MATCH (m:Media {md5: h}) RETURN m, 'md5' AS matchedOn
}
RETURN h AS hash, m.sha256 AS sha256, matchedOn
