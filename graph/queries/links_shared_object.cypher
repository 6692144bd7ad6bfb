// Pairs of pictures (visual pass) that share one flat object but not the room, touching the given series, with the series holding each picture.
// $seriesIds: list of strings, or null for every series
// Returns: sha256A, fileNameA, seriesA, sha256B, fileNameB, seriesB, inliers, coverage, score, explanation, frameMsA, frameMsB (milliseconds into a clip, or null)
CALL () {
  // the given series found by their key; every series only when none is given. One
  // query for both, but "WHERE $seriesIds IS NULL OR s0.id IN $seriesIds" cannot use the
  // key's index: it read every Series to answer for a few.
  UNWIND coalesce($seriesIds, []) AS sid
  MATCH (:Series {id: sid})-[:CONTAINS]->(:Media)-[r:SHARES_OBJECT]-(:Media)
  RETURN r
  UNION
  WITH $seriesIds AS given
  WHERE given IS NULL
  MATCH (:Series)-[:CONTAINS]->(:Media)-[r:SHARES_OBJECT]-(:Media)
  RETURN r
}
MATCH (a:Media)-[r]->(b:Media)
WHERE NOT coalesce(a.nonPertinent, false) AND NOT coalesce(b.nonPertinent, false)
CALL (a) { MATCH (a)<-[:CONTAINS]-(s:Series) RETURN collect(DISTINCT s.id) AS seriesA }
CALL (b) { MATCH (b)<-[:CONTAINS]-(s:Series) RETURN collect(DISTINCT s.id) AS seriesB }
RETURN a.sha256 AS sha256A, a.fileName AS fileNameA, seriesA,
       b.sha256 AS sha256B, b.fileName AS fileNameB, seriesB,
       r.inliers AS inliers, r.coverage AS coverage, r.score AS score,
       r.explanation AS explanation,
       r.frameMsA AS frameMsA, r.frameMsB AS frameMsB
