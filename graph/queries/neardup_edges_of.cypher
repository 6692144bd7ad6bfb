// Stored near-duplicate pairs that involve any of the given media.
// $sha256s: list of strings
// Returns: a, b, pdqDistance, phashDistance, method
UNWIND $sha256s AS sha
MATCH (m:Media {sha256: sha})-[r:NEAR_DUPLICATE]-(:Media)
WITH DISTINCT r
MATCH (x:Media)-[r]->(y:Media)
RETURN x.sha256 AS a, y.sha256 AS b, r.pdqDistance AS pdqDistance,
       r.phashDistance AS phashDistance, r.method AS method
