// Media a load of media files wrote: such a load stamps each of its media with its id and writes nothing else but relationships from them (load media, loaders/media_write.py).
// $loadId: string
// Returns: sha256
// neardup_touched_media finds what any loader touched through one branch per relationship
// type, which costs 0.1-0.3 s to plan whenever a small store's statistics move (issue 13).
MATCH (m:Media) WHERE m.loadId = $loadId
RETURN m.sha256 AS sha256
