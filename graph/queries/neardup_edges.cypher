// Every stored near-duplicate pair with its distances and method.
// No parameters.
// Returns: a, b, pdqDistance, phashDistance, method
MATCH (x:Media)-[r:NEAR_DUPLICATE]->(y:Media)
RETURN x.sha256 AS a, y.sha256 AS b, r.pdqDistance AS pdqDistance,
       r.phashDistance AS phashDistance, r.method AS method
