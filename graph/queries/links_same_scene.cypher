// Same-scene pairs of pictures (visual pass) that touch the given series, with the series holding each picture.
// $seriesIds: list of strings, or null for every series
// Returns: sha256A, fileNameA, seriesA, sha256B, fileNameB, seriesB, inliers, coverage, score, regions, method, explanation, frameMsA, frameMsB (milliseconds into a clip, or null)
CALL () {
  // the given series found by their key; every series only when none is given. One
  // query for both, but "WHERE $seriesIds IS NULL OR s0.id IN $seriesIds" cannot use the
  // key's index: it read every Series to answer for a few.
  UNWIND coalesce($seriesIds, []) AS sid
  MATCH (:Series {id: sid})-[:CONTAINS]->(:Media)-[r:SAME_SCENE]-(:Media)
  RETURN r
  UNION
  WITH $seriesIds AS given
  WHERE given IS NULL
  MATCH (:Series)-[:CONTAINS]->(:Media)-[r:SAME_SCENE]-(:Media)
  RETURN r
}
MATCH (a:Media)-[r]->(b:Media)
WHERE NOT coalesce(a.nonPertinent, false) AND NOT coalesce(b.nonPertinent, false)
CALL (a) { MATCH (a)<-[:CONTAINS]-(s:Series) RETURN collect(DISTINCT s.id) AS seriesA }
CALL (b) { MATCH (b)<-[:CONTAINS]-(s:Series) RETURN collect(DISTINCT s.id) AS seriesB }
RETURN a.sha256 AS sha256A, a.fileName AS fileNameA, seriesA,
       b.sha256 AS sha256B, b.fileName AS fileNameB, seriesB,
       r.inliers AS inliers, r.coverage AS coverage, r.score AS score, r.regions AS regions,
       r.method AS method, r.explanation AS explanation,
       r.frameMsA AS frameMsA, r.frameMsB AS frameMsB
