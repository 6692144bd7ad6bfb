// Wait until every index is online (after the schema is applied), five minutes at most.
// No parameters.
// Returns: nothing
CALL db.awaitIndexes(300)
