// Write analysed media by MERGE (the path for media that may exist: loaders.media_write).
// One row per SHA-256. A Media known only by MD5/SHA-1 (from a hash set) takes this
// file's SHA-256; path/fileName keep the smallest path among every copy loaded so far;
// an older Media that is the same content by MD5 or SHA-1 (no SHA-256) is merged into
// this one: its properties fill the gaps, its relationships move over, it is deleted.
// The first of five statements run in one transaction (then media_write_holds,
// _contains, _camera, _place).
// $rows: list of {sha256, props (Media properties, no nulls), path, fileName}
// $source, $loadId, $loadedAt: provenance
// Returns: nothing (counters)
UNWIND $rows AS row
// A Media known only by MD5/SHA-1 (from a hash set) takes this file's SHA-256.
CALL (row) {
  OPTIONAL MATCH (k:Media {sha256: row.sha256})
  WITH row, k WHERE k IS NULL
  OPTIONAL MATCH (a:Media {md5: row.props.md5}) WHERE a.sha256 IS NULL
  WITH row, head(collect(a)) AS a
  OPTIONAL MATCH (b:Media {sha1: row.props.sha1}) WHERE b.sha256 IS NULL
  WITH row, a, head(collect(b)) AS b
  WITH row, coalesce(a, b) AS h
  WITH row, h WHERE h IS NOT NULL
  SET h.sha256 = row.sha256
}
MERGE (m:Media {sha256: row.sha256})
SET m += row.props, m.source = $source, m.loadId = $loadId, m.loadedAt = $loadedAt
WITH m, row
FOREACH (_ IN CASE WHEN row.path IS NOT NULL AND (m.path IS NULL OR row.path < m.path)
                   THEN [1] ELSE [] END |
  SET m.path = row.path, m.fileName = row.fileName)
WITH m
CALL (m) {
  MATCH (d:Media {md5: m.md5}) WHERE d.sha256 IS NULL AND d <> m RETURN collect(d) AS d1
}
CALL (m) {
  MATCH (d:Media {sha1: m.sha1}) WHERE d.sha256 IS NULL AND d <> m RETURN collect(d) AS d2
}
WITH m, d1 + [x IN d2 WHERE NOT x IN d1] AS dups
CALL (m, dups) {
  UNWIND dups AS d
  SET m.nonPertinent = coalesce(m.nonPertinent, d.nonPertinent),
      m.photoDna = coalesce(m.photoDna, d.photoDna),
      m.md5 = coalesce(m.md5, d.md5), m.sha1 = coalesce(m.sha1, d.sha1)
  WITH m, d
  CALL (m, d) {
    MATCH (x)-[r:LISTS]->(d)
    MERGE (x)-[r2:LISTS]->(m) SET r2 += properties(r) DELETE r
  }
  CALL (m, d) {
    MATCH (x)-[r:HOLDS]->(d)
    MERGE (x)-[r2:HOLDS]->(m) SET r2 += properties(r) DELETE r
  }
  CALL (m, d) {
    MATCH (x)-[r:CONTAINS]->(d)
    MERGE (x)-[r2:CONTAINS]->(m) SET r2 += properties(r) DELETE r
  }
  CALL (m, d) {
    MATCH (d)-[r:SHOWS]->(x)
    MERGE (m)-[r2:SHOWS]->(x) SET r2 += properties(r) DELETE r
  }
  CALL (m, d) {
    MATCH (d)-[r:DEPICTS]->(x)
    MERGE (m)-[r2:DEPICTS]->(x) SET r2 += properties(r) DELETE r
  }
  CALL (m, d) {
    MATCH (d)-[r:SHARED_BY]->(x)
    MERGE (m)-[r2:SHARED_BY]->(x) SET r2 += properties(r) DELETE r
  }
  CALL (m, d) {
    MATCH (d)-[r:TAKEN_WITH]->(x)
    MERGE (m)-[r2:TAKEN_WITH]->(x) SET r2 += properties(r) DELETE r
  }
  CALL (m, d) {
    MATCH (d)-[r:GEOTAGGED_AT]->(x)
    MERGE (m)-[r2:GEOTAGGED_AT]->(x) SET r2 += properties(r) DELETE r
  }
  CALL (d) { MATCH (d)-[r:NEAR_DUPLICATE]-() DELETE r }
  WITH d WHERE NOT EXISTS { (d)--() }
  DELETE d
}
