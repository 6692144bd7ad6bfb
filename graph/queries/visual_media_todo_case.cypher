// Pictures and videos of one case the visual pass may analyse (optionally only those also in a series, or only the given files), read from the case's own media.
// $caseId: string   $seriesId: string or null   $sha256s: list of strings, or null for every file
// Returns: sha256, kind, path, fileName, bytes, durationSeconds, visualVersion (null when never analysed)
MATCH (:Case {id: $caseId})-[:HOLDS]->(m:Media)
WHERE m.kind IN ['image', 'video']
  AND ($sha256s IS NULL OR m.sha256 IN $sha256s)
  AND ($seriesId IS NULL OR EXISTS { (:Series {id: $seriesId})-[:CONTAINS]->(m) })
RETURN m.sha256 AS sha256, m.kind AS kind, m.path AS path, m.fileName AS fileName,
       m.bytes AS bytes, m.durationSeconds AS durationSeconds, m.visualVersion AS visualVersion
ORDER BY sha256
