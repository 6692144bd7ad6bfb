// The media a hash set lists (their SHA-256; media known only by MD5 or SHA-1 have none and never link).
// $id: string
// Returns: sha256
MATCH (:HashSet {id: $id})-[:LISTS]->(m:Media)
WHERE m.sha256 IS NOT NULL
RETURN m.sha256 AS sha256
