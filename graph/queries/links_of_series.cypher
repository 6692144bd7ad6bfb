// Every link of one series with the other side's countries, the score, kinds, evidence (JSON) and judgement; confirmed first, then strongest.
// $seriesId: string
// Returns: other, otherCountries, score, kinds, crossCountry, judgement, judgedBy, judgedAt, judgementNote, evidence
MATCH (:Series {id: $seriesId})-[l:LINKED]-(o:Series)
CALL (o) {
  OPTIONAL MATCH (o)<-[:INVESTIGATES]-(:Case)-[:OWNED_BY]->(:Agency)-[:IN_COUNTRY]->(co:Country)
  RETURN collect(DISTINCT co.code) AS otherCountries
}
RETURN o.id AS other, otherCountries, l.score AS score, l.kinds AS kinds,
       l.crossCountry AS crossCountry, l.judgement AS judgement, l.judgedBy AS judgedBy,
       l.judgedAt AS judgedAt, l.judgementNote AS judgementNote, l.evidence AS evidence
ORDER BY CASE l.judgement WHEN 'confirmed' THEN 0 WHEN 'rejected' THEN 2 ELSE 1 END,
         score DESC, other
