// What the stored clusters were computed from (graph/clusters.py): the digest of the series graph and parameters, and how many groups and members were written then and are there now.
// No parameters.
// Returns: digest (null when never stored), groups, members (stored at the time), groupsNow, membersNow
OPTIONAL MATCH (r:ClusterRun {name: 'clusters'})
RETURN r.digest AS digest, r.groups AS groups, r.members AS members,
       COUNT { MATCH (c:Cluster) } AS groupsNow,
       COUNT { MATCH (s:Series) WHERE s.community IS NOT NULL OR s.component IS NOT NULL } AS membersNow
