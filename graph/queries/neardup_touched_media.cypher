// Media that a load wrote, or whose relationships it wrote (series, cases, hash sets marking them non-pertinent), or listed by a hash set it (re)wrote (its thresholds may have changed).
// $loadId: string
// Returns: sha256
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
RETURN DISTINCT m.sha256 AS sha256
