// The geotagged files of the given series (EXIF GPS on the file, else the coordinates kept on its geotag); non-pertinent files left out: the scope's side of same_location.
// $seriesIds: list of strings
// Returns: series, sha256, fileName, lat, lon
UNWIND $seriesIds AS sid
MATCH (s:Series {id: sid})-[:CONTAINS]->(m:Media)
WHERE NOT coalesce(m.nonPertinent, false) AND m.sha256 IS NOT NULL
OPTIONAL MATCH (m)-[g:GEOTAGGED_AT]->(:Location)
WITH s, m, coalesce(m.lat, g.lat) AS lat, coalesce(m.lon, g.lon) AS lon
WHERE lat IS NOT NULL AND lon IS NOT NULL
RETURN DISTINCT s.id AS series, m.sha256 AS sha256, m.fileName AS fileName,
       toFloat(lat) AS lat, toFloat(lon) AS lon
