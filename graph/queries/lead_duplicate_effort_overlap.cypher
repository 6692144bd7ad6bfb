// Near-identical series held by different agencies: linked series where most files of one are in the other (identical or near-duplicate), and no agency works on both.
// $minOverlap: float (share of the files of one series found in the other)   $limit: integer
// Returns: kind, series, other_series, agencies, countries, cases, overlap, detail
MATCH (a:Series)-[l:LINKED]->(b:Series)
WHERE coalesce(l.judgement, '') <> 'rejected'
  AND any(k IN l.kinds WHERE k IN ['same_media', 'near_duplicate'])
WITH a, b,
     COLLECT { MATCH (a)-[:CONTAINS]->(m:Media) WHERE NOT coalesce(m.nonPertinent, false)
               RETURN DISTINCT m } AS ma,
     COLLECT { MATCH (b)-[:CONTAINS]->(m:Media) WHERE NOT coalesce(m.nonPertinent, false)
               RETURN DISTINCT m } AS mb
WITH a, b, size(ma) AS na, size(mb) AS nb,
     size([m IN ma WHERE EXISTS { (m)<-[:CONTAINS]-(b) }
                      OR EXISTS { (m)-[:NEAR_DUPLICATE]-(:Media)<-[:CONTAINS]-(b) }]) AS matchedA,
     size([m IN mb WHERE EXISTS { (m)<-[:CONTAINS]-(a) }
                      OR EXISTS { (m)-[:NEAR_DUPLICATE]-(:Media)<-[:CONTAINS]-(a) }]) AS matchedB
WITH a, b, na, nb, matchedA, matchedB,
     CASE WHEN na = 0 THEN 0.0 ELSE toFloat(matchedA) / na END AS shareA,
     CASE WHEN nb = 0 THEN 0.0 ELSE toFloat(matchedB) / nb END AS shareB
WITH a, b, na, nb, matchedA, matchedB,
     CASE WHEN shareA >= shareB THEN shareA ELSE shareB END AS overlap
WHERE overlap >= $minOverlap
WITH a, b, na, nb, matchedA, matchedB, overlap,
     COLLECT { MATCH (a)<-[:INVESTIGATES]-(k:Case) RETURN DISTINCT k } AS ka,
     COLLECT { MATCH (b)<-[:INVESTIGATES]-(k:Case) RETURN DISTINCT k } AS kb
WITH a, b, na, nb, matchedA, matchedB, overlap, ka, kb,
     COLLECT { UNWIND ka AS k MATCH (k)-[:OWNED_BY]->(x:Agency) RETURN DISTINCT x.id } AS agA,
     COLLECT { UNWIND kb AS k MATCH (k)-[:OWNED_BY]->(x:Agency) RETURN DISTINCT x.id } AS agB
WHERE size(agA) > 0 AND size(agB) > 0 AND none(x IN agA WHERE x IN agB)
RETURN 'near_identical_series' AS kind, a.id AS series, b.id AS other_series,
       agA + agB AS agencies,
       COLLECT { UNWIND ka + kb AS k MATCH (k)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
                 RETURN DISTINCT co.code } AS countries,
       [k IN ka + kb | k.id] AS cases, round(overlap, 3) AS overlap,
       toString(matchedA) + '/' + toString(na) + ' files of ' + a.id + ' and '
         + toString(matchedB) + '/' + toString(nb) + ' of ' + b.id
         + ' found in the other series' AS detail
ORDER BY overlap DESC, series, other_series
LIMIT $limit
