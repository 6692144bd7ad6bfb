// The version of what the media indexes (near-duplicate, video frames) may hold: one read instead of a scan of the media.
// No parameters.
// Returns: epoch (string or null when nothing was ever bumped since the store was emptied), version (integer, 0 then)
OPTIONAL MATCH (v:IndexVersion {name: 'media'})
RETURN v.epoch AS epoch, coalesce(v.version, 0) AS version
