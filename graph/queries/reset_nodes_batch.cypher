// Reset: delete one batch of nodes (run until fewer than $batch come back), except the nodes with a label in $keepLabels (the audit trail survives a reset unless asked otherwise).
// Params: $batch: nodes per transaction; $keepLabels: labels whose nodes are kept (empty: delete everything).
// Returns: c (nodes deleted)
MATCH (n)
WHERE NOT any(l IN labels(n) WHERE l IN $keepLabels)
WITH n LIMIT $batch
DETACH DELETE n
RETURN count(*) AS c
