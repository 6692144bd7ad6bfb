// Deletes a batch of NEAR_DUPLICATE edges that no longer hold.
// $rows: list of maps (a, b)
// Returns: nothing
UNWIND $rows AS row
MATCH (:Media {sha256: row.a})-[r:NEAR_DUPLICATE]->(:Media {sha256: row.b})
DELETE r
