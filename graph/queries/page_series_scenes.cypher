// The pictures of a series that the visual pass matched with other pictures: each SAME_SCENE or SHARES_OBJECT pair with one file of this series, the other file's series and countries; other series first, same scene before shared object, strongest first.
// $seriesId: string   $limit: integer
// Returns: kind ('same_scene' | 'shared_object'), sha256, fileName, path, frameMs, otherSha256, otherFileName, otherPath, otherFrameMs, score, inliers, coverage, method, explanation, otherSeries (list of {id, name, countries}), sameSeries (boolean)
MATCH (s:Series {id: $seriesId})-[:CONTAINS]->(m:Media)-[r:SAME_SCENE|SHARES_OBJECT]-(o:Media)
WITH DISTINCT s, m, r, o
CALL (o) {
  OPTIONAL MATCH (o)<-[:CONTAINS]-(s2:Series)
  OPTIONAL MATCH (s2)<-[:INVESTIGATES]-(:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
  WITH s2, collect(DISTINCT co.code) AS cs
  ORDER BY s2.id
  RETURN [x IN collect({id: s2.id, name: s2.name, countries: cs}) WHERE x.id IS NOT NULL] AS otherSeries
}
WITH m, r, o, otherSeries,
     all(x IN otherSeries WHERE x.id = $seriesId) AS sameSeries
RETURN CASE type(r) WHEN 'SAME_SCENE' THEN 'same_scene' ELSE 'shared_object' END AS kind,
       m.sha256 AS sha256, m.fileName AS fileName, m.path AS path, m.kind AS mediaKind,
       CASE WHEN startNode(r) = m THEN r.frameMsA ELSE r.frameMsB END AS frameMs,
       o.sha256 AS otherSha256, o.fileName AS otherFileName, o.path AS otherPath,
       o.kind AS otherMediaKind,
       CASE WHEN startNode(r) = o THEN r.frameMsA ELSE r.frameMsB END AS otherFrameMs,
       r.score AS score, r.inliers AS inliers, r.coverage AS coverage, r.method AS method,
       r.explanation AS explanation, otherSeries, sameSeries
ORDER BY sameSeries, kind, score DESC, sha256, otherSha256
LIMIT $limit
