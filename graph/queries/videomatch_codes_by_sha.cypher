// Sampled frames of the given media, when they are videos that may match as near-duplicates (a frame of sufficient PDQ quality, not non-pertinent).
// $sha256s: list of strings   $minQuality: integer
// Returns: sha256, frames, frameQualities, frameTimes, pdqQuality, pdqRadius (the strictest PDQ radius of the hash sets listing it; null: the default)
UNWIND $sha256s AS sha
MATCH (m:Media {sha256: sha})
WHERE m.kind = 'video' AND m.frames IS NOT NULL
  AND NOT coalesce(m.nonPertinent, false)
  AND (any(q IN coalesce(m.frameQualities, []) WHERE q >= $minQuality)
       OR (m.frameQualities IS NULL AND m.pdqQuality >= $minQuality))
CALL (m) {
  OPTIONAL MATCH (h:HashSet)-[:LISTS]->(m)
  RETURN min(h.pdqRadius) AS pdqRadius
}
RETURN m.sha256 AS sha256, m.frames AS frames, m.frameQualities AS frameQualities,
       m.frameTimes AS frameTimes, m.pdqQuality AS pdqQuality, pdqRadius
