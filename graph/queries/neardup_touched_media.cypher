// Media that a load wrote, or whose relationships it wrote (series, cases, hash sets marking them non-pertinent).
// $loadId: string
// Returns: sha256
CALL () {
  MATCH (m:Media) WHERE m.loadId = $loadId RETURN m
  UNION
  MATCH (m:Media)-[r]-() WHERE r.loadId = $loadId RETURN m
}
RETURN DISTINCT m.sha256 AS sha256
