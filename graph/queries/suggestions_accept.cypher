// An analyst accepts a proposed clue: the SUGGESTS becomes SHOWS with the analyst's name.
// $sha256: string   $clueId: string   $analyst: string   $at: string
// Returns: clueId, source, confidence, series (list of series holding the file)
MATCH (m:Media {sha256: $sha256})-[s:SUGGESTS]->(c:Clue {id: $clueId})
MERGE (m)-[r:SHOWS]->(c)
SET r.analyst = $analyst, r.confidence = s.confidence, r.notedAt = $at,
    r.source = s.source, r.box = s.box, r.loadId = 'suggestions', r.loadedAt = $at
WITH m, c, s, s.source AS source, s.confidence AS confidence
DELETE s
WITH m, c, source, confidence
OPTIONAL MATCH (se:Series)-[:CONTAINS]->(m)
RETURN c.id AS clueId, source, confidence, collect(DISTINCT se.id) AS series
