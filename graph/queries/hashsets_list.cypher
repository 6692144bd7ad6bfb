// Every hash set with its own near-duplicate thresholds, whether it is non-pertinent as a whole, and how many media it lists.
// No parameters.
// Returns: id, name, format, media, nonPertinentMedia, pdqRadius, phashRadius, nonPertinent, changedAt, changedBy
MATCH (h:HashSet)
RETURN h.id AS id, h.name AS name, h.format AS format,
       COUNT { (h)-[:LISTS]->(:Media) } AS media,
       COUNT { (h)-[:LISTS]->(m:Media) WHERE m.nonPertinent } AS nonPertinentMedia,
       h.pdqRadius AS pdqRadius, h.phashRadius AS phashRadius,
       coalesce(h.nonPertinent, false) AS nonPertinent,
       h.thresholdsChangedAt AS changedAt, h.thresholdsChangedBy AS changedBy
ORDER BY id
