"""The Cypher fragment the media loader still joins into its geotag writes.

The gazetteer itself is :mod:`graph.gazetteer`. This fragment leaves with the media
loader's statements when they move to ``graph/queries`` (issue 14); no other module
uses it.
"""

#: Cypher fragment: with a map ``place`` (from :func:`place_params`, kind not 'country')
#: in scope, MERGE its ``Location`` as ``loc`` and ``(loc)-[:IN_COUNTRY]->(:Country)``.
#: Gazetteer data is reference data: its provenance is the load that first wrote it.
#: Needs ``$source``, ``$loadId``, ``$loadedAt``; binds ``loc``, ``locCountry``, ``locIn``.
#: Usage: ``WITH m, row, row.place AS place`` + MERGE_LOCATION + ``MERGE (m)-[:…]->(loc)``.
MERGE_LOCATION = """
MERGE (loc:Location {id: place.id})
  ON CREATE SET loc.source = $source, loc.loadId = $loadId, loc.loadedAt = $loadedAt
SET loc.name = place.name, loc.admin1 = place.admin1, loc.countryCode = place.countryCode,
    loc.lat = place.lat, loc.lon = place.lon, loc.kind = place.kind
MERGE (locCountry:Country {code: place.countryCode})
  ON CREATE SET locCountry.name = place.countryName, locCountry.source = $source,
                locCountry.loadId = $loadId, locCountry.loadedAt = $loadedAt
MERGE (loc)-[locIn:IN_COUNTRY]->(locCountry)
  ON CREATE SET locIn.source = $source, locIn.loadId = $loadId, locIn.loadedAt = $loadedAt
"""
