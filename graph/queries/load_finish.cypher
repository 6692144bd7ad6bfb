// Records how a load ended (counts, errors, warnings) and, when $bump, bumps the media index version.
// $id: string   $finishedAt: string (ISO 8601)   $status: string   $read: integer   $written: string (JSON)   $skipped: integer   $errors: list of strings   $errorCount: integer   $warnings: list of strings   $warningCount: integer   $ignored: list of strings   $ignoredCount: integer   $bump: boolean (as in load_begin)
// Returns: nothing
MATCH (l:Load {id: $id})
SET l.finishedAt = $finishedAt, l.status = $status, l.read = $read,
    l.written = $written, l.skipped = $skipped, l.errors = $errors,
    l.errorCount = $errorCount, l.warnings = $warnings, l.warningCount = $warningCount,
    l.ignored = $ignored, l.ignoredCount = $ignoredCount
WITH l
CALL {
  WITH l
  WITH l WHERE $bump
  MERGE (v:IndexVersion {name: 'media'})
    ON CREATE SET v.epoch = randomUUID(), v.version = 0
  SET v.version = v.version + 1
  SET l.indexVersionFinish = v.version
}
