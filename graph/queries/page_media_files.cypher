// Where the files of the given media are (path, name, kind), to show a frame or a thumbnail of a match.
// $sha256s: list of strings
// Returns: sha256, path, fileName, kind
UNWIND $sha256s AS sha
MATCH (m:Media {sha256: sha})
RETURN m.sha256 AS sha256, m.path AS path, m.fileName AS fileName, m.kind AS kind
