// (:Case)-[:HOLDS]->(:Media) for loaded media, by MERGE (the case and media exist).
// $rows: list of {sha256, caseId}, distinct   $source, $loadId, $loadedAt: provenance
// Returns: nothing (counters)
UNWIND $rows AS r
MATCH (m:Media {sha256: r.sha256})
MATCH (c:Case {id: r.caseId})
MERGE (c)-[h:HOLDS]->(m)
SET h.source = $source, h.loadId = $loadId, h.loadedAt = $loadedAt
