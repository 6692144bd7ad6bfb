// Pictures and videos the visual pass may analyse: every one, or only the given files (a pass scoped to a case or series reads visual_media_todo_case / _series, which start from it instead of reading every media).
// $sha256s: list of strings, or null for every file
// Returns: sha256, kind, path, fileName, bytes, durationSeconds, visualVersion (null when never analysed)
MATCH (m:Media)
WHERE m.kind IN ['image', 'video'] AND ($sha256s IS NULL OR m.sha256 IN $sha256s)
RETURN m.sha256 AS sha256, m.kind AS kind, m.path AS path, m.fileName AS fileName,
       m.bytes AS bytes, m.durationSeconds AS durationSeconds, m.visualVersion AS visualVersion
ORDER BY sha256
