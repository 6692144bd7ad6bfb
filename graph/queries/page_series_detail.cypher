// One series: its cases with their agencies and countries, and how many media, victims and links it has.
// $seriesId: string   $minScore: float (crossCountryLinks: the cross-country lead's links of this series: at or above it or confirmed, never rejected)
// Returns: id, name, status, source, cases, media, victims, identifiedVictims, links, crossCountryLinks
MATCH (s:Series {id: $seriesId})
CALL (s) {
  OPTIONAL MATCH (s)<-[:INVESTIGATES]-(c:Case)
  OPTIONAL MATCH (c)-[:OWNED_BY]->(a:Agency)
  OPTIONAL MATCH (a)-[:IN_COUNTRY]->(co:Country)
  WITH c, a, co WHERE c IS NOT NULL
  ORDER BY co.code, c.id
  RETURN collect({caseId: c.id, title: c.title, status: c.status, opened: toString(c.opened),
                  agencyId: a.id, agencyName: a.name, country: co.code,
                  countryName: co.name}) AS cases
}
RETURN s.id AS id, s.name AS name, s.status AS status, s.source AS source, cases,
       COUNT { (s)-[:CONTAINS]->(:Media) } AS media,
       COUNT { (s)-[:FEATURES]->(:Victim) } AS victims,
       COUNT { (s)-[:FEATURES]->(:Victim {identified: true}) } AS identifiedVictims,
       COUNT { (s)-[:LINKED]-(:Series) } AS links,
       COUNT { (s)-[l:LINKED]-(:Series)
               WHERE l.crossCountry = true AND coalesce(l.judgement, '') <> 'rejected'
                 AND (l.score >= $minScore OR l.judgement = 'confirmed') } AS crossCountryLinks
