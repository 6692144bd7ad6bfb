// The distinct places of a batch of new media, each merged once before media_create_new
// links them (Location and IN_COUNTRY to its Country, as loaders.geo.MERGE_LOCATION).
// $places: list of {id, name, admin1, countryCode, countryName, lat, lon, kind}
// $source, $loadId, $loadedAt: provenance
// Returns: nothing (counters)
UNWIND $places AS place
MERGE (loc:Location {id: place.id})
  ON CREATE SET loc.source = $source, loc.loadId = $loadId, loc.loadedAt = $loadedAt
SET loc.name = place.name, loc.admin1 = place.admin1, loc.countryCode = place.countryCode,
    loc.lat = place.lat, loc.lon = place.lon, loc.kind = place.kind
MERGE (locCountry:Country {code: place.countryCode})
  ON CREATE SET locCountry.name = place.countryName, locCountry.source = $source,
                locCountry.loadId = $loadId, locCountry.loadedAt = $loadedAt
MERGE (loc)-[locIn:IN_COUNTRY]->(locCountry)
  ON CREATE SET locIn.source = $source, locIn.loadId = $loadId, locIn.loadedAt = $loadedAt
