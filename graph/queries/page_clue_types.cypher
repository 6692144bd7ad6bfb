// Clues per type, with the number of distinct clues, media, series and countries that show them.
// No parameters.
// Returns: type, clues, media, series, countries
MATCH (c:Clue)
OPTIONAL MATCH (c)<-[:SHOWS]-(x)
OPTIONAL MATCH (x)<-[:CONTAINS]-(xs:Series)
WITH DISTINCT c, x, CASE WHEN x:Series THEN x ELSE xs END AS s
WITH c, CASE WHEN x:Media THEN x END AS m, s
OPTIONAL MATCH (s)<-[:INVESTIGATES]-(:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
RETURN coalesce(c.type, 'other') AS type, count(DISTINCT c) AS clues, count(DISTINCT m) AS media,
       count(DISTINCT s) AS series, count(DISTINCT co) AS countries
ORDER BY countries DESC, series DESC, type
