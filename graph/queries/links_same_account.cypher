// Accounts (platform and handle) that shared files of the given series, with every series holding a file they shared; non-pertinent files left out.
// $seriesIds: list of strings, or null for every series
// Returns: accountId, platform, handle, members (list of {series, sha256, fileName})
CALL () {
  // the given series found by their key; every series only when none is given. One
  // query for both, but "WHERE $seriesIds IS NULL OR s0.id IN $seriesIds" cannot use the
  // key's index: it read every Series to answer for a few.
  UNWIND coalesce($seriesIds, []) AS sid
  MATCH (:Series {id: sid})-[:CONTAINS]->(:Media)-[:SHARED_BY]->(a:Account)
  RETURN a
  UNION
  WITH $seriesIds AS given
  WHERE given IS NULL
  MATCH (:Series)-[:CONTAINS]->(:Media)-[:SHARED_BY]->(a:Account)
  RETURN a
}
MATCH (a)<-[:SHARED_BY]-(m:Media)<-[:CONTAINS]-(s:Series)
WHERE NOT coalesce(m.nonPertinent, false)
WITH a, collect({series: s.id, sha256: m.sha256, fileName: m.fileName}) AS members
RETURN a.id AS accountId, a.platform AS platform, a.handle AS handle, members
