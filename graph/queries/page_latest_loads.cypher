// The latest loads, newest first, with their counts and their first errors.
// $limit: integer (loads)   $maxErrors: integer (errors shown per load)
// Returns: id, kind, source, startedAt, finishedAt, status, read, written, skipped, errorCount, errors
MATCH (l:Load)
RETURN l.id AS id, l.kind AS kind, l.source AS source,
       toString(l.startedAt) AS startedAt, toString(l.finishedAt) AS finishedAt,
       l.status AS status, l.read AS read, l.written AS written, l.skipped AS skipped,
       coalesce(l.errorCount, size(coalesce(l.errors, []))) AS errorCount,
       coalesce(l.errors, [])[0..$maxErrors] AS errors
ORDER BY l.startedAt DESC
LIMIT $limit
