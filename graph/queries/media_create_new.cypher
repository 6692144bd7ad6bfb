// Create media known to be new (media_not_new returned none of them, in the same
// transaction) with their HOLDS, CONTAINS, TAKEN_WITH and GEOTAGGED_AT: CREATE, no MERGE,
// as nothing of a new node can exist yet. The cases, series, cameras and locations exist
// (the cameras and locations were merged just before, media_merge_cameras/_places).
// Gives the graph the MERGE path (media_write and the statements after it)
// gives for the same rows.
// $rows: list of {sha256, props, path, fileName, cases: [id], series: [id],
//   cameras: [id], placeId, lat, lon}   $source, $loadId, $loadedAt: provenance
// Returns: nothing (counters)
UNWIND $rows AS row
CREATE (m:Media {sha256: row.sha256})
SET m += row.props, m.source = $source, m.loadId = $loadId, m.loadedAt = $loadedAt,
    m.path = row.path
FOREACH (_ IN CASE WHEN row.path IS NOT NULL THEN [1] ELSE [] END |
  SET m.fileName = row.fileName)
WITH m, row
CALL (m, row) {
  UNWIND row.cases AS id
  MATCH (c:Case {id: id})
  CREATE (c)-[:HOLDS {source: $source, loadId: $loadId, loadedAt: $loadedAt}]->(m)
}
CALL (m, row) {
  UNWIND row.series AS id
  MATCH (s:Series {id: id})
  CREATE (s)-[:CONTAINS {source: $source, loadId: $loadId, loadedAt: $loadedAt}]->(m)
}
CALL (m, row) {
  UNWIND row.cameras AS id
  MATCH (cam:Camera {id: id})
  CREATE (m)-[:TAKEN_WITH {source: $source, loadId: $loadId, loadedAt: $loadedAt}]->(cam)
}
CALL (m, row) {
  WITH row WHERE row.placeId IS NOT NULL
  MATCH (loc:Location {id: row.placeId})
  CREATE (m)-[:GEOTAGGED_AT {lat: row.lat, lon: row.lon, source: $source, loadId: $loadId,
                             loadedAt: $loadedAt}]->(loc)
}
