// Adds the audit events of the JSONL file that the graph lacks; existing events never change.
// $rows: list of maps (id, at, user, action, parameters, resultCount, outcome)
// Returns: nothing
UNWIND $rows AS row
MERGE (e:AuditEvent {id: row.id})
ON CREATE SET e.at = row.at, e.user = row.user, e.action = row.action,
              e.parameters = row.parameters, e.resultCount = row.resultCount,
              e.outcome = row.outcome
