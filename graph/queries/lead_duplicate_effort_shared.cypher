// Series investigated by cases of several agencies (deconfliction: who else works this series).
// $minAgencies: integer   $limit: integer
// Returns: kind, series, other_series, agencies, countries, cases, overlap, detail
MATCH (s:Series)<-[:INVESTIGATES]-(k:Case)-[:OWNED_BY]->(a:Agency)
OPTIONAL MATCH (a)-[:IN_COUNTRY]->(co:Country)
WITH s, collect(DISTINCT a.id) AS agencies, collect(DISTINCT co.code) AS countries,
     collect(DISTINCT k.id) AS cases
WHERE size(agencies) >= $minAgencies
RETURN 'same_series' AS kind, s.id AS series, null AS other_series, agencies, countries, cases,
       1.0 AS overlap,
       'investigated by ' + toString(size(agencies)) + ' agencies in ' + toString(size(countries))
         + ' country(ies)' AS detail
ORDER BY size(countries) DESC, size(agencies) DESC, series
LIMIT $limit
