// Which of the given ids are the id of a Series (a loader checks its CSV's references before writing).
// Params: $values: Series ids.
// Returns: v (each given id that a Series has, once)
UNWIND $values AS v
MATCH (n:Series {id: v})
RETURN DISTINCT v
