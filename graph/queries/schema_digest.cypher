// The digest of the schema last applied to this store (graph/db.py ensure_schema): kept on the store's bookkeeping node, so a command checks the schema with one read instead of re-running every statement.
// No parameters.
// Returns: digest (string, or null when the schema was never applied since the store was emptied)
OPTIONAL MATCH (v:IndexVersion {name: 'media'})
RETURN v.schemaDigest AS digest
