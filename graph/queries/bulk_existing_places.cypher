// The cameras, locations and countries the store holds, and the countries its locations are IN_COUNTRY: what a bulk media load must not create again (loaders/bulk.py; the MERGEs of the normal path find them).
// No parameters.
// Returns: cameras (list of ids), countries (list of codes), locations (list of {id, countries})
CALL () { MATCH (c:Camera) RETURN collect(c.id) AS cameras }
CALL () { MATCH (k:Country) RETURN collect(k.code) AS countries }
CALL () {
  MATCH (l:Location)
  RETURN collect({id: l.id, countries: COLLECT { MATCH (l)-[:IN_COUNTRY]->(k:Country) RETURN k.code }}) AS locations
}
RETURN cameras, countries, locations
