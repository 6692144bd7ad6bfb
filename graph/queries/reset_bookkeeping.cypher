// Reset, first step: delete the derived bookkeeping nodes (graph.schema.BOOKKEEPING_LABELS: IndexVersion, Cluster, ClusterRun), not counted as deleted.
// No parameters.
// Returns: nothing (a write)
MATCH (n:IndexVersion|Cluster|ClusterRun)
DETACH DELETE n
