// Saves an object clue as a standing search, shown by a series with the analyst's name.
// $seriesId: string   $clueId: string   $value: string   $label: string   $analyst: string   $at: string   $box: list of integers or null
// Returns: clueId, seriesId
MATCH (s:Series {id: $seriesId})
MERGE (c:Clue {id: $clueId})
  ON CREATE SET c.type = 'object', c.value = $value, c.label = $label,
                c.source = 'object-search', c.loadId = 'object-search', c.loadedAt = $at
SET c.standing = true
MERGE (s)-[r:SHOWS]->(c)
SET r.analyst = $analyst, r.notedAt = $at, r.source = 'object-search', r.box = $box,
    r.loadId = 'object-search', r.loadedAt = $at
RETURN c.id AS clueId, s.id AS seriesId
