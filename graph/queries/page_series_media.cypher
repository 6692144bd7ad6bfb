// One page of the media of a series: hashes, EXIF, camera, place, and how many other series and near-duplicates each has.
// $seriesId: string   $skip: integer   $limit: integer
// Returns: sha256, md5, sha1, pdq, phash, kind, fileName, path, width, height, bytes, mime, capturedAt, make, model, serial, place, placeCountry, lat, lon, otherSeries, nearDuplicates
MATCH (:Series {id: $seriesId})-[:CONTAINS]->(m:Media)
WITH m ORDER BY toString(m.capturedAt), m.fileName, m.sha256
SKIP $skip
LIMIT $limit
CALL (m) {
  OPTIONAL MATCH (m)-[:TAKEN_WITH]->(cam:Camera)
  OPTIONAL MATCH (m)-[:GEOTAGGED_AT]->(loc:Location)
  RETURN head(collect(DISTINCT cam.serial)) AS serial, head(collect(DISTINCT loc)) AS loc
}
RETURN m.sha256 AS sha256, m.md5 AS md5, m.sha1 AS sha1, m.pdq AS pdq, m.phash AS phash,
       m.kind AS kind, m.fileName AS fileName, m.path AS path, m.width AS width,
       m.height AS height, m.bytes AS bytes, m.mime AS mime,
       toString(m.capturedAt) AS capturedAt, m.make AS make, m.model AS model,
       coalesce(serial, m.serial) AS serial, loc.name AS place, loc.countryCode AS placeCountry,
       coalesce(m.lat, loc.lat) AS lat, coalesce(m.lon, loc.lon) AS lon,
       COUNT { (m)<-[:CONTAINS]-(:Series) } - 1 AS otherSeries,
       COUNT { (m)-[:NEAR_DUPLICATE]-(:Media) } AS nearDuplicates
ORDER BY capturedAt, fileName, sha256
