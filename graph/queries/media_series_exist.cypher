// Which of these series ids are in the graph (a media load refuses an unknown series).
// $ids: list of string
// Returns: id (one row per existing series)
UNWIND $ids AS id MATCH (n:Series {id: id}) RETURN n.id AS id
