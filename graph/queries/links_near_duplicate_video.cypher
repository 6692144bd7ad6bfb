// Near-duplicate pairs found by video matching (the given methods) that touch the given series, with the series holding each file and where in the clips they match.
// $seriesIds: list of strings, or null for every series   $methods: list of strings
// Returns: sha256A, fileNameA, kindA, seriesA, sha256B, fileNameB, kindB, seriesB, pdqDistance, method, matchedFrames, queryPercent, targetPercent, at
CALL () {
  // the given series found by their key; every series only when none is given. One
  // query for both, but "WHERE $seriesIds IS NULL OR s0.id IN $seriesIds" cannot use the
  // key's index: it read every Series to answer for a few.
  UNWIND coalesce($seriesIds, []) AS sid
  MATCH (:Series {id: sid})-[:CONTAINS]->(:Media)-[r:NEAR_DUPLICATE]-(:Media)
  WHERE r.method IN $methods
  RETURN r
  UNION
  WITH $seriesIds AS given
  WHERE given IS NULL
  MATCH (:Series)-[:CONTAINS]->(:Media)-[r:NEAR_DUPLICATE]-(:Media)
  WHERE r.method IN $methods
  RETURN r
}
MATCH (a:Media)-[r]->(b:Media)
WHERE NOT coalesce(a.nonPertinent, false) AND NOT coalesce(b.nonPertinent, false)
CALL (a) { MATCH (a)<-[:CONTAINS]-(s:Series) RETURN collect(DISTINCT s.id) AS seriesA }
CALL (b) { MATCH (b)<-[:CONTAINS]-(s:Series) RETURN collect(DISTINCT s.id) AS seriesB }
RETURN a.sha256 AS sha256A, a.fileName AS fileNameA, a.kind AS kindA, seriesA,
       b.sha256 AS sha256B, b.fileName AS fileNameB, b.kind AS kindB, seriesB,
       r.pdqDistance AS pdqDistance, r.method AS method, r.matchedFrames AS matchedFrames,
       r.queryPercent AS queryPercent, r.targetPercent AS targetPercent, r.at AS at
