// Saved object clues (standing searches): every later visual pass looks for them in new pictures.
// Returns: clueId, label, series (list of series showing the clue)
MATCH (c:Clue {type: 'object'})
WHERE c.standing = true
OPTIONAL MATCH (s:Series)-[:SHOWS]->(c)
RETURN c.id AS clueId, c.label AS label, collect(DISTINCT s.id) AS series
ORDER BY clueId
