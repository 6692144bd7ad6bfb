// Files (one Media node per SHA-256) held by two or more series, among the files of the given series; non-pertinent files left out.
// $seriesIds: list of strings, or null for every series
// Returns: sha256, fileName, series
MATCH (s0:Series)-[:CONTAINS]->(m:Media)
WHERE ($seriesIds IS NULL OR s0.id IN $seriesIds) AND NOT coalesce(m.nonPertinent, false)
WITH DISTINCT m
MATCH (m)<-[:CONTAINS]-(s:Series)
WITH m, collect(DISTINCT s.id) AS series
WHERE size(series) > 1
RETURN m.sha256 AS sha256, m.fileName AS fileName, series
