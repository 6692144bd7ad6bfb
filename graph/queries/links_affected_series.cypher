// Series a load changed directly: written by it, with a relationship it wrote, holding a file it touched (or that a hash set it rewrote lists), or investigated by a case whose agency or country it changed.
// $loadId: string   $sha256s: list of strings (the media the load touched: neardup_touched_media)
// Returns: seriesId
// The load's media come as a parameter (found once by neardup_touched_media). A relationship
// of the load is found through its type's loadId index (graph/schema.cypher), its end
// checked after the seek: an untyped (s)-[r]-() read every relationship of the store, and
// a label in the pattern makes the planner scan the label instead of seeking.
UNWIND $sha256s AS sha
MATCH (m:Media {sha256: sha})
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
