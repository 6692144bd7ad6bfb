// Series a load changed directly: written by it, with a relationship it wrote, holding a file it touched (or that a hash set it rewrote lists), or investigated by a case whose agency or country it changed.
// $loadId: string
// Returns: seriesId
CALL () {
  MATCH (m:Media) WHERE m.loadId = $loadId RETURN m
  UNION
  MATCH (m:Media)-[r]-() WHERE r.loadId = $loadId RETURN m
  UNION
  MATCH (h:HashSet)-[:LISTS]->(m:Media) WHERE h.loadId = $loadId RETURN m
}
WITH collect(m) AS media
CALL (media) {
  MATCH (s:Series) WHERE s.loadId = $loadId RETURN s
  UNION
  MATCH (s:Series)-[r]-() WHERE r.loadId = $loadId RETURN s
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
