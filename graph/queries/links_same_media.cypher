// Files (one Media node per SHA-256) held by two or more series, among the files of the given series; non-pertinent files left out.
// $seriesIds: list of strings, or null for every series
// Returns: sha256, fileName, series
CALL () {
  // the given series found by their key; every series only when none is given. One
  // query for both, but "WHERE $seriesIds IS NULL OR s0.id IN $seriesIds" cannot use the
  // key's index: it read every Series to answer for a few.
  UNWIND coalesce($seriesIds, []) AS sid
  MATCH (:Series {id: sid})-[:CONTAINS]->(m:Media)
  WHERE NOT coalesce(m.nonPertinent, false)
  RETURN m
  UNION
  WITH $seriesIds AS given
  WHERE given IS NULL
  MATCH (:Series)-[:CONTAINS]->(m:Media)
  WHERE NOT coalesce(m.nonPertinent, false)
  RETURN m
}
MATCH (m)<-[:CONTAINS]-(s:Series)
WITH m, collect(DISTINCT s.id) AS series
WHERE size(series) > 1
RETURN m.sha256 AS sha256, m.fileName AS fileName, series
