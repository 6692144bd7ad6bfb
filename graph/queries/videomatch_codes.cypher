// Sampled frames of the videos that may match as near-duplicates (a frame of sufficient PDQ quality, not non-pertinent), a page at a time in sha256 order.
// $minQuality: integer   $after: string (last sha256 of the previous page, '' first)   $batch: integer
// Returns: sha256, frames, frameQualities, frameTimes, pdqQuality, pdqRadius (the strictest PDQ radius of the hash sets listing it; null: the default)
MATCH (m:Media)
WHERE m.sha256 > $after AND m.kind = 'video' AND m.frames IS NOT NULL
  AND NOT coalesce(m.nonPertinent, false)
  AND (any(q IN coalesce(m.frameQualities, []) WHERE q >= $minQuality)
       OR (m.frameQualities IS NULL AND m.pdqQuality >= $minQuality))
CALL (m) {
  OPTIONAL MATCH (h:HashSet)-[:LISTS]->(m)
  RETURN min(h.pdqRadius) AS pdqRadius
}
RETURN m.sha256 AS sha256, m.frames AS frames, m.frameQualities AS frameQualities,
       m.frameTimes AS frameTimes, m.pdqQuality AS pdqQuality, pdqRadius
ORDER BY m.sha256
LIMIT $batch
