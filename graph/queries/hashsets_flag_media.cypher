// Recompute the non-pertinence of the media a hash set lists: a medium is non-pertinent when a non-pertinent set lists it, or a set lists it in a non-pertinent category (LISTS.nonPertinent); a listing loaded before LISTS.nonPertinent was recorded keeps the medium's flag.
// $id: string
// Returns: nothing (a write); bumps the media indexes' version in the same statement (graph/indexversion.py)
MATCH (:HashSet {id: $id})-[:LISTS]->(m:Media)
WITH m, coalesce(m.nonPertinent, false) AS before,
     EXISTS { MATCH (s:HashSet)-[l:LISTS]->(m)
              WHERE s.nonPertinent OR l.nonPertinent
                 OR (l.nonPertinent IS NULL AND coalesce(m.nonPertinent, false)) } AS after
WHERE before <> after
SET m.nonPertinent = CASE WHEN after THEN true ELSE null END
WITH count(m) AS changed
MERGE (v:IndexVersion {name: 'media'})
  ON CREATE SET v.epoch = randomUUID(), v.version = 0
SET v.version = v.version + 1
