// (:Media)-[:TAKEN_WITH]->(:Camera) for loaded media whose EXIF has a serial; the camera
// is merged on its id (folded make|model|serial), its fields set when it is created.
// $rows: list of {sha256, camera: {id, make, model, serial}}, distinct
// $source, $loadId, $loadedAt: provenance
// Returns: nothing (counters)
UNWIND $rows AS r
MATCH (m:Media {sha256: r.sha256})
MERGE (cam:Camera {id: r.camera.id})
ON CREATE SET cam.make = r.camera.make, cam.model = r.camera.model,
              cam.serial = r.camera.serial,
              cam.source = $source, cam.loadId = $loadId, cam.loadedAt = $loadedAt
MERGE (m)-[t:TAKEN_WITH]->(cam)
SET t.source = $source, t.loadId = $loadId, t.loadedAt = $loadedAt
