// Where a camera (by serial, optionally make and model) shows up: each series holding its files, with their countries, agencies, cases, number of files and capture time span.
// $serial: string   $make: string or null   $model: string or null
// $idSuffix: string, '|' + the folded serial (a camera's id is folded make|model|serial): the
//   text index finds those cameras instead of reading every camera; '' reads them all
// Returns: camera, make, model, serial, series, series_status, countries, agencies, cases, files, first_captured, last_captured
MATCH (c:Camera)
WHERE c.id ENDS WITH $idSuffix
  AND toLower(trim(c.serial)) = toLower(trim($serial))
  AND ($make IS NULL OR toLower(c.make) = toLower($make))
  AND ($model IS NULL OR toLower(c.model) = toLower($model))
MATCH (c)<-[:TAKEN_WITH]-(m:Media)
OPTIONAL MATCH (m)<-[:CONTAINS]-(s:Series)
WITH c, s, collect(DISTINCT m) AS files
WITH c, s, files,
     CASE WHEN s IS NULL
       THEN COLLECT { UNWIND files AS f MATCH (k:Case)-[:HOLDS]->(f) RETURN DISTINCT k }
       ELSE COLLECT { MATCH (k:Case)-[:INVESTIGATES]->(s) RETURN DISTINCT k }
     END AS cases
CALL (files) {
  UNWIND files AS f
  RETURN min(toString(f.capturedAt)) AS first, max(toString(f.capturedAt)) AS last
}
RETURN c.id AS camera, c.make AS make, c.model AS model, c.serial AS serial,
       s.id AS series, s.status AS series_status,
       COLLECT { UNWIND cases AS k MATCH (k)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
                 RETURN DISTINCT co.code } AS countries,
       COLLECT { UNWIND cases AS k MATCH (k)-[:OWNED_BY]->(a:Agency) RETURN DISTINCT a.id } AS agencies,
       [k IN cases | k.id] AS cases, size(files) AS files,
       first AS first_captured, last AS last_captured
ORDER BY first_captured, series
