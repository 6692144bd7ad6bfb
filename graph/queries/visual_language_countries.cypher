// Points a language clue to the countries where the language is spoken (CLDR population share as the confidence).
// $rows: list of {clueId, code, name, share}   $loadId: string   $at: string
// Returns: written (count)
UNWIND $rows AS row
MATCH (c:Clue {id: row.clueId})
MERGE (co:Country {code: row.code})
  ON CREATE SET co.name = row.name, co.source = 'visual-pass', co.loadId = $loadId,
                co.loadedAt = $at
MERGE (c)-[p:POINTS_TO]->(co)
SET p.confidence = row.share, p.source = 'cldr', p.loadId = $loadId, p.loadedAt = $at
RETURN count(p) AS written
