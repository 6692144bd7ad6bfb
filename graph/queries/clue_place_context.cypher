// Where a clue's place lies, as a person reads it ("Nantes, FR"), and the countries investigating the series the clue was added to (to warn when they differ).
// $placeId: string (a Location id, or a country code for a clue that points to a country)   $series: list of string (series ids)
// Returns: place, placeCountry, seriesCountries (list of {series, countries})
OPTIONAL MATCH (l:Location {id: $placeId})
OPTIONAL MATCH (co:Country {code: $placeId})
WITH CASE WHEN l IS NOT NULL
          THEN coalesce(l.name, l.id) + coalesce(', ' + l.countryCode, '')
          ELSE coalesce(co.name, $placeId) END AS place,
     coalesce(l.countryCode, co.code) AS placeCountry
CALL () {
  UNWIND $series AS sid
  MATCH (s:Series {id: sid})
  OPTIONAL MATCH (s)<-[:INVESTIGATES]-(:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(c:Country)
  WITH s, collect(DISTINCT c.code) AS countries
  RETURN collect({series: s.id, countries: countries}) AS seriesCountries
}
RETURN place, placeCountry, seriesCountries
