// The shortest chain of stored links between two series, hop by hop: fewest hops (at most 10, and at most $maxHops), then the highest total score, then the first in id order, among the first 1,000 shortest paths found. Links below $minScore are left out (confirmed ones never), rejected ones always.
// $a, $b: series ids   $minScore: float   $maxHops: integer (1-10)
// Returns: hop, from_series, to_series, from_countries, to_countries, score, kinds, evidence (JSON string), cross_country, judgement
MATCH (sa:Series {id: $a}), (sb:Series {id: $b})
MATCH p = allShortestPaths((sa)-[:LINKED*..10]-(sb))
WHERE all(l IN relationships(p) WHERE coalesce(l.judgement, '') <> 'rejected'
                                  AND (l.score >= $minScore OR l.judgement = 'confirmed'))
// Only per-link predicates inside the search: a predicate on the whole path (its length)
// would make Neo4j fall back to an exhaustive search whenever no path exists.
WITH p LIMIT 1000  // shortest paths compared at most (as analysis.evidence_path)
WITH p WHERE length(p) <= $maxHops
WITH p, reduce(t = 0.0, l IN relationships(p) | t + coalesce(l.score, 0.0)) AS total
ORDER BY total DESC, [n IN nodes(p) | n.id]
LIMIT 1
UNWIND range(0, length(p) - 1) AS i
WITH i, nodes(p)[i] AS u, nodes(p)[i + 1] AS v, relationships(p)[i] AS l
RETURN i + 1 AS hop, u.id AS from_series, v.id AS to_series,
       COLLECT { MATCH (u)<-[:INVESTIGATES]-(:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
                 RETURN DISTINCT co.code } AS from_countries,
       COLLECT { MATCH (v)<-[:INVESTIGATES]-(:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
                 RETURN DISTINCT co.code } AS to_countries,
       coalesce(l.score, 0.0) AS score, coalesce(l.kinds, []) AS kinds, l.evidence AS evidence,
       coalesce(l.crossCountry, false) AS cross_country, l.judgement AS judgement
ORDER BY hop
