// Deletes a batch of series links that no longer hold.
// $rows: list of maps (a, b)
// Returns: nothing
UNWIND $rows AS row
MATCH (:Series {id: row.a})-[l:LINKED]->(:Series {id: row.b})
DELETE l
