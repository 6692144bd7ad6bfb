// Cameras (make, model, serial) that took files of the given series, with every series holding a file taken with them; non-pertinent files left out.
// $seriesIds: list of strings, or null for every series
// Returns: cameraId, make, model, serial, members (list of {series, sha256, fileName, capturedAt})
MATCH (s0:Series)-[:CONTAINS]->(:Media)-[:TAKEN_WITH]->(c:Camera)
WHERE $seriesIds IS NULL OR s0.id IN $seriesIds
WITH DISTINCT c
MATCH (c)<-[:TAKEN_WITH]-(m:Media)<-[:CONTAINS]-(s:Series)
WHERE NOT coalesce(m.nonPertinent, false)
WITH c, collect({series: s.id, sha256: m.sha256, fileName: m.fileName}) AS members
RETURN c.id AS cameraId, c.make AS make, c.model AS model, c.serial AS serial, members
