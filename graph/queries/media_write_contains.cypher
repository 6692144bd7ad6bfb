// (:Series)-[:CONTAINS]->(:Media) for loaded media, by MERGE (the series and media exist).
// $rows: list of {sha256, seriesId}, distinct   $source, $loadId, $loadedAt: provenance
// Returns: nothing (counters)
UNWIND $rows AS r
MATCH (m:Media {sha256: r.sha256})
MATCH (s:Series {id: r.seriesId})
MERGE (s)-[ct:CONTAINS]->(m)
SET ct.source = $source, ct.loadId = $loadId, ct.loadedAt = $loadedAt
