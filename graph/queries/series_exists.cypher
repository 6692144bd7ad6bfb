// The series with this id, if there is one.
// $id: string
// Returns: id
MATCH (s:Series {id: $id}) RETURN s.id AS id
