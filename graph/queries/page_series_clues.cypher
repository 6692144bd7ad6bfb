// The clues shown by a series or its media, with who noted them, where they point, and how many series show each (rarity).
// $seriesId: string
// Returns: id, type, label, value, shownOn, media, analysts, confidence, pointsTo, seriesShowing
MATCH (s:Series {id: $seriesId})
CALL (s) {
  MATCH (s)-[r:SHOWS]->(c:Clue)
  RETURN c, r, 'series' AS shownOn, null AS sha256
  UNION
  MATCH (s)-[:CONTAINS]->(m:Media)-[r:SHOWS]->(c:Clue)
  RETURN c, r, 'media' AS shownOn, m.sha256 AS sha256
}
WITH c, collect(DISTINCT shownOn) AS shownOn, count(DISTINCT sha256) AS media,
     collect(DISTINCT r.analyst) AS analysts, max(r.confidence) AS confidence
CALL (c) {
  OPTIONAL MATCH (c)-[:POINTS_TO]->(p)
  RETURN collect(DISTINCT CASE WHEN p:Location
                               THEN coalesce(p.name, p.id) + coalesce(', ' + p.countryCode, '')
                               ELSE coalesce(p.name, p.code) END) AS pointsTo
}
CALL (c) {
  OPTIONAL MATCH (c)<-[:SHOWS]-(x)
  OPTIONAL MATCH (x)<-[:CONTAINS]-(xs:Series)
  WITH DISTINCT CASE WHEN x:Series THEN x ELSE xs END AS t
  RETURN count(t) AS seriesShowing
}
RETURN c.id AS id, c.type AS type, c.label AS label, c.value AS value, shownOn, media, analysts,
       confidence, pointsTo, seriesShowing
ORDER BY seriesShowing, type, id
