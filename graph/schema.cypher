// ClueGraph schema: uniqueness constraints on natural keys, then lookup indexes.
// Applied by `cluegraph db init` and before every load; every statement is IF NOT EXISTS.

CREATE CONSTRAINT country_code IF NOT EXISTS FOR (n:Country) REQUIRE n.code IS UNIQUE;
CREATE CONSTRAINT agency_id IF NOT EXISTS FOR (n:Agency) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT case_id IF NOT EXISTS FOR (n:Case) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT series_id IF NOT EXISTS FOR (n:Series) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT media_sha256 IF NOT EXISTS FOR (n:Media) REQUIRE n.sha256 IS UNIQUE;
CREATE CONSTRAINT camera_id IF NOT EXISTS FOR (n:Camera) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT location_id IF NOT EXISTS FOR (n:Location) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT clue_id IF NOT EXISTS FOR (n:Clue) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT victim_id IF NOT EXISTS FOR (n:Victim) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT account_id IF NOT EXISTS FOR (n:Account) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT hashset_id IF NOT EXISTS FOR (n:HashSet) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT load_id IF NOT EXISTS FOR (n:Load) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT auditevent_id IF NOT EXISTS FOR (n:AuditEvent) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT judgement_id IF NOT EXISTS FOR (n:Judgement) REQUIRE n.id IS UNIQUE;
// The media indexes' version (graph/indexversion.py): one node, MERGEd by concurrent loads.
CREATE CONSTRAINT indexversion_name IF NOT EXISTS FOR (n:IndexVersion) REQUIRE n.name IS UNIQUE;
CREATE CONSTRAINT clusterrun_name IF NOT EXISTS FOR (n:ClusterRun) REQUIRE n.name IS UNIQUE;

CREATE INDEX media_md5 IF NOT EXISTS FOR (n:Media) ON (n.md5);
CREATE INDEX media_sha1 IF NOT EXISTS FOR (n:Media) ON (n.sha1);
CREATE INDEX media_pdq IF NOT EXISTS FOR (n:Media) ON (n.pdq);
CREATE INDEX media_phash IF NOT EXISTS FOR (n:Media) ON (n.phash);
CREATE INDEX media_kind IF NOT EXISTS FOR (n:Media) ON (n.kind);
CREATE INDEX clue_type IF NOT EXISTS FOR (n:Clue) ON (n.type);
CREATE INDEX location_countrycode IF NOT EXISTS FOR (n:Location) ON (n.countryCode);
CREATE INDEX series_status IF NOT EXISTS FOR (n:Series) ON (n.status);
CREATE INDEX series_community IF NOT EXISTS FOR (n:Series) ON (n.community);
CREATE INDEX cluster_level IF NOT EXISTS FOR (n:Cluster) ON (n.level, n.rank);
CREATE INDEX case_status IF NOT EXISTS FOR (n:Case) ON (n.status);
CREATE INDEX load_startedat IF NOT EXISTS FOR (n:Load) ON (n.startedAt);
CREATE INDEX auditevent_at IF NOT EXISTS FOR (n:AuditEvent) ON (n.at);
CREATE INDEX auditevent_user IF NOT EXISTS FOR (n:AuditEvent) ON (n.user);
CREATE INDEX linked_crosscountry IF NOT EXISTS FOR ()-[r:LINKED]-() ON (r.crossCountry);
CREATE INDEX linked_score IF NOT EXISTS FOR ()-[r:LINKED]-() ON (r.score);
// The camera trail finds a serial by the end of the camera's id (folded make|model|serial).
CREATE TEXT INDEX camera_id_text IF NOT EXISTS FOR (n:Camera) ON (n.id);
// What a load changed, found without reading the whole store (links update after a load:
// neardup_touched_media, links_affected_series, links_affected_groups). A relationship
// property index needs the type, so each type a loader writes with its loadId has one
// (tests/graph/test_touched.py writes each and checks it is found).
CREATE INDEX media_loadid IF NOT EXISTS FOR (n:Media) ON (n.loadId);
CREATE INDEX series_loadid IF NOT EXISTS FOR (n:Series) ON (n.loadId);
CREATE INDEX clue_loadid IF NOT EXISTS FOR (n:Clue) ON (n.loadId);
CREATE INDEX location_loadid IF NOT EXISTS FOR (n:Location) ON (n.loadId);
CREATE INDEX contains_loadid IF NOT EXISTS FOR ()-[r:CONTAINS]-() ON (r.loadId);
CREATE INDEX holds_loadid IF NOT EXISTS FOR ()-[r:HOLDS]-() ON (r.loadId);
CREATE INDEX taken_with_loadid IF NOT EXISTS FOR ()-[r:TAKEN_WITH]-() ON (r.loadId);
CREATE INDEX geotagged_at_loadid IF NOT EXISTS FOR ()-[r:GEOTAGGED_AT]-() ON (r.loadId);
CREATE INDEX shows_loadid IF NOT EXISTS FOR ()-[r:SHOWS]-() ON (r.loadId);
CREATE INDEX depicts_loadid IF NOT EXISTS FOR ()-[r:DEPICTS]-() ON (r.loadId);
CREATE INDEX shared_by_loadid IF NOT EXISTS FOR ()-[r:SHARED_BY]-() ON (r.loadId);
CREATE INDEX lists_loadid IF NOT EXISTS FOR ()-[r:LISTS]-() ON (r.loadId);
CREATE INDEX same_scene_loadid IF NOT EXISTS FOR ()-[r:SAME_SCENE]-() ON (r.loadId);
CREATE INDEX shares_object_loadid IF NOT EXISTS FOR ()-[r:SHARES_OBJECT]-() ON (r.loadId);
CREATE INDEX suggests_loadid IF NOT EXISTS FOR ()-[r:SUGGESTS]-() ON (r.loadId);
CREATE INDEX investigates_loadid IF NOT EXISTS FOR ()-[r:INVESTIGATES]-() ON (r.loadId);
CREATE INDEX features_loadid IF NOT EXISTS FOR ()-[r:FEATURES]-() ON (r.loadId);
CREATE INDEX points_to_loadid IF NOT EXISTS FOR ()-[r:POINTS_TO]-() ON (r.loadId);
// Geotags by latitude: the update of a few series reads only the geotags within reach of
// theirs (links_geotags_near), not every geotag of the store.
CREATE INDEX media_lat IF NOT EXISTS FOR (n:Media) ON (n.lat);
CREATE INDEX geotagged_at_lat IF NOT EXISTS FOR ()-[r:GEOTAGGED_AT]-() ON (r.lat);
