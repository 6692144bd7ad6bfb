// Writes a batch of series, each investigated by an existing case.
// $rows: list of maps (series_id, case_id, name, status)   $source: string   $loadId: string   $loadedAt: string (ISO 8601)
// Returns: nothing
UNWIND $rows AS row
MATCH (c:Case {id: row.case_id})
MERGE (s:Series {id: row.series_id})
SET s.name = coalesce(nullif(row.name, ''), s.name, row.series_id),
    s.status = coalesce(row.status, s.status, 'unidentified'),
    s.source = $source, s.loadId = $loadId, s.loadedAt = $loadedAt
MERGE (c)-[i:INVESTIGATES]->(s)
SET i.source = $source, i.loadId = $loadId, i.loadedAt = $loadedAt
