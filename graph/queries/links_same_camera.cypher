// Cameras (make, model, serial) that took files of the given series, with every series holding a file taken with them; non-pertinent files left out.
// $seriesIds: list of strings, or null for every series
// Returns: cameraId, make, model, serial, members (list of {series, sha256, fileName, capturedAt})
CALL () {
  // the given series found by their key; every series only when none is given. One
  // query for both, but "WHERE $seriesIds IS NULL OR s0.id IN $seriesIds" cannot use the
  // key's index: it read every Series to answer for a few.
  UNWIND coalesce($seriesIds, []) AS sid
  MATCH (:Series {id: sid})-[:CONTAINS]->(:Media)-[:TAKEN_WITH]->(c:Camera)
  RETURN c
  UNION
  WITH $seriesIds AS given
  WHERE given IS NULL
  MATCH (:Series)-[:CONTAINS]->(:Media)-[:TAKEN_WITH]->(c:Camera)
  RETURN c
}
MATCH (c)<-[:TAKEN_WITH]-(m:Media)<-[:CONTAINS]-(s:Series)
WHERE NOT coalesce(m.nonPertinent, false)
WITH c, collect({series: s.id, sha256: m.sha256, fileName: m.fileName}) AS members
RETURN c.id AS cameraId, c.make AS make, c.model AS model, c.serial AS serial, members
