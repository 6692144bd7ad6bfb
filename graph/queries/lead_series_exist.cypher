// Which of the given series exist.
// $ids: list of strings
// Returns: id
UNWIND $ids AS id
MATCH (s:Series {id: id})
RETURN s.id AS id
