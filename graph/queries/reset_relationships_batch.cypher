// Reset: delete one batch of relationships (run until fewer than $batch come back), so no transaction detaches a node with a huge number of them.
// Params: $batch: relationships per transaction.
// Returns: c (relationships deleted)
MATCH ()-[r]->()
WITH r LIMIT $batch
DELETE r
RETURN count(*) AS c
