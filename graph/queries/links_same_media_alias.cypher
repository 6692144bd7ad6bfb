// Distinct Media nodes with the same MD5 or SHA-1 (the same file known by another hash), starting from the files of the given series; non-pertinent files left out.
// $seriesIds: list of strings, or null for every series
// Returns: sha256A, fileNameA, seriesA, sha256B, fileNameB, seriesB, matchedOn
CALL () {
  // the given series found by their key; every series only when none is given. One
  // query for both, but "WHERE $seriesIds IS NULL OR s0.id IN $seriesIds" cannot use the
  // key's index: it read every Series to answer for a few.
  UNWIND coalesce($seriesIds, []) AS sid
  MATCH (:Series {id: sid})-[:CONTAINS]->(m1:Media)
  WHERE NOT coalesce(m1.nonPertinent, false)
    AND (m1.md5 IS NOT NULL OR m1.sha1 IS NOT NULL)
  RETURN m1
  UNION
  WITH $seriesIds AS given
  WHERE given IS NULL
  MATCH (:Series)-[:CONTAINS]->(m1:Media)
  WHERE NOT coalesce(m1.nonPertinent, false)
    AND (m1.md5 IS NOT NULL OR m1.sha1 IS NOT NULL)
  RETURN m1
}
CALL (m1) {
  MATCH (m2:Media) WHERE m1.md5 IS NOT NULL AND m2.md5 = m1.md5 AND m2 <> m1
  RETURN m2, 'md5' AS matchedOn
  UNION
  MATCH (m2:Media) WHERE m1.sha1 IS NOT NULL AND m2.sha1 = m1.sha1 AND m2 <> m1
  RETURN m2, 'sha1' AS matchedOn
}
WITH m1, m2, min(matchedOn) AS matchedOn
WHERE NOT coalesce(m2.nonPertinent, false)
MATCH (m1)<-[:CONTAINS]-(sa:Series)
WITH m1, m2, matchedOn, collect(DISTINCT sa.id) AS seriesA
MATCH (m2)<-[:CONTAINS]-(sb:Series)
WITH m1, m2, matchedOn, seriesA, collect(DISTINCT sb.id) AS seriesB
RETURN m1.sha256 AS sha256A, m1.fileName AS fileNameA, seriesA,
       m2.sha256 AS sha256B, m2.fileName AS fileNameB, seriesB, matchedOn
