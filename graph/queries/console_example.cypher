// The console's example, shown in its text box: the strongest cross-country links.
// Returns: s, l, o (series, link, other series)
MATCH (s:Series)-[l:LINKED]->(o:Series)
WHERE l.crossCountry
RETURN s, l, o
ORDER BY l.score DESC
LIMIT 25
