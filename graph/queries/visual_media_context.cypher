// Where the given files sit: their series and the countries of the agencies whose cases hold them.
// $sha256s: list of strings
// Returns: sha256, fileName, series (list), countries (list)
UNWIND $sha256s AS sha
MATCH (m:Media {sha256: sha})
CALL (m) {
  OPTIONAL MATCH (s:Series)-[:CONTAINS]->(m)
  RETURN collect(DISTINCT s.id) AS series
}
CALL (m) {
  OPTIONAL MATCH (m)<-[:HOLDS]-(:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
  RETURN collect(DISTINCT co.code) AS countries
}
RETURN m.sha256 AS sha256, m.fileName AS fileName, series, countries
