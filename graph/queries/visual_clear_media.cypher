// Removes what an earlier visual pass derived for the given files (before they are analysed again): their same-scene and shared-object pairs and the machine's text and language suggestions.
// $sha256s: list of strings
// Returns: removed (count of relationships deleted)
UNWIND $sha256s AS sha
MATCH (m:Media {sha256: sha})
CALL (m) {
  OPTIONAL MATCH (m)-[r:SAME_SCENE|SHARES_OBJECT]-(:Media)
  WITH collect(r) AS pairs
  OPTIONAL MATCH (m)-[s:SUGGESTS]->(:Clue)
  WHERE s.source IN ['ocr', 'language']
  WITH pairs, collect(s) AS sugg
  WITH pairs + sugg AS rels
  UNWIND rels AS rel
  DELETE rel
  RETURN count(*) AS n
}
RETURN sum(n) AS removed
