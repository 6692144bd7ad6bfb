// Media that a load wrote, or whose relationships it wrote (series, cases, hash sets marking them non-pertinent), or listed by a hash set it (re)wrote (its thresholds may have changed).
// $loadId: string
// Returns: sha256
CALL () {
  MATCH (m:Media) WHERE m.loadId = $loadId RETURN m
  UNION
  MATCH (m:Media)-[r]-() WHERE r.loadId = $loadId RETURN m
  UNION
  MATCH (h:HashSet)-[:LISTS]->(m:Media) WHERE h.loadId = $loadId RETURN m
}
RETURN DISTINCT m.sha256 AS sha256
