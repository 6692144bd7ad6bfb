// An analyst rejects a proposed clue: the SUGGESTS is removed and the rejection remembered, so the visual pass never proposes it again for that file.
// $sha256: string   $clueId: string   $analyst: string   $at: string
// Returns: clueId, source, series (list of series holding the file)
MATCH (m:Media {sha256: $sha256})-[s:SUGGESTS]->(c:Clue {id: $clueId})
MERGE (m)-[r:REJECTED_SUGGESTION]->(c)
SET r.by = $analyst, r.at = $at, r.source = s.source
WITH m, c, s, s.source AS source
DELETE s
WITH m, c, source
OPTIONAL MATCH (se:Series)-[:CONTAINS]->(m)
RETURN c.id AS clueId, source, collect(DISTINCT se.id) AS series
