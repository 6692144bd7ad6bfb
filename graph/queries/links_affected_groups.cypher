// Clues and places whose set of series a load may have changed (their rarity depends on it), with the series that show or reach them now.
// $loadId: string
// Returns: kind ('clue' or 'place'), id, series
CALL () {
  MATCH (m:Media) WHERE m.loadId = $loadId RETURN m
  UNION
  MATCH (m:Media)-[r]-() WHERE r.loadId = $loadId RETURN m
  UNION
  MATCH (h:HashSet)-[:LISTS]->(m:Media) WHERE h.loadId = $loadId RETURN m
}
WITH collect(m) AS media
CALL (media) {
  CALL (media) {
    MATCH (c:Clue) WHERE c.loadId = $loadId RETURN c
    UNION
    MATCH (c:Clue)<-[r:SHOWS]-() WHERE r.loadId = $loadId RETURN c
    UNION
    UNWIND media AS m
    MATCH (m)-[:SHOWS]->(c:Clue) RETURN c
  }
  WITH DISTINCT c
  RETURN 'clue' AS kind, c.id AS id,
         COLLECT { MATCH (s:Series)-[:SHOWS]->(c) RETURN s.id
                   UNION
                   MATCH (s:Series)-[:CONTAINS]->(m:Media)-[:SHOWS]->(c)
                   WHERE NOT coalesce(m.nonPertinent, false)
                   RETURN s.id } AS series
  UNION
  CALL (media) {
    MATCH (l:Location) WHERE l.loadId = $loadId RETURN l
    UNION
    MATCH (l:Location)<-[r:POINTS_TO|GEOTAGGED_AT]-() WHERE r.loadId = $loadId RETURN l
    UNION
    MATCH (c:Clue)-[:POINTS_TO]->(l:Location)
    WHERE c.loadId = $loadId OR EXISTS { (c)<-[r:SHOWS]-() WHERE r.loadId = $loadId }
    RETURN l
    UNION
    UNWIND media AS m
    MATCH (m)-[:GEOTAGGED_AT]->(l:Location) RETURN l
    UNION
    UNWIND media AS m
    MATCH (m)-[:SHOWS]->(:Clue)-[:POINTS_TO]->(l:Location) RETURN l
  }
  WITH DISTINCT l
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
