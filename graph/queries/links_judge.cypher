// Records an analyst's judgement of a pair of series, and on their link if there is one.
// $a: string   $id: string   $b: string   $judgement: string   $by: string   $at: string (ISO 8601)   $note: string or null
// Returns: nothing
MATCH (a:Series {id: $a})
MATCH (b:Series {id: $b})
MERGE (j:Judgement {id: $id})
SET j.seriesA = $a, j.seriesB = $b, j.judgement = $judgement, j.judgedBy = $by,
    j.judgedAt = $at, j.note = $note
WITH a, b
OPTIONAL MATCH (a)-[l:LINKED]-(b)
SET l.judgement = $judgement, l.judgedBy = $by, l.judgedAt = $at, l.judgementNote = $note
