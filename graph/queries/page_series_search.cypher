// Series whose id or name contains a text, optionally of one country and status, with their countries, agencies and sizes; most cross-country links first.
// $text: string ('' = any)   $country: string or null   $status: string or null   $skip: integer   $limit: integer
// $minScore: float (crossCountryLinks counts the cross-country lead's links: at or above it or confirmed, never rejected)
// Returns: id, name, status, countries, agencies, cases, media, links, crossCountryLinks
MATCH (s:Series)
WHERE ($text = '' OR toLower(s.id) CONTAINS toLower($text)
       OR toLower(coalesce(s.name, '')) CONTAINS toLower($text))
  AND ($status IS NULL OR s.status = $status)
CALL (s) {
  OPTIONAL MATCH (s)<-[:INVESTIGATES]-(c:Case)
  OPTIONAL MATCH (c)-[:OWNED_BY]->(a:Agency)
  OPTIONAL MATCH (a)-[:IN_COUNTRY]->(co:Country)
  RETURN collect(DISTINCT co.code) AS countries, collect(DISTINCT a.id) AS agencies,
         count(DISTINCT c) AS cases
}
WITH s, countries, agencies, cases
WHERE $country IS NULL OR $country IN countries
RETURN s.id AS id, s.name AS name, s.status AS status, countries, agencies, cases,
       COUNT { (s)-[:CONTAINS]->(:Media) } AS media,
       COUNT { (s)-[:LINKED]-(:Series) } AS links,
       COUNT { (s)-[l:LINKED]-(:Series)
               WHERE l.crossCountry = true AND coalesce(l.judgement, '') <> 'rejected'
                 AND (l.score >= $minScore OR l.judgement = 'confirmed') } AS crossCountryLinks
ORDER BY crossCountryLinks DESC, links DESC, id
SKIP $skip
LIMIT $limit
