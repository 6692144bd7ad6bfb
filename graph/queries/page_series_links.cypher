// The series linked to one series, with the other side's countries, the score, kinds, evidence (JSON) and the analysts' judgement; confirmed first, rejected last.
// $seriesId: string   $limit: integer
// Returns: otherId, otherName, otherStatus, otherCountries, score, kinds, evidence, crossCountry, judgement, judgedBy, judgedAt, judgementNote (the analyst's note), computedAt
MATCH (:Series {id: $seriesId})-[l:LINKED]-(o:Series)
CALL (o) {
  OPTIONAL MATCH (o)<-[:INVESTIGATES]-(:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
  RETURN collect(DISTINCT co.code) AS otherCountries
}
RETURN o.id AS otherId, o.name AS otherName, o.status AS otherStatus, otherCountries,
       l.score AS score, l.kinds AS kinds, l.evidence AS evidence,
       coalesce(l.crossCountry, false) AS crossCountry, l.judgement AS judgement,
       l.judgedBy AS judgedBy, toString(l.judgedAt) AS judgedAt, l.judgementNote AS judgementNote,
       toString(l.computedAt) AS computedAt
ORDER BY CASE l.judgement WHEN 'confirmed' THEN 0 WHEN 'rejected' THEN 2 ELSE 1 END,
         score DESC, otherId
LIMIT $limit
