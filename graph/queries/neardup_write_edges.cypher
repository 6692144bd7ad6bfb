// Writes a batch of NEAR_DUPLICATE edges between pictures with their distances and method.
// $rows: list of maps (a, b, pdqDistance, phashDistance, method)
// Returns: nothing
UNWIND $rows AS row
MATCH (a:Media {sha256: row.a})
MATCH (b:Media {sha256: row.b})
MERGE (a)-[r:NEAR_DUPLICATE]->(b)
SET r.pdqDistance = row.pdqDistance, r.phashDistance = row.phashDistance, r.method = row.method
