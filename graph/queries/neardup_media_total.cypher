// How many media the store holds, all kinds (Neo4j's count store: no media is read): what the near-duplicate update compares with the count its saved index recorded.
// Returns: n
MATCH (m:Media)
RETURN count(m) AS n
