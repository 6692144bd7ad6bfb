// The hash set a VICS load writes into: MERGE it by id and set its name, format and provenance.
// Options not given (null) keep the set's current radii; a load can mark a whole set
// non-pertinent but not clear that (`cluegraph hashsets set NAME --pertinent` does).
// $hashSetId, $hashSetName, $format: string; $pdqRadius, $phashRadius: int or null;
// $setNonPertinent: bool; $source, $loadId, $loadedAt: provenance
// Returns: nothing
MERGE (hs:HashSet {id: $hashSetId})
SET hs.name = $hashSetName, hs.format = $format,
    hs.source = $source, hs.loadId = $loadId, hs.loadedAt = $loadedAt,
    hs.pdqRadius = coalesce($pdqRadius, hs.pdqRadius),
    hs.phashRadius = coalesce($phashRadius, hs.phashRadius),
    hs.nonPertinent = CASE WHEN $setNonPertinent THEN true ELSE hs.nonPertinent END
