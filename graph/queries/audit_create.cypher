// Creates one audit event (never updated nor deleted).
// $id: string   $at: datetime   $user: string   $action: string   $parameters: string (JSON)   $resultCount: integer or null   $outcome: string
// Returns: nothing
CREATE (e:AuditEvent {id: $id, at: $at, user: $user, action: $action,
                      parameters: $parameters, resultCount: $resultCount, outcome: $outcome})
