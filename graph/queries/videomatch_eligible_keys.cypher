// What the video frame index must hold: one key (sha256, number of frames, best-frame PDQ) per video that may match (a frame of sufficient quality, not non-pertinent).
// $minQuality: integer
// Returns: keys (list of 'sha256:frames:pdq' strings)
MATCH (m:Media)
WHERE m.kind = 'video' AND m.frames IS NOT NULL
  AND NOT coalesce(m.nonPertinent, false)
  AND (any(q IN coalesce(m.frameQualities, []) WHERE q >= $minQuality)
       OR (m.frameQualities IS NULL AND m.pdqQuality >= $minQuality))
RETURN collect(m.sha256 + ':' + toString(size(m.frames)) + ':' + coalesce(m.pdq, '')) AS keys
