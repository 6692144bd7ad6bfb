// Every series with the countries whose agencies own a case on it (a link is cross-country when the two sets are disjoint).
// No parameters.
// Returns: seriesId, countries
MATCH (s:Series)
OPTIONAL MATCH (s)<-[:INVESTIGATES]-(:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
RETURN s.id AS seriesId, collect(DISTINCT co.code) AS countries
