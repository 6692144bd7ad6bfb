// The hash set with this id, if there is one.
// $id: string
// Returns: id
MATCH (h:HashSet {id: $id}) RETURN h.id AS id
