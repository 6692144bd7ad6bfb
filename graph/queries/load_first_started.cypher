// When a load of this input first started (none on its first run).
// $id: string
// Returns: t
MATCH (l:Load {id: $id}) RETURN l.firstStartedAt AS t
