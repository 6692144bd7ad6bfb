// The element ids of everything a case's bundle holds: the case, its agencies, series, media, what they show and where it points.
// $case: string
// Returns: ids (element ids, internal, never exported)
MATCH (c:Case {id: $case})
OPTIONAL MATCH (c)-[:OWNED_BY]->(a:Agency)
OPTIONAL MATCH (a)-[:IN_COUNTRY]->(ac:Country)
OPTIONAL MATCH (c)-[:INVESTIGATES]->(s:Series)
WITH c, collect(DISTINCT a) + collect(DISTINCT ac) AS agencies, collect(DISTINCT s) AS series
CALL (c, series) {
  UNWIND [c] + series AS h
  OPTIONAL MATCH (h)-[:HOLDS|CONTAINS]->(m:Media)
  RETURN collect(DISTINCT m) AS media
}
CALL (series, media) {
  UNWIND series + media AS x
  OPTIONAL MATCH (x)-[:TAKEN_WITH|GEOTAGGED_AT|SHOWS|DEPICTS|SHARED_BY|FEATURES]->(y)
  RETURN collect(DISTINCT y) AS attached
}
CALL (attached) {
  UNWIND attached AS y
  OPTIONAL MATCH (y:Clue)-[:POINTS_TO]->(z)
  RETURN collect(DISTINCT z) AS pointed
}
CALL (attached, pointed) {
  UNWIND attached + pointed AS y
  OPTIONAL MATCH (y:Location)-[:IN_COUNTRY]->(co:Country)
  RETURN collect(DISTINCT co) AS countries
}
UNWIND [c] + agencies + series + media + attached + pointed + countries AS n
RETURN collect(DISTINCT elementId(n)) AS ids
