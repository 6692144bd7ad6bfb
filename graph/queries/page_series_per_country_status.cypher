// Series per country and status, for the overview charts: a series counts once in each country whose agencies investigate it.
// No parameters.
// Returns: country, countryName, status, series
MATCH (s:Series)
OPTIONAL MATCH (s)<-[:INVESTIGATES]-(:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(c:Country)
WITH DISTINCT s, c
RETURN coalesce(c.code, '--') AS country,
       coalesce(c.name, 'no country') AS countryName,
       coalesce(s.status, 'unknown') AS status,
       count(s) AS series
ORDER BY country, status
