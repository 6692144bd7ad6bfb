// Create the media indexes' version node when missing (graph/indexversion.py): run with the schema, so a fresh store has an epoch before any index is saved.
// No parameters.
// Returns: nothing (a write)
MERGE (v:IndexVersion {name: 'media'})
  ON CREATE SET v.epoch = randomUUID(), v.version = 0
