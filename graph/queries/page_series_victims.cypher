// The victims featured in a series (pseudonymous ids), whether they are identified, and in how many series each appears.
// $seriesId: string
// Returns: id, identified, identifiedBy, identifiedAt, ageBand, sex, series, media
MATCH (:Series {id: $seriesId})-[:FEATURES]->(v:Victim)
RETURN v.id AS id, coalesce(v.identified, false) AS identified, v.identifiedBy AS identifiedBy,
       toString(v.identifiedAt) AS identifiedAt, v.ageBand AS ageBand, v.sex AS sex,
       COUNT { (v)<-[:FEATURES]-(:Series) } AS series,
       COUNT { (v)<-[:DEPICTS]-(:Media) } AS media
ORDER BY id
