// Clues shown by the given series (on the series or on one of its files), with every series showing them; non-pertinent files left out.
// $seriesIds: list of strings, or null for every series
// Returns: clueId, type, label, members (list of {series, sha256, fileName}; sha256 null for a clue noted on the series)
CALL () {
  // the given series found by their key; every series only when none is given. One
  // query for both, but "WHERE $seriesIds IS NULL OR s0.id IN $seriesIds" cannot use the
  // key's index: it read every Series to answer for a few.
  UNWIND coalesce($seriesIds, []) AS sid
  MATCH (s0:Series {id: sid})
  RETURN s0
  UNION
  WITH $seriesIds AS given
  WHERE given IS NULL
  MATCH (s0:Series)
  RETURN s0
}
CALL (s0) {
  MATCH (s0)-[:SHOWS]->(c:Clue) RETURN c
  UNION
  MATCH (s0)-[:CONTAINS]->(m:Media)-[:SHOWS]->(c:Clue)
  WHERE NOT coalesce(m.nonPertinent, false)
  RETURN c
}
WITH DISTINCT c
CALL (c) {
  MATCH (s:Series)-[:SHOWS]->(c)
  RETURN s.id AS series, null AS sha256, null AS fileName
  UNION
  MATCH (s:Series)-[:CONTAINS]->(m:Media)-[:SHOWS]->(c)
  WHERE NOT coalesce(m.nonPertinent, false)
  RETURN s.id AS series, m.sha256 AS sha256, m.fileName AS fileName
}
WITH c, collect({series: series, sha256: sha256, fileName: fileName}) AS members
RETURN c.id AS clueId, c.type AS type, coalesce(c.label, c.value, c.id) AS label, members
