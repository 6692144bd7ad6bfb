// Every load and when it finished: the near-duplicate index records which loads it reflects.
// No parameters.
// Returns: id, finishedAt
MATCH (l:Load)
RETURN l.id AS id, l.finishedAt AS finishedAt
ORDER BY id
