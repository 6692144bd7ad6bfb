// Which of these media are not simply new: a Media with the SHA-256 exists already, or
// one known only by the MD5 or SHA-1 (from a hash set) would take this SHA-256. The
// others can be CREATEd (loaders.media_write.write_media_bulk); these take the MERGE path.
// $rows: list of {sha256, md5, sha1} (md5/sha1 may be null)
// Returns: sha256 (one row per media that is not new)
UNWIND $rows AS r
WITH r
WHERE EXISTS { MATCH (:Media {sha256: r.sha256}) }
   OR (r.md5 IS NOT NULL AND EXISTS { MATCH (a:Media {md5: r.md5}) WHERE a.sha256 IS NULL })
   OR (r.sha1 IS NOT NULL AND EXISTS { MATCH (b:Media {sha1: r.sha1}) WHERE b.sha256 IS NULL })
RETURN r.sha256 AS sha256
