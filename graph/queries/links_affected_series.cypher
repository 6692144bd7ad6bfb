// Series a load changed directly: written by it, with a relationship it wrote, holding a file it touched (or that a hash set it rewrote lists), or investigated by a case whose agency or country it changed.
// $loadId: string
// Returns: seriesId
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
  MATCH (s:Series) WHERE s.loadId = $loadId RETURN s
  UNION
  CALL () {
    MATCH ()-[r:CONTAINS]->() WHERE r.loadId = $loadId RETURN r
    UNION ALL
    MATCH ()-[r:INVESTIGATES]->() WHERE r.loadId = $loadId RETURN r
    UNION ALL
    MATCH ()-[r:FEATURES]->() WHERE r.loadId = $loadId RETURN r
    UNION ALL
    MATCH ()-[r:SHOWS]->() WHERE r.loadId = $loadId RETURN r
  }
  UNWIND [startNode(r), endNode(r)] AS s
  WITH s WHERE s:Series
  RETURN s
  UNION
  UNWIND media AS m
  MATCH (s:Series)-[:CONTAINS]->(m) RETURN s
  UNION
  MATCH (s:Series)<-[:INVESTIGATES]-(c:Case)-[o:OWNED_BY]->(a:Agency)
  WHERE c.loadId = $loadId OR o.loadId = $loadId OR a.loadId = $loadId
     OR EXISTS { (a)-[i:IN_COUNTRY]->() WHERE i.loadId = $loadId }
  RETURN s
}
RETURN DISTINCT s.id AS seriesId
