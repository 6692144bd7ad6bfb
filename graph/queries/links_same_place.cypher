// Gazetteer places reached by the given series (a clue pointing to the place, or a geotag resolved to it), with every series reaching them.
// $seriesIds: list of strings, or null for every series
// Returns: locationId, name, countryCode, members (list of {series, via ('clue' or 'geotag'), what (clue label or file name)})
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
  MATCH (s0)-[:SHOWS]->(:Clue)-[:POINTS_TO]->(l:Location) RETURN l
  UNION
  MATCH (s0)-[:CONTAINS]->(m:Media)-[:SHOWS]->(:Clue)-[:POINTS_TO]->(l:Location)
  WHERE NOT coalesce(m.nonPertinent, false)
  RETURN l
  UNION
  MATCH (s0)-[:CONTAINS]->(m:Media)-[:GEOTAGGED_AT]->(l:Location)
  WHERE NOT coalesce(m.nonPertinent, false)
  RETURN l
}
WITH DISTINCT l
CALL (l) {
  MATCH (s:Series)-[:SHOWS]->(c:Clue)-[:POINTS_TO]->(l)
  RETURN s.id AS series, 'clue' AS via, coalesce(c.label, c.id) AS what
  UNION
  MATCH (s:Series)-[:CONTAINS]->(m:Media)-[:SHOWS]->(c:Clue)-[:POINTS_TO]->(l)
  WHERE NOT coalesce(m.nonPertinent, false)
  RETURN s.id AS series, 'clue' AS via, coalesce(c.label, c.id) AS what
  UNION
  MATCH (s:Series)-[:CONTAINS]->(m:Media)-[:GEOTAGGED_AT]->(l)
  WHERE NOT coalesce(m.nonPertinent, false)
  RETURN s.id AS series, 'geotag' AS via, coalesce(m.fileName, m.sha256) AS what
}
WITH l, collect({series: series, via: via, what: what}) AS members
RETURN l.id AS locationId, l.name AS name, l.countryCode AS countryCode, members
