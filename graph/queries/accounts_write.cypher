// The accounts loader's write: each row's account, and that it shared the row's media, with the earliest sighting kept.
// Params: $rows: maps of sha256, sha1, md5 (one set: the media's hash), account_id, handle, platform, seen_at (ISO date or datetime, or null); $source, $loadId, $loadedAt: provenance.
// Returns: nothing (a write); a row whose media is not in the graph writes nothing.
UNWIND $rows AS row
CALL (row) {
  MATCH (m:Media {sha256: row.sha256}) RETURN m
  UNION
  MATCH (m:Media {sha1: row.sha1}) RETURN m
  UNION
  MATCH (m:Media {md5: row.md5}) RETURN m
}
MERGE (a:Account {id: row.account_id})
  ON CREATE SET a.handle = row.handle
SET a.platform = row.platform,
    a.source = $source, a.loadId = $loadId, a.loadedAt = $loadedAt
MERGE (m)-[s:SHARED_BY]->(a)
WITH s, row,
     CASE WHEN row.seen_at IS NULL THEN null
          WHEN size(row.seen_at) = 10 THEN date(row.seen_at)
          ELSE datetime(row.seen_at) END AS seen
SET s.seenAt = CASE WHEN s.seenAt IS NULL OR seen < s.seenAt THEN coalesce(seen, s.seenAt)
                    ELSE s.seenAt END,
    s.source = $source, s.loadId = $loadId, s.loadedAt = $loadedAt
