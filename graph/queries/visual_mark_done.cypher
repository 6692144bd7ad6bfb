// Marks files as analysed by the visual pass (so that a second run does nothing).
// $rows: list of {sha256, note}   $version: integer   $at: string (ISO 8601)
// Returns: marked (count)
UNWIND $rows AS row
MATCH (m:Media {sha256: row.sha256})
SET m.visualVersion = $version, m.visualAt = $at, m.visualNote = row.note
RETURN count(m) AS marked
