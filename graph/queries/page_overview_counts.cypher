// Headline counts for the overview: cases, series, media, identified victims, countries, and cross-country links at or above a score (rejected ones left out) and in all.
// $minScore: float (the leads' default minimum score)
// Returns: cases, series, media, identifiedVictims, countries, crossCountryLinks, crossCountryLinksAll
CALL () { MATCH (c:Case) RETURN count(c) AS cases }
CALL () { MATCH (s:Series) RETURN count(s) AS series }
CALL () { MATCH (m:Media) RETURN count(m) AS media }
CALL () { MATCH (v:Victim {identified: true}) RETURN count(v) AS identifiedVictims }
CALL () { MATCH (:Agency)-[:IN_COUNTRY]->(c:Country) RETURN count(DISTINCT c) AS countries }
CALL () {
  MATCH ()-[l:LINKED {crossCountry: true}]->()
  RETURN count(CASE WHEN coalesce(l.score, 0.0) >= $minScore
                     AND coalesce(l.judgement, '') <> 'rejected' THEN 1 END) AS crossCountryLinks,
         count(l) AS crossCountryLinksAll
}
RETURN cases, series, media, identifiedVictims, countries, crossCountryLinks, crossCountryLinksAll
