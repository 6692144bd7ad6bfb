// Every stored near-duplicate pair found by video matching (the given methods), with its measures.
// $methods: list of strings
// Returns: a, b, pdqDistance, method, matchedFrames, queryPercent, targetPercent, at
MATCH (x:Media)-[r:NEAR_DUPLICATE]->(y:Media)
WHERE r.method IN $methods
RETURN x.sha256 AS a, y.sha256 AS b, r.pdqDistance AS pdqDistance, r.method AS method,
       r.matchedFrames AS matchedFrames, r.queryPercent AS queryPercent,
       r.targetPercent AS targetPercent, r.at AS at
