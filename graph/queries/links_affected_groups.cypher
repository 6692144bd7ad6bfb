// Clues and places whose set of series a load may have changed (their rarity depends on it), with the series that show or reach them now.
// $loadId: string
// Returns: kind ('clue' or 'place'), id, series
// A relationship of the load is found through its type's loadId index (graph/schema.cypher:
// one per type a loader writes, each tested by tests/graph/test_touched.py), its Media end
// picked after the UNWIND: an untyped (m:Media)-[r]-() read every relationship of the
// store, and a label in the pattern makes the planner scan the label instead of seeking.
CALL () {
  CALL () {
    MATCH ()-[r:HOLDS]->() WHERE r.loadId = $loadId RETURN r
    UNION ALL
    MATCH ()-[r:CONTAINS]->() WHERE r.loadId = $loadId RETURN r
    UNION ALL
    MATCH ()-[r:TAKEN_WITH]->() WHERE r.loadId = $loadId RETURN r
    UNION ALL
    MATCH ()-[r:GEOTAGGED_AT]->() WHERE r.loadId = $loadId RETURN r
    UNION ALL
    MATCH ()-[r:SHOWS]->() WHERE r.loadId = $loadId RETURN r
    UNION ALL
    MATCH ()-[r:DEPICTS]->() WHERE r.loadId = $loadId RETURN r
    UNION ALL
    MATCH ()-[r:SHARED_BY]->() WHERE r.loadId = $loadId RETURN r
    UNION ALL
    MATCH ()-[r:LISTS]->() WHERE r.loadId = $loadId RETURN r
    UNION ALL
    MATCH ()-[r:SAME_SCENE]->() WHERE r.loadId = $loadId RETURN r
    UNION ALL
    MATCH ()-[r:SHARES_OBJECT]->() WHERE r.loadId = $loadId RETURN r
    UNION ALL
    MATCH ()-[r:SUGGESTS]->() WHERE r.loadId = $loadId RETURN r
  }
  UNWIND [startNode(r), endNode(r)] AS m
  WITH m WHERE m:Media
  RETURN m
  UNION
  MATCH (m:Media) WHERE m.loadId = $loadId RETURN m
  UNION
  MATCH (h:HashSet)-[:LISTS]->(m:Media) WHERE h.loadId = $loadId RETURN m
}
WITH collect(m) AS media
CALL (media) {
  CALL (media) {
    MATCH (c:Clue) WHERE c.loadId = $loadId RETURN c
    UNION
    MATCH ()-[r:SHOWS]->() WHERE r.loadId = $loadId
    WITH endNode(r) AS c WHERE c:Clue
    RETURN c
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
    CALL () {
      MATCH ()-[r:POINTS_TO]->() WHERE r.loadId = $loadId RETURN r
      UNION ALL
      MATCH ()-[r:GEOTAGGED_AT]->() WHERE r.loadId = $loadId RETURN r
    }
    WITH endNode(r) AS l WHERE l:Location
    RETURN l
    UNION
    CALL () {
      MATCH (c:Clue) WHERE c.loadId = $loadId RETURN c
      UNION
      MATCH ()-[r:SHOWS]->() WHERE r.loadId = $loadId
      WITH endNode(r) AS c WHERE c:Clue
      RETURN c
    }
    MATCH (c)-[:POINTS_TO]->(l:Location)
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
