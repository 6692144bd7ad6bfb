// Writes a batch of victims featured in existing series (age band on FEATURES).
// $rows: list of maps (victim_id, series_id, identified, identified_by, identified_at, age_band, sex)   $source: string   $loadId: string   $loadedAt: string (ISO 8601)
// Returns: nothing
UNWIND $rows AS row
MATCH (s:Series {id: row.series_id})
MERGE (v:Victim {id: row.victim_id})
SET v.identified = coalesce(row.identified, v.identified, false),
    v.identifiedBy = CASE WHEN row.identified = false THEN null
                          ELSE coalesce(row.identified_by, v.identifiedBy) END,
    v.identifiedAt = CASE WHEN row.identified = false THEN null
                          ELSE coalesce(date(row.identified_at), v.identifiedAt) END,
    v.sex = coalesce(row.sex, v.sex),
    v.source = $source, v.loadId = $loadId, v.loadedAt = $loadedAt
MERGE (s)-[f:FEATURES]->(v)
SET f.ageBand = coalesce(row.age_band, f.ageBand),
    f.source = $source, f.loadId = $loadId, f.loadedAt = $loadedAt
