// Writes shared-object pairs (one flat object agrees, not the room), from the smaller sha256 to the larger, unless the two files are already the same scene.
// $rows: list of {a, b, inliers, coverage, score, explanation, frameMsA, frameMsB}   $version: integer   $loadId: string   $at: string
// Returns: written (count)
UNWIND $rows AS row
MATCH (a:Media {sha256: row.a})
MATCH (b:Media {sha256: row.b})
WITH a, b, row
WHERE NOT EXISTS { (a)-[:SAME_SCENE]-(b) }
MERGE (a)-[r:SHARES_OBJECT]->(b)
SET r.inliers = row.inliers, r.coverage = row.coverage, r.score = row.score,
    r.explanation = row.explanation, r.frameMsA = row.frameMsA, r.frameMsB = row.frameMsB,
    r.version = $version, r.source = 'visual-pass', r.loadId = $loadId, r.loadedAt = $at
RETURN count(r) AS written
