// Records the start of a load (a run more on a rerun) and, when $bump, bumps the media index version.
// $id: string   $kind: string   $source: string   $sha256: string   $startedAt: string (ISO 8601)   $options: string (JSON)   $bump: boolean (false: the load cannot change what the media indexes hold, e.g. the visual pass)
// Returns: loadedAt (when this input was first loaded)
MERGE (l:Load {id: $id})
ON CREATE SET l.kind = $kind, l.source = $source, l.sha256 = $sha256,
              l.firstStartedAt = $startedAt, l.runs = 0
SET l.startedAt = $startedAt, l.status = 'running', l.runs = l.runs + 1,
    l.options = $options
WITH l
CALL {
  WITH l
  WITH l WHERE $bump
  MERGE (v:IndexVersion {name: 'media'})
    ON CREATE SET v.epoch = randomUUID(), v.version = 0
  SET v.version = v.version + 1
  SET l.indexVersionBegin = v.version, l.indexVersionFinish = null
}
RETURN l.firstStartedAt AS loadedAt
