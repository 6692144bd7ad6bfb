// The Neo4j server's version and edition.
// No parameters.
// Returns: version, edition
CALL dbms.components() YIELD name, versions, edition
RETURN versions[0] AS version, edition
