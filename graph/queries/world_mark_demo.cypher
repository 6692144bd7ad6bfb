// Marks the demo world as loaded: its (:Load {kind: 'world'}) node.
// $id: string   $source: string   $status: string   $at: string (ISO 8601)   $errors: integer   $links: string (JSON)
// Returns: nothing
MERGE (l:Load {id: $id})
SET l.kind = 'world', l.source = $source, l.status = $status, l.finishedAt = $at,
    l.errorCount = $errors, l.links = $links
