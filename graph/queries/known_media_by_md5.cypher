// Which of the given hashes are the MD5 of a Media (a loader checks its CSV's targets before writing).
// Params: $values: lowercase hex MD5 hashes.
// Returns: v (each given hash that a Media has, once)
UNWIND $values AS v
MATCH (m:Media {md5: v})
RETURN DISTINCT v
