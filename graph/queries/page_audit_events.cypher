// Audit events, newest first, optionally of one user or action.
// $user: string or null   $action: string or null   $skip: integer   $limit: integer
// Returns: at, user, action, parameters, resultCount, outcome, id
MATCH (e:AuditEvent)
WHERE ($user IS NULL OR e.user = $user) AND ($action IS NULL OR e.action = $action)
RETURN toString(e.at) AS at, e.user AS user, e.action AS action,
       coalesce(e.parameters, e.params) AS parameters, e.resultCount AS resultCount,
       e.outcome AS outcome, e.id AS id
ORDER BY e.at DESC, e.id DESC
SKIP $skip
LIMIT $limit
