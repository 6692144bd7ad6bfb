// Clues and places whose set of series a load may have changed (their rarity depends on it): links_group_series gives their series now.
// $loadId: string   $sha256s: list of strings (the media the load touched: neardup_touched_media)
// Returns: kind ('clue' or 'place'), id
// The load's media come as a parameter (found once by neardup_touched_media). A relationship
// of the load is found through its type's loadId index (graph/schema.cypher), its end
// checked after the seek: an untyped (s)-[r]-() read every relationship of the store, and
// a label in the pattern makes the planner scan the label instead of seeking. A load that
// writes nothing but its media (load media) takes links_affected_groups_of_media instead.
UNWIND $sha256s AS sha
MATCH (m:Media {sha256: sha})
WITH collect(m) AS media
CALL (media) {
  CALL (media) {
    MATCH (c:Clue) WHERE c.loadId = $loadId RETURN c
    UNION
    MATCH ()-[r:SHOWS]->() WHERE r.loadId = $loadId
    WITH endNode(r) AS c WHERE c:Clue
    RETURN c
    UNION
    UNWIND media AS m
    MATCH (m)-[:SHOWS]->(c:Clue) RETURN c
  }
  RETURN DISTINCT 'clue' AS kind, c.id AS id
  UNION
  CALL (media) {
    MATCH (l:Location) WHERE l.loadId = $loadId RETURN l
    UNION
    CALL () {
      MATCH ()-[r:POINTS_TO]->() WHERE r.loadId = $loadId RETURN r
      UNION ALL
      MATCH ()-[r:GEOTAGGED_AT]->() WHERE r.loadId = $loadId RETURN r
    }
    WITH endNode(r) AS l WHERE l:Location
    RETURN l
    UNION
    CALL () {
      MATCH (c:Clue) WHERE c.loadId = $loadId RETURN c
      UNION
      MATCH ()-[r:SHOWS]->() WHERE r.loadId = $loadId
      WITH endNode(r) AS c WHERE c:Clue
      RETURN c
    }
    MATCH (c)-[:POINTS_TO]->(l:Location)
    RETURN l
    UNION
    UNWIND media AS m
    MATCH (m)-[:GEOTAGGED_AT]->(l:Location) RETURN l
    UNION
    UNWIND media AS m
    MATCH (m)-[:SHOWS]->(:Clue)-[:POINTS_TO]->(l:Location) RETURN l
  }
  RETURN DISTINCT 'place' AS kind, l.id AS id
}
RETURN kind, id
