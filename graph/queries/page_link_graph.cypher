// Links between series for the link graph, strongest first: by link kind, minimum score, country, and the dates cases on either side were opened; cross-country only unless asked.
// $kinds: list of strings ([] = every kind)   $minScore: float   $country: string or null
// $crossOnly: boolean   $includeRejected: boolean   $openedFrom: string (ISO date) or null
// $openedTo: string (ISO date) or null   $limit: integer (links)
// Returns: a, aName, aStatus, aCountries, b, bName, bStatus, bCountries, score, kinds, crossCountry, judgement
MATCH (sa:Series)-[l:LINKED]->(sb:Series)
WHERE coalesce(l.score, 0.0) >= $minScore
  AND (NOT $crossOnly OR l.crossCountry = true)
  AND (size($kinds) = 0 OR any(k IN coalesce(l.kinds, []) WHERE k IN $kinds))
  AND ($includeRejected OR coalesce(l.judgement, '') <> 'rejected')
CALL (sa) {
  OPTIONAL MATCH (sa)<-[:INVESTIGATES]-(c:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
  RETURN collect(DISTINCT co.code) AS aCountries, collect(DISTINCT c.opened) AS aOpened
}
CALL (sb) {
  OPTIONAL MATCH (sb)<-[:INVESTIGATES]-(c:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
  RETURN collect(DISTINCT co.code) AS bCountries, collect(DISTINCT c.opened) AS bOpened
}
WITH sa, sb, l, aCountries, bCountries, aOpened + bOpened AS opened
WHERE ($country IS NULL OR $country IN aCountries OR $country IN bCountries)
  AND ($openedFrom IS NULL AND $openedTo IS NULL
       OR any(d IN opened WHERE ($openedFrom IS NULL OR date(d) >= date($openedFrom))
                            AND ($openedTo IS NULL OR date(d) <= date($openedTo))))
RETURN sa.id AS a, sa.name AS aName, sa.status AS aStatus, aCountries,
       sb.id AS b, sb.name AS bName, sb.status AS bStatus, bCountries,
       l.score AS score, l.kinds AS kinds, coalesce(l.crossCountry, false) AS crossCountry,
       l.judgement AS judgement
ORDER BY score DESC, a, b
LIMIT $limit
