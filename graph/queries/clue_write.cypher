// The one clue writer (the clues loader and the app's clue form): each row's clue on its target, with where it points.
// Params: $rows: maps of target (sha256, sha1, md5: one set, or series_id), clue_id, type, value, label, analyst, confidence, noted_at (ISO date or datetime), location_hint (text as written), place (gazetteer map or null), hintLat, hintLon; $source, $loadId, $loadedAt: provenance.
// Rules: the Clue is MERGEd on its id, its label is the first spelling written; SHOWS keeps an earlier analyst, confidence or date when the row has none; POINTS_TO goes to the place's Location (with its Country) or, for a country, to the Country. A row whose target is not in the graph writes nothing and returns nothing.
// Returns: clueId, series (the series the clue now concerns: the target series, or those holding the target media)
UNWIND $rows AS row
CALL (row) {
  MATCH (t:Media {sha256: row.sha256}) RETURN t
  UNION
  MATCH (t:Media {sha1: row.sha1}) RETURN t
  UNION
  MATCH (t:Media {md5: row.md5}) RETURN t
  UNION
  MATCH (t:Series {id: row.series_id}) RETURN t
}
MERGE (c:Clue {id: row.clue_id})
  ON CREATE SET c.label = row.label
SET c.type = row.type, c.value = row.value,
    c.source = $source, c.loadId = $loadId, c.loadedAt = $loadedAt
MERGE (t)-[s:SHOWS]->(c)
SET s.analyst = coalesce(row.analyst, s.analyst),
    s.confidence = coalesce(row.confidence, s.confidence),
    s.notedAt = coalesce(
      CASE WHEN row.noted_at IS NULL THEN null
           WHEN size(row.noted_at) = 10 THEN date(row.noted_at)
           ELSE datetime(row.noted_at) END, s.notedAt),
    s.locationHint = coalesce(row.location_hint, s.locationHint),
    s.source = $source, s.loadId = $loadId, s.loadedAt = $loadedAt
WITH c, row,
     collect(CASE WHEN t:Series THEN [t.id] ELSE COLLECT { MATCH (t)<-[:CONTAINS]-(x:Series) RETURN x.id } END) AS targets
CALL (c, row) {
  WITH c, row, row.place AS place
  WHERE place IS NOT NULL AND place.kind <> 'country'
  MERGE (loc:Location {id: place.id})
    ON CREATE SET loc.source = $source, loc.loadId = $loadId, loc.loadedAt = $loadedAt
  SET loc.name = place.name, loc.admin1 = place.admin1, loc.countryCode = place.countryCode,
      loc.lat = place.lat, loc.lon = place.lon, loc.kind = place.kind
  MERGE (locCountry:Country {code: place.countryCode})
    ON CREATE SET locCountry.name = place.countryName, locCountry.source = $source,
                  locCountry.loadId = $loadId, locCountry.loadedAt = $loadedAt
  MERGE (loc)-[locIn:IN_COUNTRY]->(locCountry)
    ON CREATE SET locIn.source = $source, locIn.loadId = $loadId, locIn.loadedAt = $loadedAt
  MERGE (c)-[p:POINTS_TO]->(loc)
  SET p.confidence = coalesce(row.confidence, p.confidence),
      p.lat = row.hintLat, p.lon = row.hintLon,
      p.source = $source, p.loadId = $loadId, p.loadedAt = $loadedAt
}
CALL (c, row) {
  WITH c, row, row.place AS place
  WHERE place.kind = 'country'
  MERGE (co:Country {code: place.countryCode})
    ON CREATE SET co.name = place.countryName, co.source = $source, co.loadId = $loadId,
                  co.loadedAt = $loadedAt
  MERGE (c)-[p:POINTS_TO]->(co)
  SET p.confidence = coalesce(row.confidence, p.confidence),
      p.source = $source, p.loadId = $loadId, p.loadedAt = $loadedAt
}
RETURN c.id AS clueId, reduce(acc = [], l IN targets | acc + l) AS series
