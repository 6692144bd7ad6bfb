// Loads that produced media index versions after a given one (graph/indexversion.py): what changed since a saved near-duplicate index.
// $version: integer
// Returns: id, begin, finish (finish null while the load runs)
MATCH (l:Load)
WHERE l.indexVersionBegin IS NOT NULL
  AND coalesce(l.indexVersionFinish, l.indexVersionBegin) > $version
RETURN l.id AS id, l.indexVersionBegin AS begin, l.indexVersionFinish AS finish
ORDER BY begin
