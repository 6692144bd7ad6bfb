// Clues that point to a place (a gazetteer location or a country), and the series showing them, by default only series investigated outside that place's country.
// $country: string or null (the place's country)   $clueType: string or null   $otherCountriesOnly: boolean   $limit: integer
// Returns: clue, type, label, points_to, place_country, confidence, series, series_status, series_countries
MATCH (c:Clue)-[p:POINTS_TO]->(place)
WHERE (place:Location OR place:Country) AND ($clueType IS NULL OR c.type = $clueType)
WITH c, p, place,
     CASE WHEN place:Country THEN place.code ELSE place.countryCode END AS placeCountry,
     CASE WHEN place:Country THEN coalesce(place.name, place.code)
          ELSE coalesce(place.name, place.id) + coalesce(', ' + place.countryCode, '') END AS placeName
WHERE $country IS NULL OR placeCountry = $country
CALL (c) {
  MATCH (s:Series)-[:SHOWS]->(c) RETURN s
  UNION
  MATCH (s:Series)-[:CONTAINS]->(m:Media)-[:SHOWS]->(c)
  WHERE NOT coalesce(m.nonPertinent, false)
  RETURN s
}
WITH c, p, placeCountry, placeName, s,
     COLLECT { MATCH (s)<-[:INVESTIGATES]-(:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
               RETURN DISTINCT co.code } AS seriesCountries
WHERE NOT $otherCountriesOnly OR NOT coalesce(placeCountry, '') IN seriesCountries
RETURN c.id AS clue, c.type AS type, coalesce(c.label, c.value) AS label,
       placeName AS points_to, placeCountry AS place_country, p.confidence AS confidence,
       s.id AS series, s.status AS series_status, seriesCountries AS series_countries
ORDER BY clue, points_to, series
LIMIT $limit
