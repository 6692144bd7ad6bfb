// The videos of a series (up to $limit): duration, codec, frame rate, size and the sampled frames (count and times), for the series page.
// $seriesId: string   $limit: integer
// Returns: sha256, fileName, path, durationSeconds, videoCodec, frameRate, width, height, frameCount, frameTimes, nearDuplicates
MATCH (:Series {id: $seriesId})-[:CONTAINS]->(m:Media)
WHERE m.kind = 'video'
WITH m ORDER BY m.fileName, m.sha256
LIMIT $limit
RETURN m.sha256 AS sha256, m.fileName AS fileName, m.path AS path,
       m.durationSeconds AS durationSeconds, m.videoCodec AS videoCodec,
       m.frameRate AS frameRate, m.width AS width, m.height AS height,
       size(coalesce(m.frames, [])) AS frameCount, m.frameTimes AS frameTimes,
       COUNT { (m)-[:NEAR_DUPLICATE]-(:Media) } AS nearDuplicates
