// Accounts (platform and handle) that shared files of the given series, with every series holding a file they shared; non-pertinent files left out.
// $seriesIds: list of strings, or null for every series
// Returns: accountId, platform, handle, members (list of {series, sha256, fileName})
MATCH (s0:Series)-[:CONTAINS]->(:Media)-[:SHARED_BY]->(a:Account)
WHERE $seriesIds IS NULL OR s0.id IN $seriesIds
WITH DISTINCT a
MATCH (a)<-[:SHARED_BY]-(m:Media)<-[:CONTAINS]-(s:Series)
WHERE NOT coalesce(m.nonPertinent, false)
WITH a, collect({series: s.id, sha256: m.sha256, fileName: m.fileName}) AS members
RETURN a.id AS accountId, a.platform AS platform, a.handle AS handle, members
