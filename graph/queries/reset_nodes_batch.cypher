// Reset: delete one batch of nodes (run until fewer than $batch come back); the audit trail survives unless $keepAudit is false.
// Params: $batch: nodes per transaction; $keepAudit: keep the AuditEvent nodes.
// Returns: c (nodes deleted)
MATCH (n)
WHERE NOT ($keepAudit AND n:AuditEvent)
WITH n LIMIT $batch
DETACH DELETE n
RETURN count(*) AS c
