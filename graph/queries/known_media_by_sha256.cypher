// Which of the given hashes are the SHA256 of a Media (a loader checks its CSV's targets before writing).
// Params: $values: lowercase hex SHA256 hashes.
// Returns: v (each given hash that a Media has, once)
UNWIND $values AS v
MATCH (m:Media {sha256: v})
RETURN DISTINCT v
