// The series that hold any of the given files.
// $sha256s: list of strings
// Returns: seriesId
UNWIND $sha256s AS sha
MATCH (:Media {sha256: sha})<-[:CONTAINS]-(s:Series)
RETURN DISTINCT s.id AS seriesId
