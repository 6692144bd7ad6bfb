// The geotagged files of every series whose latitude lies in one of the given bands (EXIF GPS on the file, else the coordinates kept on its geotag); non-pertinent files left out: what may lie within reach of a scope's geotags.
// $bands: list of {lo: float, hi: float} (degrees of latitude)
// Returns: series, sha256, fileName, lat, lon
// Each band is a seek of the range indexes on Media.lat and GEOTAGGED_AT.lat
// (graph/schema.cypher): links_geotags read every geotagged file of the store (7.6 s at
// 1M media) for an update of one series.
UNWIND $bands AS b
CALL (b) {
  MATCH (m:Media) WHERE m.lat >= b.lo AND m.lat <= b.hi
  RETURN m
  UNION
  MATCH ()-[g:GEOTAGGED_AT]->() WHERE g.lat >= b.lo AND g.lat <= b.hi
  WITH startNode(g) AS m WHERE m:Media
  RETURN m
}
WITH DISTINCT m
WHERE NOT coalesce(m.nonPertinent, false) AND m.sha256 IS NOT NULL
MATCH (s:Series)-[:CONTAINS]->(m)
OPTIONAL MATCH (m)-[g:GEOTAGGED_AT]->(:Location)
WITH s, m, coalesce(m.lat, g.lat) AS lat, coalesce(m.lon, g.lon) AS lon
WHERE lat IS NOT NULL AND lon IS NOT NULL
RETURN DISTINCT s.id AS series, m.sha256 AS sha256, m.fileName AS fileName,
       toFloat(lat) AS lat, toFloat(lon) AS lon
