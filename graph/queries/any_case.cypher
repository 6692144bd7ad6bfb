// Whether the graph holds any case.
// Returns: any
MATCH (c:Case) RETURN count(c) > 0 AS any
