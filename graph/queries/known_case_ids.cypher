// Which of the given ids are the id of a Case (a loader checks its CSV's references before writing).
// Params: $values: Case ids.
// Returns: v (each given id that a Case has, once)
UNWIND $values AS v
MATCH (n:Case {id: v})
RETURN DISTINCT v
