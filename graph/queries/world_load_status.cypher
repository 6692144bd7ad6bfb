// The status of one load (the demo world's), if it ran.
// $id: string
// Returns: status
MATCH (l:Load {id: $id}) RETURN l.status AS status
