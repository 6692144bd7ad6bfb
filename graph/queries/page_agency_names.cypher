// Every agency with its name and country, so that pages show "Office central mineurs (FR)" instead of an id.
// $limit: integer
// Returns: id, name, country
MATCH (a:Agency)
OPTIONAL MATCH (a)-[:IN_COUNTRY]->(co:Country)
RETURN a.id AS id, a.name AS name, co.code AS country
ORDER BY id
LIMIT $limit
