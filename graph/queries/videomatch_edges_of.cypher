// Stored near-duplicate pairs found by video matching (the given methods) that involve any of the given media.
// $sha256s: list of strings   $methods: list of strings
// Returns: a, b, pdqDistance, method, matchedFrames, queryPercent, targetPercent, at
UNWIND $sha256s AS sha
MATCH (m:Media {sha256: sha})-[r:NEAR_DUPLICATE]-(:Media)
WHERE r.method IN $methods
WITH DISTINCT r
MATCH (x:Media)-[r]->(y:Media)
RETURN x.sha256 AS a, y.sha256 AS b, r.pdqDistance AS pdqDistance, r.method AS method,
       r.matchedFrames AS matchedFrames, r.queryPercent AS queryPercent,
       r.targetPercent AS targetPercent, r.at AS at
