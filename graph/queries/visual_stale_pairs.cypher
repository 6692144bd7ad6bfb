// Same-scene and shared-object pairs not written by the given load (what a rebuild of the pairs did not decide again): the candidates for removal.
// $loadId: string
// Returns: a (sha256), b (sha256), type ('SAME_SCENE' or 'SHARES_OBJECT')
MATCH (a:Media)-[r:SAME_SCENE|SHARES_OBJECT]->(b:Media)
WHERE r.loadId IS NULL OR r.loadId <> $loadId
RETURN a.sha256 AS a, b.sha256 AS b, type(r) AS type
