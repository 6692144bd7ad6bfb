// Writes a batch of cases with their agency and country (a case owned by another agency moves).
// $rows: list of maps (case_id, agency_id, agency_name, country, countryName, title, status, opened)   $source: string   $loadId: string   $loadedAt: string (ISO 8601)
// Returns: nothing
UNWIND $rows AS row
MERGE (co:Country {code: row.country})
  ON CREATE SET co.name = row.countryName, co.source = $source, co.loadId = $loadId,
                co.loadedAt = $loadedAt
MERGE (a:Agency {id: row.agency_id})
SET a.name = coalesce(nullif(row.agency_name, ''), a.name, row.agency_id),
    a.source = $source, a.loadId = $loadId, a.loadedAt = $loadedAt
MERGE (a)-[ia:IN_COUNTRY]->(co)
SET ia.source = $source, ia.loadId = $loadId, ia.loadedAt = $loadedAt
MERGE (c:Case {id: row.case_id})
SET c.title = row.title, c.status = row.status, c.opened = CASE WHEN row.opened IS NULL
      THEN NULL ELSE date(row.opened) END,
    c.source = $source, c.loadId = $loadId, c.loadedAt = $loadedAt
WITH c, a, row
OPTIONAL MATCH (c)-[old:OWNED_BY]->(other:Agency) WHERE other.id <> row.agency_id
DELETE old
MERGE (c)-[ob:OWNED_BY]->(a)
SET ob.source = $source, ob.loadId = $loadId, ob.loadedAt = $loadedAt
