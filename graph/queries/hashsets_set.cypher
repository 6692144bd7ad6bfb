// Set a hash set's own near-duplicate radii (null: the defaults) and whether it is non-pertinent as a whole, with who changed them and when.
// $id: string   $pdqRadius: integer or null   $phashRadius: integer or null   $nonPertinent: boolean   $at: string   $by: string
// Returns: nothing (a write); bumps the media indexes' version in the same statement (graph/indexversion.py)
MATCH (h:HashSet {id: $id})
SET h.pdqRadius = $pdqRadius, h.phashRadius = $phashRadius, h.nonPertinent = $nonPertinent,
    h.thresholdsChangedAt = $at, h.thresholdsChangedBy = $by
WITH count(h) AS changed
MERGE (v:IndexVersion {name: 'media'})
  ON CREATE SET v.epoch = randomUUID(), v.version = 0
SET v.version = v.version + 1
