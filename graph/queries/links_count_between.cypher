// How many links join two series (0 or 1).
// $a: string   $b: string
// Returns: n
MATCH (:Series {id: $a})-[l:LINKED]-(:Series {id: $b}) RETURN count(l) AS n
