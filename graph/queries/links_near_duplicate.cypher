// Near-duplicate pairs of files that touch the given series, with the series holding each file.
// $seriesIds: list of strings, or null for every series
// Returns: sha256A, fileNameA, seriesA, sha256B, fileNameB, seriesB, pdqDistance, phashDistance, method
CALL () {
  // the given series found by their key; every series only when none is given. One
  // query for both, but "WHERE $seriesIds IS NULL OR s0.id IN $seriesIds" cannot use the
  // key's index: it read every Series to answer for a few.
  UNWIND coalesce($seriesIds, []) AS sid
  MATCH (:Series {id: sid})-[:CONTAINS]->(:Media)-[r:NEAR_DUPLICATE]-(:Media)
  RETURN r
  UNION
  WITH $seriesIds AS given
  WHERE given IS NULL
  MATCH (:Series)-[:CONTAINS]->(:Media)-[r:NEAR_DUPLICATE]-(:Media)
  RETURN r
}
MATCH (a:Media)-[r]->(b:Media)
WHERE NOT coalesce(a.nonPertinent, false) AND NOT coalesce(b.nonPertinent, false)
CALL (a) { MATCH (a)<-[:CONTAINS]-(s:Series) RETURN collect(DISTINCT s.id) AS seriesA }
CALL (b) { MATCH (b)<-[:CONTAINS]-(s:Series) RETURN collect(DISTINCT s.id) AS seriesB }
RETURN a.sha256 AS sha256A, a.fileName AS fileNameA, seriesA,
       b.sha256 AS sha256B, b.fileName AS fileNameB, seriesB,
       r.pdqDistance AS pdqDistance, r.phashDistance AS phashDistance, r.method AS method
