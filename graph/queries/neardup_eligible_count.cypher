// How many media the near-duplicate index must hold (PDQ of sufficient quality, not non-pertinent, not a video): a check after an incremental update.
// $minQuality: integer
// Returns: n
MATCH (m:Media)
WHERE m.pdq IS NOT NULL AND m.pdqQuality >= $minQuality
  AND NOT coalesce(m.nonPertinent, false)
  AND coalesce(m.kind, 'image') <> 'video'
RETURN count(m) AS n
