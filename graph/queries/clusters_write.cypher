// Store the clusters of linked series computed at a link rebuild or update (graph/clusters.py): the parameters they were computed with, one Cluster per group and level, each series' community and component.
// $run: map {minScore, seed, resolution, at, series, links}   $clusters: list of maps (Cluster properties)   $members: list of {id, community, component}
// Returns: nothing (a write)
MERGE (r:ClusterRun {name: 'clusters'})
SET r += $run
WITH r
CALL (r) { UNWIND $clusters AS c CREATE (k:Cluster) SET k = c }
CALL (r) { UNWIND $members AS m MATCH (s:Series {id: m.id})
           SET s.community = m.community, s.component = m.component }
