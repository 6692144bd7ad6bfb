// Countries with the agencies, cases and series of their agencies, and the places known in them.
// No parameters.
// Returns: code, name, agencies, cases, series, places
MATCH (c:Country)
CALL (c) {
  OPTIONAL MATCH (c)<-[:IN_COUNTRY]-(a:Agency)
  OPTIONAL MATCH (a)<-[:OWNED_BY]-(k:Case)
  OPTIONAL MATCH (k)-[:INVESTIGATES]->(s:Series)
  RETURN count(DISTINCT a) AS agencies, count(DISTINCT k) AS cases, count(DISTINCT s) AS series
}
RETURN c.code AS code, coalesce(c.name, c.code) AS name, agencies, cases, series,
       COUNT { (c)<-[:IN_COUNTRY]-(:Location) } AS places
ORDER BY code
