// Which series hold which evidence item (clue, camera, place, account): the bipartite series-evidence graph; non-pertinent files left out.
// No parameters.
// Returns: series, kind, item, label
CALL () {
  MATCH (s:Series)-[:SHOWS]->(c:Clue)
  RETURN s.id AS series, 'clue' AS kind, c.id AS item, coalesce(c.label, c.id) AS label
  UNION
  MATCH (s:Series)-[:CONTAINS]->(m:Media)-[:SHOWS]->(c:Clue)
  WHERE NOT coalesce(m.nonPertinent, false)
  RETURN s.id AS series, 'clue' AS kind, c.id AS item, coalesce(c.label, c.id) AS label
  UNION
  MATCH (s:Series)-[:CONTAINS]->(m:Media)-[:TAKEN_WITH]->(c:Camera)
  WHERE NOT coalesce(m.nonPertinent, false)
  RETURN s.id AS series, 'camera' AS kind, c.id AS item,
         trim(coalesce(c.make, '') + ' ' + coalesce(c.model, '') + ' ' + coalesce(c.serial, '')) AS label
  UNION
  MATCH (s:Series)-[:SHOWS]->(:Clue)-[:POINTS_TO]->(l:Location)
  RETURN s.id AS series, 'place' AS kind, l.id AS item,
         coalesce(l.name, l.id) + coalesce(', ' + l.countryCode, '') AS label
  UNION
  MATCH (s:Series)-[:CONTAINS]->(m:Media)-[:SHOWS]->(:Clue)-[:POINTS_TO]->(l:Location)
  WHERE NOT coalesce(m.nonPertinent, false)
  RETURN s.id AS series, 'place' AS kind, l.id AS item,
         coalesce(l.name, l.id) + coalesce(', ' + l.countryCode, '') AS label
  UNION
  MATCH (s:Series)-[:CONTAINS]->(m:Media)-[:GEOTAGGED_AT]->(l:Location)
  WHERE NOT coalesce(m.nonPertinent, false)
  RETURN s.id AS series, 'place' AS kind, l.id AS item,
         coalesce(l.name, l.id) + coalesce(', ' + l.countryCode, '') AS label
  UNION
  MATCH (s:Series)-[:CONTAINS]->(m:Media)-[:SHARED_BY]->(a:Account)
  WHERE NOT coalesce(m.nonPertinent, false)
  RETURN s.id AS series, 'account' AS kind, a.id AS item, a.id AS label
}
RETURN series, kind, item, label
ORDER BY kind, item, series
