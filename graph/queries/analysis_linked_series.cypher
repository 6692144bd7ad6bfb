// Stored links between series at or above a score (confirmed ones whatever their score), rejected ones left out: the edges of the series graph.
// $minScore: float
// Returns: a, b, score, kinds, evidence, crossCountry, judgement
MATCH (sa:Series)-[l:LINKED]->(sb:Series)
WHERE coalesce(l.judgement, '') <> 'rejected'
  AND (l.score >= $minScore OR l.judgement = 'confirmed')
RETURN sa.id AS a, sb.id AS b, l.score AS score, l.kinds AS kinds, l.evidence AS evidence,
       coalesce(l.crossCountry, false) AS crossCountry, l.judgement AS judgement
ORDER BY a, b
