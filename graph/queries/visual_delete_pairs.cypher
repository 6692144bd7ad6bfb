// Deletes the given same-scene or shared-object pairs unless the given load wrote them (a rebuild removing the pairs it did not decide again).
// $rows: list of {a, b, type}   $loadId: string
// Returns: removed (count)
UNWIND $rows AS row
MATCH (a:Media {sha256: row.a})-[r:SAME_SCENE|SHARES_OBJECT]->(b:Media {sha256: row.b})
WHERE type(r) = row.type AND (r.loadId IS NULL OR r.loadId <> $loadId)
DELETE r
RETURN count(*) AS removed
