// Nodes and relationships of the model, from Neo4j's count store: the bookkeeping nodes (graph.schema.BOOKKEEPING_LABELS: IndexVersion, Cluster, ClusterRun; no relationships) are left out.
// No parameters.
// Returns: nodes, rels
CALL () { MATCH (n) RETURN count(n) AS allNodes }
CALL () { MATCH (n:IndexVersion) RETURN count(n) AS indexVersions }
CALL () { MATCH (n:Cluster) RETURN count(n) AS clusters }
CALL () { MATCH (n:ClusterRun) RETURN count(n) AS clusterRuns }
CALL () { MATCH ()-[r]->() RETURN count(r) AS rels }
RETURN allNodes - indexVersions - clusters - clusterRuns AS nodes, rels
