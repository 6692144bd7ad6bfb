// The case with this id, if there is one.
// $id: string
// Returns: id
MATCH (c:Case {id: $id}) RETURN c.id AS id
