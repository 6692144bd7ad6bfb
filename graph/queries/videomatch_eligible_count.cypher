// How many videos the frame index must hold (a frame of sufficient quality, not non-pertinent): a check after an incremental update.
// $minQuality: integer
// Returns: n
MATCH (m:Media)
WHERE m.kind = 'video' AND m.frames IS NOT NULL
  AND NOT coalesce(m.nonPertinent, false)
  AND (any(q IN coalesce(m.frameQualities, []) WHERE q >= $minQuality)
       OR (m.frameQualities IS NULL AND m.pdqQuality >= $minQuality))
RETURN count(m) AS n
