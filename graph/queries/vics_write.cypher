// Write one batch of validated VICS Media items (loaders/vics.validate_item): find the Media
// by SHA-256, else MD5, else SHA-1 (create it when none), fill the hashes it lacks, and
// MERGE (:HashSet)-[:LISTS]->(:Media) with the item's category, series and flags.
// A batch never holds two rows sharing a hash. An item without tags stores no `tags` (as
// `load vics --bulk`, whose importer cannot store an empty list); readers coalesce to [].
// $hashSetId: string; $rows: list of maps (sha256, md5, sha1, bytes, photoDna, category,
//   series, nonPertinent, victimIdentified, offenderIdentified, isDistributed, tags);
// $source, $loadId, $loadedAt: provenance
// Returns: nothing
MATCH (hs:HashSet {id: $hashSetId})
UNWIND $rows AS row
OPTIONAL MATCH (s:Media {sha256: row.sha256})
WITH hs, row, s
OPTIONAL MATCH (a:Media {md5: row.md5})
WITH hs, row, s, a ORDER BY a.sha256 IS NULL
WITH hs, row, s, head(collect(a)) AS a
OPTIONAL MATCH (b:Media {sha1: row.sha1})
WITH hs, row, s, a, b ORDER BY b.sha256 IS NULL
WITH hs, row, s, a, head(collect(b)) AS b
WITH hs, row, coalesce(s, a, b) AS found
CALL (row, found) {
  WITH row, found WHERE found IS NULL
  CREATE (n:Media)
  SET n.source = $source, n.loadId = $loadId, n.loadedAt = $loadedAt
  RETURN n AS m
  UNION
  WITH row, found WHERE found IS NOT NULL
  RETURN found AS m
}
SET m.sha256 = coalesce(m.sha256, row.sha256), m.md5 = coalesce(m.md5, row.md5),
    m.sha1 = coalesce(m.sha1, row.sha1), m.bytes = coalesce(m.bytes, row.bytes),
    m.photoDna = coalesce(row.photoDna, m.photoDna)
FOREACH (_ IN CASE WHEN row.nonPertinent OR coalesce(hs.nonPertinent, false) THEN [1] ELSE []
             END | SET m.nonPertinent = true)
MERGE (hs)-[l:LISTS]->(m)
SET l.category = row.category, l.series = row.series, l.nonPertinent = row.nonPertinent,
    l.victimIdentified = row.victimIdentified, l.offenderIdentified = row.offenderIdentified,
    l.isDistributed = row.isDistributed,
    l.tags = CASE WHEN size(row.tags) > 0 THEN row.tags END,
    l.source = $source, l.loadId = $loadId, l.loadedAt = $loadedAt
