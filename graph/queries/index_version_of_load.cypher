// The index versions a load produced when it began and when it finished (null when it did not bump: a load older than the versions, or the demo world mark).
// $id: string
// Returns: begin, finish
MATCH (l:Load {id: $id})
RETURN l.indexVersionBegin AS begin, l.indexVersionFinish AS finish
