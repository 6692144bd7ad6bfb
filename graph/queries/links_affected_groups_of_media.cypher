// Clues and places whose set of series a load of media files may have changed: those its media show, are geotagged at, or reach through a clue (links_group_series gives their series now).
// $sha256s: list of strings (the media the load wrote: neardup_touched_media_of_folder)
// Returns: kind ('clue' or 'place'), id
// For a load that writes nothing but its media and relationships from them (load media,
// loaders/media_write.py): the media branches of links_affected_groups, without its
// branches per relationship type, which cost 0.1-0.3 s to plan whenever a small store's
// statistics move (issue 13).
UNWIND $sha256s AS sha
MATCH (m:Media {sha256: sha})
CALL (m) {
  MATCH (m)-[:SHOWS]->(c:Clue)
  RETURN 'clue' AS kind, c.id AS id
  UNION
  MATCH (m)-[:GEOTAGGED_AT]->(l:Location)
  RETURN 'place' AS kind, l.id AS id
  UNION
  MATCH (m)-[:SHOWS]->(:Clue)-[:POINTS_TO]->(l:Location)
  RETURN 'place' AS kind, l.id AS id
}
RETURN DISTINCT kind, id
