// (:Media)-[:GEOTAGGED_AT {lat, lon}]->(:Location)-[:IN_COUNTRY]->(:Country) for loaded
// media with GPS: the gazetteer place (loaders.geo.place_params) is merged as
// loaders.geo.MERGE_LOCATION does, the photo's own point goes on the relationship.
// $rows: list of {sha256, place: {id, name, admin1, countryCode, countryName, lat, lon,
//   kind}, lat, lon}, one per SHA-256   $source, $loadId, $loadedAt: provenance
// Returns: nothing (counters)
UNWIND $rows AS r
MATCH (m:Media {sha256: r.sha256})
WITH m, r, r.place AS place
MERGE (loc:Location {id: place.id})
  ON CREATE SET loc.source = $source, loc.loadId = $loadId, loc.loadedAt = $loadedAt
SET loc.name = place.name, loc.admin1 = place.admin1, loc.countryCode = place.countryCode,
    loc.lat = place.lat, loc.lon = place.lon, loc.kind = place.kind
MERGE (locCountry:Country {code: place.countryCode})
  ON CREATE SET locCountry.name = place.countryName, locCountry.source = $source,
                locCountry.loadId = $loadId, locCountry.loadedAt = $loadedAt
MERGE (loc)-[locIn:IN_COUNTRY]->(locCountry)
  ON CREATE SET locIn.source = $source, locIn.loadId = $loadId, locIn.loadedAt = $loadedAt
MERGE (m)-[g:GEOTAGGED_AT]->(loc)
SET g.lat = r.lat, g.lon = r.lon,
    g.source = $source, g.loadId = $loadId, g.loadedAt = $loadedAt
