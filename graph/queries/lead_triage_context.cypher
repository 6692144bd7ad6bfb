// Where known files sit: their series, the cases holding them or their series, those cases' agencies and countries, and the hash sets listing them.
// $sha256s: list of strings
// Returns: sha256, fileName, series, cases, agencies, countries, hashSets, nonPertinent
UNWIND $sha256s AS sha
MATCH (m:Media {sha256: sha})
WITH m,
     COLLECT { MATCH (m)<-[:CONTAINS]-(s:Series) RETURN DISTINCT s.id } AS series,
     COLLECT { MATCH (m)<-[:HOLDS]-(k:Case) RETURN DISTINCT k
               UNION
               MATCH (m)<-[:CONTAINS]-(:Series)<-[:INVESTIGATES]-(k:Case) RETURN DISTINCT k } AS cases
RETURN m.sha256 AS sha256, m.fileName AS fileName, series,
       [k IN cases | k.id] AS cases,
       COLLECT { UNWIND cases AS k MATCH (k)-[:OWNED_BY]->(a:Agency) RETURN DISTINCT a.id } AS agencies,
       COLLECT { UNWIND cases AS k MATCH (k)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
                 RETURN DISTINCT co.code } AS countries,
       COLLECT { MATCH (m)<-[:LISTS]-(h:HashSet) RETURN DISTINCT h.id } AS hashSets,
       coalesce(m.nonPertinent, false) AS nonPertinent
