// The cameras of a batch of new media, each once, before media_create_new links them:
// MERGE with the same ON CREATE values as the MERGE path (media_write_camera).
// $cameras: list of {id, make, model, serial}   $source, $loadId, $loadedAt: provenance
// Returns: nothing (counters)
UNWIND $cameras AS c
MERGE (cam:Camera {id: c.id})
ON CREATE SET cam.make = c.make, cam.model = c.model, cam.serial = c.serial,
              cam.source = $source, cam.loadId = $loadId, cam.loadedAt = $loadedAt
