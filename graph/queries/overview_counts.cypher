// Headline counts for the overview: cases, series, media, identified victims, countries, cross-country links.
// No parameters.
// Returns: cases, series, media, identifiedVictims, countries, crossCountryLinks
CALL () { MATCH (c:Case) RETURN count(c) AS cases }
CALL () { MATCH (s:Series) RETURN count(s) AS series }
CALL () { MATCH (m:Media) RETURN count(m) AS media }
CALL () { MATCH (v:Victim {identified: true}) RETURN count(v) AS identifiedVictims }
CALL () { MATCH (:Agency)-[:IN_COUNTRY]->(c:Country) RETURN count(DISTINCT c) AS countries }
CALL () { MATCH ()-[l:LINKED {crossCountry: true}]->() RETURN count(l) AS crossCountryLinks }
RETURN cases, series, media, identifiedVictims, countries, crossCountryLinks
