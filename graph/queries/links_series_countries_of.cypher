// The given series with the countries whose agencies own a case on them (a link is cross-country when the two sets are disjoint).
// $seriesIds: list of strings
// Returns: seriesId, countries
UNWIND $seriesIds AS sid
MATCH (s:Series {id: sid})
OPTIONAL MATCH (s)<-[:INVESTIGATES]-(:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
RETURN s.id AS seriesId, collect(DISTINCT co.code) AS countries
