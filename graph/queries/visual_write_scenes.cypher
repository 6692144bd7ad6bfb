// Writes same-scene pairs (one relationship per unordered pair, from the smaller sha256 to the larger); a shared-object pair of the same files is replaced.
// $rows: list of {a, b, inliers, coverage, score, regions, method, explanation, frameMsA, frameMsB}   $version: integer   $loadId: string   $at: string
// Returns: written (count)
UNWIND $rows AS row
MATCH (a:Media {sha256: row.a})
MATCH (b:Media {sha256: row.b})
OPTIONAL MATCH (a)-[old:SHARES_OBJECT]-(b)
DELETE old
MERGE (a)-[r:SAME_SCENE]->(b)
SET r.inliers = row.inliers, r.coverage = row.coverage, r.score = row.score,
    r.regions = row.regions, r.method = row.method, r.explanation = row.explanation,
    r.frameMsA = row.frameMsA, r.frameMsB = row.frameMsB, r.version = $version,
    r.source = 'visual-pass', r.loadId = $loadId, r.loadedAt = $at
RETURN count(r) AS written
