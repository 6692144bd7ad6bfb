// Proposes clues for files (text read, language, a saved object seen): MERGEs the clue and a SUGGESTS, unless an analyst already rejected or accepted that clue for that file.
// $rows: list of {sha256, clueId, type, value, label, source, confidence, box}   $loadId: string   $at: string
// Returns: written (count of suggestions written)
UNWIND $rows AS row
MATCH (m:Media {sha256: row.sha256})
WITH m, row
WHERE NOT EXISTS { (m)-[:REJECTED_SUGGESTION]->(:Clue {id: row.clueId}) }
  AND NOT EXISTS { (m)-[:SHOWS]->(:Clue {id: row.clueId}) }
MERGE (c:Clue {id: row.clueId})
  ON CREATE SET c.type = row.type, c.value = row.value, c.label = row.label,
                c.source = 'visual-pass', c.loadId = $loadId, c.loadedAt = $at
MERGE (m)-[s:SUGGESTS]->(c)
SET s.source = row.source, s.confidence = row.confidence, s.box = row.box,
    s.loadId = $loadId, s.loadedAt = $at
RETURN count(s) AS written
