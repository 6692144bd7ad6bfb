"""Every label, relationship type and key property of the graph model, spelled once.

Labels and relationship types cannot be query parameters. Code that must vary one
picks it from the allow-lists here through :func:`label`, which returns it backticked and
raises ``ValueError`` for anything else (no code varies a relationship type today).
"""

from __future__ import annotations

from enum import StrEnum
from importlib import resources

#: Version of the graph model. 2: the estimated age band moved from the Victim to
#: ``(:Series)-[:FEATURES {ageBand}]->(:Victim)`` (:func:`graph.db.migrate` moves it).
SCHEMA_VERSION = 2
#: Oldest schema version a bundle may have; older data is migrated after the import.
MIN_SCHEMA_VERSION = 1


class Label(StrEnum):
    COUNTRY = "Country"
    AGENCY = "Agency"
    CASE = "Case"
    SERIES = "Series"
    MEDIA = "Media"
    CAMERA = "Camera"
    LOCATION = "Location"
    CLUE = "Clue"
    VICTIM = "Victim"
    ACCOUNT = "Account"
    HASHSET = "HashSet"
    LOAD = "Load"
    AUDIT_EVENT = "AuditEvent"
    JUDGEMENT = "Judgement"


class Rel(StrEnum):
    IN_COUNTRY = "IN_COUNTRY"
    OWNED_BY = "OWNED_BY"
    INVESTIGATES = "INVESTIGATES"
    CONTAINS = "CONTAINS"
    HOLDS = "HOLDS"
    TAKEN_WITH = "TAKEN_WITH"
    GEOTAGGED_AT = "GEOTAGGED_AT"
    SHOWS = "SHOWS"
    POINTS_TO = "POINTS_TO"
    FEATURES = "FEATURES"
    DEPICTS = "DEPICTS"
    SHARED_BY = "SHARED_BY"
    LISTS = "LISTS"
    NEAR_DUPLICATE = "NEAR_DUPLICATE"
    LINKED = "LINKED"
    # Visual pass (loaders/visual.py): derived from pixels, only numbers are stored.
    SAME_SCENE = "SAME_SCENE"
    SHARES_OBJECT = "SHARES_OBJECT"
    SUGGESTS = "SUGGESTS"
    REJECTED_SUGGESTION = "REJECTED_SUGGESTION"


#: The natural key of each label (uniqueness-constrained, written with MERGE).
KEYS: dict[Label, str] = {
    Label.COUNTRY: "code",
    Label.AGENCY: "id",
    Label.CASE: "id",
    Label.SERIES: "id",
    Label.MEDIA: "sha256",
    Label.CAMERA: "id",
    Label.LOCATION: "id",
    Label.CLUE: "id",
    Label.VICTIM: "id",
    Label.ACCOUNT: "id",
    Label.HASHSET: "id",
    Label.LOAD: "id",
    Label.AUDIT_EVENT: "id",
    Label.JUDGEMENT: "id",
}

#: Bookkeeping labels: derived state the engine keeps in the graph (the media indexes'
#: version, graph/indexversion.py; the stored clusters, graph/clusters.py). Not part of
#: the model: never exported in bundles, recomputed from the graph.
BOOKKEEPING_LABELS = ("IndexVersion", "Cluster", "ClusterRun")

#: Series properties the link engine writes (graph/clusters.py), for the default
#: parameters of the ``clusters`` lead.
SERIES_DERIVED = {
    "community": "Louvain community (K1, K2 ... largest first) among linked series",
    "component": "connected component (C1, C2 ... largest first) among linked series",
}

#: Secondary lookup indexes: (label, property).
INDEXES: list[tuple[Label, str]] = [
    (Label.MEDIA, "md5"),
    (Label.MEDIA, "sha1"),
    (Label.MEDIA, "pdq"),
    (Label.MEDIA, "phash"),
    (Label.MEDIA, "kind"),
    (Label.CLUE, "type"),
    (Label.LOCATION, "countryCode"),
    (Label.SERIES, "status"),
    (Label.SERIES, "community"),
    (Label.CASE, "status"),
    (Label.LOAD, "startedAt"),
    (Label.AUDIT_EVENT, "at"),
    (Label.AUDIT_EVENT, "user"),
]

SERIES_STATUSES = ("unidentified", "victim_identified", "closed")
CLUE_TYPES = (
    "object",
    "logo",
    "text",
    "language",
    "clothing",
    "furniture",
    "fixture",
    "vehicle",
    "landscape",
    "product",
    "audio",
    "other",
)
LINK_KINDS = (
    "same_media",
    "near_duplicate",
    "same_camera",
    "same_victim",
    "shared_clue",
    "same_location",
    "same_account",
    "same_scene",
    "shared_object",
)
#: Where a ``SUGGESTS`` comes from (the visual pass).
SUGGESTION_SOURCES = ("ocr", "language", "object")
JUDGEMENTS = ("confirmed", "rejected", "unsure")


def label(name: str) -> str:
    """Return ``name`` backticked if it is a known label.

    >>> label("Series")
    '`Series`'
    """
    if name not in Label._value2member_map_:
        raise ValueError(f"unknown label: {name!r}")
    return f"`{name}`"


def schema_statements() -> list[str]:
    """The statements of ``schema.cypher``, in order (all ``IF NOT EXISTS``)."""
    text = resources.files("graph").joinpath("schema.cypher").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.strip().startswith("//")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


#: Media properties beyond the spec's table, written by the media loader and read by the
#: link engine. Hashes are lowercase hex; lists are Neo4j lists of strings.
MEDIA_EXTRA = {
    "pdqVariants": "the 8 dihedral PDQ hashes (index 0 = as stored): rotations and mirrors",
    "pdqTrimmed": "PDQ after trimming uniform borders (screenshots), when a border was trimmed",
    "pdqTrimmedQuality": "quality of pdqTrimmed",
    "pdqCrops": "PDQ hashes of standard crops, so crops up to 10 % still match",
    "software": "EXIF Software",
    "orientation": "EXIF Orientation (1-8)",
    "lat": "EXIF GPS latitude, signed decimal degrees",
    "lon": "EXIF GPS longitude, signed decimal degrees",
    "serial": "camera serial from EXIF or a maker note, as ExifTool reads it (also on the Camera)",
    "lensSerial": "lens serial number (EXIF LensSerialNumber or a maker note's)",
    "ownerName": "camera owner name the camera writes (EXIF OwnerName or a maker note's)",
    "frames": "video only: PDQ hashes (64 hex) of the frames sampled at CLUEGRAPH_VIDEO_FPS",
    "frameQualities": "video only: PDQ quality (0-100) of each sampled frame, as frames",
    "frameTimes": "video only: seconds from the clip's start of each sampled frame, as frames",
    "durationSeconds": "video only: duration from the container (else the last packet's end)",
    "videoCodec": "video only: FFmpeg codec name of the video stream (h264, hevc, vp9 ...)",
    "frameRate": "video only: average frames per second of the video stream",
    "rotation": "video only: display rotation in degrees phones record (pixels hashed unrotated)",
    "nonPertinent": "true when a hash set lists it as non-pertinent: it never creates links",
    "visualVersion": "visual pass: version of the analysis done (null = not analysed yet)",
    "visualAt": "visual pass: when the file was analysed (ISO 8601)",
    "visualNote": "visual pass: why (part of) the file could not be analysed, if so",
}
