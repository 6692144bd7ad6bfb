// Whether the graph holds the loaded demo world (its finished world-* load).
// Returns: demo
MATCH (l:Load {kind: 'world'}) WHERE l.id STARTS WITH 'world-' AND l.status = 'done' RETURN count(l) > 0 AS demo
