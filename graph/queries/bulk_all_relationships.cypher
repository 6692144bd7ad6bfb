// Every relationship of the database with its type and properties, for the bulk path to carry into the import (graph/bulkimport.carry_graph).
// No parameters.
// Returns: start, end (elementIds of its nodes), type, props
MATCH (a)-[r]->(b) RETURN elementId(a) AS start, elementId(b) AS end, type(r) AS type, properties(r) AS props
