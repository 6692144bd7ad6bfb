// Writes a batch of NEAR_DUPLICATE edges between videos with their matched frames.
// $rows: list of maps (a, b, pdqDistance, method, matchedFrames, queryPercent, targetPercent, at)
// Returns: nothing
UNWIND $rows AS row
MATCH (a:Media {sha256: row.a})
MATCH (b:Media {sha256: row.b})
MERGE (a)-[r:NEAR_DUPLICATE]->(b)
SET r.pdqDistance = row.pdqDistance, r.phashDistance = null, r.method = row.method,
    r.matchedFrames = row.matchedFrames, r.queryPercent = row.queryPercent,
    r.targetPercent = row.targetPercent, r.at = row.at
