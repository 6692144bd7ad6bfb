// How many media the store holds (from the count store): the bulk path (graph/bulkimport.py) is for a store with none.
// No parameters.
// Returns: media
MATCH (m:Media) RETURN count(m) AS media
