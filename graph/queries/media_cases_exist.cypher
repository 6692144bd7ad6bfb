// Which of these case ids are in the graph (a media load refuses an unknown case).
// $ids: list of string
// Returns: id (one row per existing case)
UNWIND $ids AS id MATCH (n:Case {id: id}) RETURN n.id AS id
