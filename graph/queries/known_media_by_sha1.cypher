// Which of the given hashes are the SHA1 of a Media (a loader checks its CSV's targets before writing).
// Params: $values: lowercase hex SHA1 hashes.
// Returns: v (each given hash that a Media has, once)
UNWIND $values AS v
MATCH (m:Media {sha1: v})
RETURN DISTINCT v
