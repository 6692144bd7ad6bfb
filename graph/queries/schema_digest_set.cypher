// Record the digest of the schema just applied (graph/db.py apply_schema) on the store's bookkeeping node.
// $digest: string (graph.db.schema_digest)
// Returns: nothing (a write)
MERGE (v:IndexVersion {name: 'media'})
  ON CREATE SET v.epoch = randomUUID(), v.version = 0
SET v.schemaDigest = $digest
