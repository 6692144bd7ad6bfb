// Victims featured in the given series (directly or through a file that depicts them), with every series featuring them.
// $seriesIds: list of strings, or null for every series
// Returns: victimId, identified, members (list of {series, sha256, fileName}; sha256 null when the series itself features the victim)
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
  MATCH (s0)-[:FEATURES]->(v:Victim) RETURN v
  UNION
  MATCH (s0)-[:CONTAINS]->(m:Media)-[:DEPICTS]->(v:Victim)
  WHERE NOT coalesce(m.nonPertinent, false)
  RETURN v
}
WITH DISTINCT v
CALL (v) {
  MATCH (s:Series)-[:FEATURES]->(v)
  RETURN s.id AS series, null AS sha256, null AS fileName
  UNION
  MATCH (s:Series)-[:CONTAINS]->(m:Media)-[:DEPICTS]->(v)
  WHERE NOT coalesce(m.nonPertinent, false)
  RETURN s.id AS series, m.sha256 AS sha256, m.fileName AS fileName
}
WITH v, collect({series: series, sha256: sha256, fileName: fileName}) AS members
RETURN v.id AS victimId, v.identified AS identified, members
