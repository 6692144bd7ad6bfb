// The Media of a series, as VICS 2.0 export rows (category and victimIdentified as in
// vics_export_case; Series: this series).
// $id: series id
// Returns: md5, sha1, bytes, photoDna, category, series, victimIdentified,
//   offenderIdentified, isDistributed, tags (ordered by md5, sha1)
MATCH (:Series {id: $id})-[:CONTAINS]->(m:Media)
WITH m, $id AS scope

WHERE m.md5 IS NOT NULL OR m.sha1 IS NOT NULL
CALL (m) {
  OPTIONAL MATCH (:HashSet)-[l:LISTS]->(m)
  WITH collect(DISTINCT l.category) AS cats,
       any(x IN collect(l.offenderIdentified) WHERE x) AS offender,
       reduce(t = [], x IN collect(coalesce(l.tags, [])) | t + x) AS tags
  RETURN CASE WHEN size(cats) = 1 THEN cats[0] ELSE null END AS category, offender, tags
}
CALL (m, scope) {
  OPTIONAL MATCH (s:Series)-[:CONTAINS]->(m)
  WITH s, scope ORDER BY CASE WHEN scope IS NOT NULL AND s.id = scope THEN 0 ELSE 1 END, s.id
  RETURN head(collect(coalesce(nullif(s.name, ''), s.id))) AS series,
         any(x IN collect(s.status) WHERE x = 'victim_identified') AS seriesIdentified
}
CALL (m) {
  RETURN EXISTS { (m)-[:DEPICTS]->(:Victim {identified: true}) }
      OR EXISTS { (:Victim {identified: true})<-[:FEATURES]-(:Series)-[:CONTAINS]->(m) }
      AS victimShown
}
RETURN
  m.md5 AS md5, m.sha1 AS sha1, m.bytes AS bytes, m.photoDna AS photoDna
, category, series, (seriesIdentified OR victimShown) AS victimIdentified,
  coalesce(offender, false) AS offenderIdentified, null AS isDistributed,
  [t IN tags WHERE t IS NOT NULL] AS tags
ORDER BY coalesce(m.md5, ''), coalesce(m.sha1, ''), elementId(m)
