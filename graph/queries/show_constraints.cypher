// The database's constraints (cluegraph db status, the schema tests).
// No parameters.
// Returns: name, labelsOrTypes, properties, type
SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties, type
RETURN name, labelsOrTypes, properties, type
ORDER BY name
