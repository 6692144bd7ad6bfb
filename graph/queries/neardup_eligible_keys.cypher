// What the near-duplicate index must hold: one key (sha256, PDQ, pHash) per media that may match (PDQ of sufficient quality, not non-pertinent).
// $minQuality: integer
// Returns: keys (list of 'sha256:pdq:phash' strings)
MATCH (m:Media)
WHERE m.pdq IS NOT NULL AND m.pdqQuality >= $minQuality
  AND NOT coalesce(m.nonPertinent, false)
  AND coalesce(m.kind, 'image') <> 'video'  // videos: graph/videomatch.py
RETURN collect(m.sha256 + ':' + m.pdq + ':' + coalesce(m.phash, '')) AS keys
