// One hash set, found by its id or its name, with its own thresholds.
// $id: string   $name: string
// Returns: id, name, pdqRadius, phashRadius, nonPertinent, nonPertinentMedia
MATCH (h:HashSet)
WHERE h.id = $id OR h.name = $name
RETURN h.id AS id, h.name AS name, h.pdqRadius AS pdqRadius, h.phashRadius AS phashRadius,
       coalesce(h.nonPertinent, false) AS nonPertinent,
       COUNT { (h)-[:LISTS]->(m:Media) WHERE m.nonPertinent } AS nonPertinentMedia
ORDER BY h.id = $id DESC, id
LIMIT 1
