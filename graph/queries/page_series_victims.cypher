// The victims featured in a series (pseudonymous ids), whether they are identified, their estimated age band in this series (it belongs to the appearance: a child is seen at several ages), and in how many series each appears.
// $seriesId: string
// Returns: id, identified, identifiedBy, identifiedAt, ageBand, sex, series, media
MATCH (:Series {id: $seriesId})-[f:FEATURES]->(v:Victim)
RETURN v.id AS id, coalesce(v.identified, false) AS identified, v.identifiedBy AS identifiedBy,
       toString(v.identifiedAt) AS identifiedAt, f.ageBand AS ageBand, v.sex AS sex,
       COUNT { (v)<-[:FEATURES]-(:Series) } AS series,
       COUNT { (v)<-[:DEPICTS]-(:Media) } AS media
ORDER BY id
