// Every analyst judgement on a pair of series (kept apart from LINKED, so that it survives every rebuild).
// No parameters.
// Returns: a, b, judgement, judgedBy, judgedAt, judgementNote
MATCH (j:Judgement)
RETURN j.seriesA AS a, j.seriesB AS b, j.judgement AS judgement, j.judgedBy AS judgedBy,
       j.judgedAt AS judgedAt, j.note AS judgementNote
