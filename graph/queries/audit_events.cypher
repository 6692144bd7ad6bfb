// Audit events, newest first, filtered by user, action, outcome and time (null: any).
// $user: string or null   $action: string or null   $outcome: string or null   $since: datetime or null   $until: datetime or null   $cap: integer
// Returns: id, at, user, action, parameters, resultCount, outcome
MATCH (e:AuditEvent)
WHERE ($user IS NULL OR e.user = $user)
  AND ($action IS NULL OR e.action = $action)
  AND ($outcome IS NULL OR e.outcome = $outcome)
  AND ($since IS NULL OR e.at >= $since)
  AND ($until IS NULL OR e.at < $until)
RETURN e.id AS id, e.at AS at, e.user AS user, e.action AS action,
       e.parameters AS parameters, e.resultCount AS resultCount, e.outcome AS outcome
ORDER BY e.at DESC, e.id
LIMIT $cap
