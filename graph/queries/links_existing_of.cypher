// The stored links of the given series (each pair once, as stored: a -> b), with their judgement fields: what an update compares its new links with.
// $seriesIds: list of strings
// Returns: a, b, score, kinds, evidence, crossCountry, judgement, judgedBy, judgedAt, judgementNote
// Each series is found by its key: links_existing's "$seriesIds IS NULL OR ..." reads every
// link of the store (0.3 s at 1M media) to answer for a few series.
UNWIND $seriesIds AS sid
MATCH (s:Series {id: sid})-[l:LINKED]-(:Series)
WITH DISTINCT l
MATCH (sa:Series)-[l]->(sb:Series)
RETURN sa.id AS a, sb.id AS b, l.score AS score, l.kinds AS kinds, l.evidence AS evidence,
       l.crossCountry AS crossCountry, l.judgement AS judgement, l.judgedBy AS judgedBy,
       l.judgedAt AS judgedAt, l.judgementNote AS judgementNote
