// The series that show each clue, or reach each place (through a clue, or a file geotagged there), now: a clue's or a place's rarity depends on how many they are.
// $clueIds: list of strings   $placeIds: list of strings
// Returns: kind ('clue' or 'place'), id, series (list of series ids)
// Non-pertinent files reach nothing (links_scores).
CALL () {
  UNWIND $clueIds AS id
  MATCH (c:Clue {id: id})
  RETURN 'clue' AS kind, c.id AS id,
         COLLECT { MATCH (s:Series)-[:SHOWS]->(c) RETURN s.id
                   UNION
                   MATCH (s:Series)-[:CONTAINS]->(m:Media)-[:SHOWS]->(c)
                   WHERE NOT coalesce(m.nonPertinent, false)
                   RETURN s.id } AS series
  UNION
  UNWIND $placeIds AS id
  MATCH (l:Location {id: id})
  RETURN 'place' AS kind, l.id AS id,
         COLLECT { MATCH (s:Series)-[:SHOWS]->(:Clue)-[:POINTS_TO]->(l) RETURN s.id
                   UNION
                   MATCH (s:Series)-[:CONTAINS]->(m:Media)-[:SHOWS]->(:Clue)-[:POINTS_TO]->(l)
                   WHERE NOT coalesce(m.nonPertinent, false)
                   RETURN s.id
                   UNION
                   MATCH (s:Series)-[:CONTAINS]->(m:Media)-[:GEOTAGGED_AT]->(l)
                   WHERE NOT coalesce(m.nonPertinent, false)
                   RETURN s.id } AS series
}
RETURN kind, id, series
