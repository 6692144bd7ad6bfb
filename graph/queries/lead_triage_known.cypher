// A triage by hash in one round trip: the media indexes' version (as index_version) and
// the media whose SHA-256, SHA-1 or MD5 is one of the given hashes (SHA-256, then SHA-1, then MD5 lookups),
// each with where it sits (the columns of lead_triage_context, computed the same way).
// $hashes: list of strings (lowercase hex)
// Returns: one row: epoch, version, matches (list of maps: hash, sha256, matchedOn,
//   fileName, series, cases, agencies, countries, hashSets, nonPertinent)
OPTIONAL MATCH (v:IndexVersion {name: 'media'})
WITH v.epoch AS epoch, coalesce(v.version, 0) AS version
CALL () {
  UNWIND $hashes AS h
  CALL (h) {
    MATCH (m:Media {sha256: h}) RETURN m, 'sha256' AS matchedOn
    UNION
    MATCH (m:Media {sha1: h}) RETURN m, 'sha1' AS matchedOn
    UNION
    MATCH (m:Media {md5: h}) RETURN m, 'md5' AS matchedOn
  }
  WITH h, m, matchedOn,
       COLLECT { MATCH (m)<-[:CONTAINS]-(s:Series) RETURN DISTINCT s.id } AS series,
       COLLECT { MATCH (m)<-[:HOLDS]-(k:Case) RETURN DISTINCT k
                 UNION
                 MATCH (m)<-[:CONTAINS]-(:Series)<-[:INVESTIGATES]-(k:Case) RETURN DISTINCT k } AS cases
  RETURN collect({
    hash: h, sha256: m.sha256, matchedOn: matchedOn, fileName: m.fileName, series: series,
    cases: [k IN cases | k.id],
    agencies: COLLECT { UNWIND cases AS k MATCH (k)-[:OWNED_BY]->(a:Agency) RETURN DISTINCT a.id },
    countries: COLLECT { UNWIND cases AS k MATCH (k)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
                         RETURN DISTINCT co.code },
    hashSets: COLLECT { MATCH (m)<-[:LISTS]-(hs:HashSet) RETURN DISTINCT hs.id },
    nonPertinent: coalesce(m.nonPertinent, false)
  }) AS matches
}
RETURN epoch, version, matches
