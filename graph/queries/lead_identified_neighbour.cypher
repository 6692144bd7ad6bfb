// Unidentified series linked to a series whose victim is identified: the agency that identified the victim may know the child, the place or the offender.
// $minScore: float   $crossCountryOnly: boolean   $limit: integer
// Returns: series, series_countries, neighbour, neighbour_status, neighbour_countries, identified_victims, score, kinds, cross_country, judgement, evidence (JSON)
MATCH (u:Series)-[l:LINKED]-(n:Series)
WHERE coalesce(u.status, 'unidentified') = 'unidentified'
  AND coalesce(l.judgement, '') <> 'rejected'
  AND (l.score >= $minScore OR l.judgement = 'confirmed')
  AND (NOT $crossCountryOnly OR l.crossCountry = true)
WITH u, n, l,
     COLLECT { MATCH (n)-[:FEATURES]->(v:Victim) WHERE v.identified = true RETURN DISTINCT v.id
               UNION
               MATCH (n)-[:CONTAINS]->(:Media)-[:DEPICTS]->(v:Victim) WHERE v.identified = true
               RETURN DISTINCT v.id } AS victims
WHERE size(victims) > 0 OR n.status = 'victim_identified'
RETURN u.id AS series,
       COLLECT { MATCH (u)<-[:INVESTIGATES]-(:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
                 RETURN DISTINCT co.code } AS series_countries,
       n.id AS neighbour, n.status AS neighbour_status,
       COLLECT { MATCH (n)<-[:INVESTIGATES]-(:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
                 RETURN DISTINCT co.code } AS neighbour_countries,
       victims AS identified_victims, l.score AS score, l.kinds AS kinds,
       coalesce(l.crossCountry, false) AS cross_country, l.judgement AS judgement,
       l.evidence AS evidence
ORDER BY CASE l.judgement WHEN 'confirmed' THEN 0 ELSE 1 END, score DESC, series, neighbour
LIMIT $limit
