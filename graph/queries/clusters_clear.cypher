// Forget the stored clusters (graph/clusters.py) before writing new ones, in the same transaction.
// No parameters.
// Returns: nothing (a write)
CALL () { MATCH (c:Cluster) DETACH DELETE c }
CALL () { MATCH (s:Series) WHERE s.community IS NOT NULL OR s.component IS NOT NULL
          REMOVE s.community, s.component }
