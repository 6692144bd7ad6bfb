// The stored clusters of one level spanning at least $minCountries countries, largest first, with the parameters they were computed with; no row when none were stored.
// $level: 'communities' or 'components'   $minCountries: integer   $limit: integer
// Returns: minScore, seed, resolution, series, links, clusters (list of Cluster property maps)
MATCH (r:ClusterRun {name: 'clusters'})
CALL (r) {
  MATCH (c:Cluster) WHERE c.level = $level AND c.rank >= 0 AND size(c.countries) >= $minCountries
  WITH c ORDER BY c.rank LIMIT $limit
  RETURN collect(properties(c)) AS clusters
}
RETURN r.minScore AS minScore, r.seed AS seed, r.resolution AS resolution,
       r.series AS series, r.links AS links, clusters
