// Migration to schema version 2: moves a Victim's estimated age band (schema 1 kept it on the Victim) onto every FEATURES relationship that reaches it and has none, then removes it from the Victim. Idempotent: a second run finds nothing to move.
// No parameters.
// Returns: victims (number of Victim nodes migrated), rels (FEATURES relationships that took the band)
MATCH (v:Victim) WHERE v.ageBand IS NOT NULL
CALL (v) {
  OPTIONAL MATCH (:Series)-[f:FEATURES]->(v) WHERE f.ageBand IS NULL
  SET f.ageBand = v.ageBand
  RETURN count(f) AS rels
}
REMOVE v.ageBand
RETURN count(v) AS victims, sum(rels) AS rels
