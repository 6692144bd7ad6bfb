// Bump the version of what the media indexes may hold (a write that may change which media or hashes they hold: bundle import, an edit outside a load). Loads bump it in their Load node's own statements (loaders/base.py), hash set edits in theirs.
// No parameters.
// Returns: epoch, version (after the bump)
MERGE (v:IndexVersion {name: 'media'})
  ON CREATE SET v.epoch = randomUUID(), v.version = 0
SET v.version = v.version + 1
RETURN v.epoch AS epoch, v.version AS version
