// Clues the machine proposes for files (text read, language, a saved object seen), for a series, a case or everywhere, strongest first.
// $seriesId: string or null   $caseId: string or null   $limit: integer
// Returns: sha256, fileName, series (list), clueId, type, value, label, source, confidence, box, countries (list of {code, share} the clue points to)
MATCH (m:Media)-[s:SUGGESTS]->(c:Clue)
WHERE ($seriesId IS NULL OR EXISTS { (:Series {id: $seriesId})-[:CONTAINS]->(m) })
  AND ($caseId IS NULL OR EXISTS { (:Case {id: $caseId})-[:HOLDS]->(m) })
WITH m, s, c
ORDER BY s.confidence DESC, m.sha256, c.id
LIMIT $limit
CALL (m) {
  OPTIONAL MATCH (se:Series)-[:CONTAINS]->(m)
  RETURN collect(DISTINCT se.id) AS series
}
CALL (c) {
  OPTIONAL MATCH (c)-[p:POINTS_TO]->(co:Country)
  WITH co, p ORDER BY p.confidence DESC
  RETURN [x IN collect({code: co.code, share: p.confidence}) WHERE x.code IS NOT NULL] AS countries
}
RETURN m.sha256 AS sha256, m.fileName AS fileName, series, c.id AS clueId, c.type AS type,
       c.value AS value, c.label AS label, s.source AS source, s.confidence AS confidence,
       s.box AS box, countries
