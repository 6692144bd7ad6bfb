// The Media a hash set lists, as VICS 2.0 export rows (those with an MD5 or a SHA-1).
// $id: hash set id
// Returns: md5, sha1, bytes, photoDna, category, series, victimIdentified,
//   offenderIdentified, isDistributed, tags (ordered by md5, sha1)
MATCH (hs:HashSet {id: $id})-[l:LISTS]->(m:Media)
WHERE m.md5 IS NOT NULL OR m.sha1 IS NOT NULL
RETURN
  m.md5 AS md5, m.sha1 AS sha1, m.bytes AS bytes, m.photoDna AS photoDna
, l.category AS category, l.series AS series,
  coalesce(l.victimIdentified, false) AS victimIdentified,
  coalesce(l.offenderIdentified, false) AS offenderIdentified,
  l.isDistributed AS isDistributed, coalesce(l.tags, []) AS tags
ORDER BY coalesce(m.md5, ''), coalesce(m.sha1, ''), elementId(m)
