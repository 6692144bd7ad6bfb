// Stored links that touch the given series (every link when null), with what the link engine compares before rewriting them.
// $seriesIds: list of strings, or null for every series
// Returns: a, b, score, kinds, evidence, crossCountry, judgement, judgedBy, judgedAt, judgementNote
MATCH (sa:Series)-[l:LINKED]->(sb:Series)
WHERE $seriesIds IS NULL OR sa.id IN $seriesIds OR sb.id IN $seriesIds
RETURN sa.id AS a, sb.id AS b, l.score AS score, l.kinds AS kinds, l.evidence AS evidence,
       l.crossCountry AS crossCountry, l.judgement AS judgement, l.judgedBy AS judgedBy,
       l.judgedAt AS judgedAt, l.judgementNote AS judgementNote
