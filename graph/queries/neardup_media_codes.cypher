// Hashes of the media that may match as near-duplicates (PDQ of sufficient quality, not non-pertinent), a page at a time in sha256 order.
// $minQuality: integer   $after: string (last sha256 of the previous page, '' first)   $batch: integer
// Returns: sha256, pdq, pdqQuality, pdqVariants, pdqTrimmed, pdqTrimmedQuality, pdqCrops, phash,
//   pdqRadius, phashRadius (the strictest radii of the hash sets listing it; null: the defaults)
MATCH (m:Media)
WHERE m.sha256 > $after
  AND m.pdq IS NOT NULL AND m.pdqQuality >= $minQuality
  AND NOT coalesce(m.nonPertinent, false)
  AND coalesce(m.kind, 'image') <> 'video'  // videos: graph/videomatch.py
WITH m ORDER BY m.sha256 LIMIT $batch
CALL (m) {
  OPTIONAL MATCH (h:HashSet)-[:LISTS]->(m)
  RETURN min(h.pdqRadius) AS pdqRadius, min(h.phashRadius) AS phashRadius
}
RETURN m.sha256 AS sha256, m.pdq AS pdq, m.pdqQuality AS pdqQuality,
       m.pdqVariants AS pdqVariants, m.pdqTrimmed AS pdqTrimmed,
       m.pdqTrimmedQuality AS pdqTrimmedQuality, m.pdqCrops AS pdqCrops, m.phash AS phash,
       pdqRadius, phashRadius
ORDER BY sha256
