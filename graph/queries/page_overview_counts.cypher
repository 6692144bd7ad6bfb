// Headline counts (Overview, `db status`, `demo up`): cases, series, distinct media (one node per SHA-256) and the files media loads wrote, identified victims, countries with an agency, and cross-country links as the cross-country lead counts them (at or above $minScore or confirmed, never rejected) and in all.
// $minScore: float (the leads' default minimum score)
// Returns: cases, series, media, mediaLoaded, identifiedVictims, countries, crossCountryLinks, crossCountryLinksAll
CALL () { MATCH (c:Case) RETURN count(c) AS cases }
CALL () { MATCH (s:Series) RETURN count(s) AS series }
CALL () { MATCH (m:Media) RETURN count(m) AS media }
CALL () { MATCH (l:Load {kind: 'media'}) RETURN coalesce(sum(l.written), 0) AS mediaLoaded }
CALL () { MATCH (v:Victim {identified: true}) RETURN count(v) AS identifiedVictims }
CALL () { MATCH (:Agency)-[:IN_COUNTRY]->(c:Country) RETURN count(DISTINCT c) AS countries }
CALL () {
  MATCH ()-[l:LINKED {crossCountry: true}]->()
  RETURN count(CASE WHEN coalesce(l.judgement, '') <> 'rejected'
                     AND (coalesce(l.score, 0.0) >= $minScore OR l.judgement = 'confirmed')
                    THEN 1 END) AS crossCountryLinks,
         count(l) AS crossCountryLinksAll
}
RETURN cases, series, media, mediaLoaded, identifiedVictims, countries, crossCountryLinks,
       crossCountryLinksAll
