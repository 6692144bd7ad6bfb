// Writes a batch of series links with their score, kinds, evidence and judgement.
// $rows: list of maps (a, b, score, kinds, evidence, crossCountry, judgement, judgedBy, judgedAt, judgementNote)   $computedAt: string (ISO 8601)
// Returns: nothing
UNWIND $rows AS row
MATCH (a:Series {id: row.a})
MATCH (b:Series {id: row.b})
MERGE (a)-[l:LINKED]->(b)
SET l.score = row.score, l.kinds = row.kinds, l.evidence = row.evidence,
    l.crossCountry = row.crossCountry, l.computedAt = $computedAt,
    l.judgement = row.judgement, l.judgedBy = row.judgedBy, l.judgedAt = row.judgedAt,
    l.judgementNote = row.judgementNote
