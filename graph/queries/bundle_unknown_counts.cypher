// Nodes with none of the known labels and relationships of unknown types (what a bundle leaves out).
// $order: list of strings (known labels)   $types: list of strings (known relationship types)
// Returns: n, r
CALL () { MATCH (n) WHERE none(l IN labels(n) WHERE l IN $order) RETURN count(n) AS n }
CALL () { MATCH ()-[r]->() WHERE NOT type(r) IN $types RETURN count(r) AS r }
RETURN n, r
