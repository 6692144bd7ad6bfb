// Pictures and videos the visual pass may analyse: media held by a case or series (all when both are null), optionally only the given files.
// $caseId: string or null   $seriesId: string or null   $sha256s: list of strings, or null for every file
// Returns: sha256, kind, path, fileName, bytes, durationSeconds, visualVersion (null when never analysed)
MATCH (m:Media)
WHERE ($sha256s IS NULL OR m.sha256 IN $sha256s)
  AND ($caseId IS NULL OR EXISTS { (:Case {id: $caseId})-[:HOLDS]->(m) })
  AND ($seriesId IS NULL OR EXISTS { (:Series {id: $seriesId})-[:CONTAINS]->(m) })
RETURN m.sha256 AS sha256, m.kind AS kind, m.path AS path, m.fileName AS fileName,
       m.bytes AS bytes, m.durationSeconds AS durationSeconds, m.visualVersion AS visualVersion
ORDER BY sha256
