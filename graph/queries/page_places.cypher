// Places (gazetteer places and GPS points) with the series and media geotagged there or pointed to by clues, optionally in one country.
// $country: string or null (ISO 3166-1 alpha-2; null = every country)   $limit: integer
// $series: string or null (only places where this series is seen)   $case: string or null (only places of the series this case investigates)
// Returns: id, name, admin1, countryCode, lat, lon, kind, series, media, seriesIds
MATCH (l:Location)
WHERE ($country IS NULL OR l.countryCode = $country)
  AND l.lat IS NOT NULL AND l.lon IS NOT NULL
CALL (l) {
  OPTIONAL MATCH (l)<-[:GEOTAGGED_AT]-(m:Media)
  OPTIONAL MATCH (m)<-[:CONTAINS]-(s:Series)
  RETURN count(DISTINCT m) AS media, collect(DISTINCT s.id) AS geoSeries
}
CALL (l) {
  OPTIONAL MATCH (l)<-[:POINTS_TO]-(:Clue)<-[:SHOWS]-(x)
  OPTIONAL MATCH (x)<-[:CONTAINS]-(xs:Series)
  WITH CASE WHEN x:Series THEN x.id ELSE xs.id END AS sid
  RETURN collect(DISTINCT sid) AS clueSeries
}
WITH l, media, geoSeries + [sid IN clueSeries WHERE NOT sid IN geoSeries] AS seriesIds
WHERE ($series IS NULL OR $series IN seriesIds)
  AND ($case IS NULL OR any(sid IN seriesIds
                            WHERE EXISTS { (:Case {id: $case})-[:INVESTIGATES]->(:Series {id: sid}) }))
RETURN l.id AS id, l.name AS name, l.admin1 AS admin1, l.countryCode AS countryCode,
       l.lat AS lat, l.lon AS lon, l.kind AS kind,
       size(seriesIds) AS series, media, seriesIds[0..20] AS seriesIds
ORDER BY series DESC, media DESC, id
LIMIT $limit
