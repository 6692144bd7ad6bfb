// Hashes of the given media, when they may match as near-duplicates (PDQ of sufficient quality, not non-pertinent).
// $sha256s: list of strings   $minQuality: integer
// Returns: sha256, pdq, pdqQuality, pdqVariants, pdqTrimmed, pdqTrimmedQuality, pdqCrops, phash,
//   pdqRadius, phashRadius (the strictest radii of the hash sets listing it; null: the defaults)
UNWIND $sha256s AS sha
MATCH (m:Media {sha256: sha})
WHERE m.pdq IS NOT NULL AND m.pdqQuality >= $minQuality
  AND NOT coalesce(m.nonPertinent, false)
  AND coalesce(m.kind, 'image') <> 'video'  // videos: graph/videomatch.py
CALL (m) {
  OPTIONAL MATCH (h:HashSet)-[:LISTS]->(m)
  RETURN min(h.pdqRadius) AS pdqRadius, min(h.phashRadius) AS phashRadius
}
RETURN m.sha256 AS sha256, m.pdq AS pdq, m.pdqQuality AS pdqQuality,
       m.pdqVariants AS pdqVariants, m.pdqTrimmed AS pdqTrimmed,
       m.pdqTrimmedQuality AS pdqTrimmedQuality, m.pdqCrops AS pdqCrops, m.phash AS phash,
       pdqRadius, phashRadius
