// Cross-country links between series at or above a score, confirmed ones first (whatever their score), then strongest; rejected links never.
// $minScore: float   $country: string or null (either side)   $kind: string or null (a link kind)   $limit: integer
// Returns: series_a, series_b, countries_a, countries_b, score, kinds, evidence (JSON), judgement
// The crossCountry index drives. "score or confirmed" is written as a CASE, not an OR: with
// the OR the planner also sought every link above the score (164k rows for 1,200 at 1M
// media) and filtered them. (No index hint: a store made before the index would fail.)
MATCH (sa:Series)-[l:LINKED]->(sb:Series)
WHERE l.crossCountry = true
  AND coalesce(l.judgement, '') <> 'rejected'
  AND CASE WHEN l.judgement = 'confirmed' THEN true ELSE l.score >= $minScore END
  AND ($kind IS NULL OR $kind IN l.kinds)
WITH sa, sb, l,
     COLLECT { MATCH (sa)<-[:INVESTIGATES]-(:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
               RETURN DISTINCT co.code } AS ca,
     COLLECT { MATCH (sb)<-[:INVESTIGATES]-(:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
               RETURN DISTINCT co.code } AS cb
WHERE $country IS NULL OR $country IN ca OR $country IN cb
RETURN sa.id AS series_a, sb.id AS series_b, ca AS countries_a, cb AS countries_b,
       l.score AS score, l.kinds AS kinds, l.evidence AS evidence, l.judgement AS judgement
ORDER BY CASE l.judgement WHEN 'confirmed' THEN 0 ELSE 1 END, score DESC, series_a, series_b
LIMIT $limit
