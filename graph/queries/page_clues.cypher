// Clues, optionally of one type or containing a text, with the series and countries that show them and where they point; most useful first: clues on several series, then those spanning most countries per series (rare and cross-border), then the rarest.
// $type: string or null   $text: string ('' = any)   $skip: integer   $limit: integer
// Returns: id, type, label, value, media, series, countries, pointsTo, analysts
MATCH (c:Clue)
WHERE ($type IS NULL OR c.type = $type)
  AND ($text = '' OR toLower(coalesce(c.label, '')) CONTAINS toLower($text)
       OR toLower(c.id) CONTAINS toLower($text))
CALL (c) {
  OPTIONAL MATCH (c)<-[:SHOWS]-(x)
  OPTIONAL MATCH (x)<-[:CONTAINS]-(xs:Series)
  WITH DISTINCT CASE WHEN x:Series THEN x ELSE xs END AS s
  OPTIONAL MATCH (s)<-[:INVESTIGATES]-(:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
  RETURN count(DISTINCT s) AS series, collect(DISTINCT co.code) AS countries
}
CALL (c) {
  OPTIONAL MATCH (c)-[:POINTS_TO]->(p)
  RETURN collect(DISTINCT CASE WHEN p:Location
                               THEN coalesce(p.name, p.id) + coalesce(', ' + p.countryCode, '')
                               ELSE coalesce(p.name, p.code) END) AS pointsTo
}
CALL (c) {
  OPTIONAL MATCH (c)<-[r:SHOWS]-()
  RETURN collect(DISTINCT r.analyst)[0..5] AS analysts
}
RETURN c.id AS id, c.type AS type, c.label AS label, c.value AS value,
       COUNT { (c)<-[:SHOWS]-(:Media) } AS media, series, countries, pointsTo, analysts
ORDER BY CASE WHEN series >= 2 THEN 0 ELSE 1 END,
         toFloat(size(countries)) / CASE WHEN series > 0 THEN series ELSE 1 END DESC,
         series, id
SKIP $skip
LIMIT $limit
