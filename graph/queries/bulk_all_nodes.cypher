// Every node of the database with its labels and properties, for the bulk path to carry into the import that replaces the database (graph/bulkimport.carry_graph; run only on a store without media, so small).
// No parameters.
// Returns: eid (elementId), labels, props
MATCH (n) RETURN elementId(n) AS eid, labels(n) AS labels, properties(n) AS props
