"""Settings, read once from ``CLUEGRAPH_*`` environment variables, ``NEO4J_*`` and ``.env``.

There is no default password: the local server gets a generated one, kept in
``.cluegraph/neo4j-password`` (mode 0600); a remote server (``NEO4J_URI``) needs
``NEO4J_USER`` and ``NEO4J_PASSWORD``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path(os.environ.get("CLUEGRAPH_HOME", Path.cwd() / ".cluegraph"))


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cluegraph"


class Settings(BaseSettings):
    """Every setting ClueGraph reads. The README's configuration table mirrors this class."""

    model_config = SettingsConfigDict(
        env_prefix="CLUEGRAPH_", env_file=".env", extra="ignore", populate_by_name=True
    )

    home: Path = Field(default_factory=_default_home, description="State dir: data, logs, secrets")
    cache_dir: Path = Field(
        default_factory=_default_cache, description="Neo4j jars and gazetteer table cache"
    )
    neo4j_version: str = Field("5.26.30", description="Neo4j Community release from Maven Central")
    bolt_port: int = Field(7687, description="Bolt port of the local server (loopback only)")
    http_port: int = Field(0, description="HTTP port of the local server on loopback; 0 = off")
    heap: str = Field("1g", description="Java heap of the local server")
    pagecache: str = Field("1g", description="Page cache of the local server")
    java_home: Path | None = Field(None, description="JDK to run the local server (17 or 21)")
    neo4j_uri: str | None = Field(None, validation_alias="NEO4J_URI")
    neo4j_user: str | None = Field(None, validation_alias="NEO4J_USER")
    neo4j_password: SecretStr | None = Field(None, validation_alias="NEO4J_PASSWORD")
    neo4j_database: str = Field("neo4j", validation_alias="NEO4J_DATABASE")
    query_timeout: float = Field(30.0, description="Seconds before a read query is cancelled")
    row_limit: int = Field(500, description="Rows a query returns before it is truncated")
    batch_size: int = Field(2000, description="Rows per UNWIND batch in loaders")
    tile_url: str | None = Field(None, description="Map tile URL template; none = offline map")
    users_file: Path | None = Field(None, description="Users and roles file (default: home)")
    auth_header: str | None = Field(None, description="Trusted proxy header carrying the user")
    session_minutes: int = Field(30, description="Idle minutes before an app session ends")
    # Link engine (graph/links.py, graph/neardup.py; docs/links.md gives the reasons).
    pdq_radius: int = Field(31, description="Near-duplicate: PDQ distance at or below this")
    phash_radius: int = Field(8, description="pHash distance at or below this is a candidate")
    pdq_min_quality: int = Field(50, description="PDQ quality below this never links (flat)")
    phash_confirm_pdq: int = Field(
        56, description="A pHash candidate counts when its best PDQ distance is at or below this"
    )
    link_weight_same_media: float = Field(1.0, description="Score weight: identical file")
    link_weight_near_duplicate: float = Field(0.9, description="Score weight: near-duplicate")
    link_weight_same_camera: float = Field(0.8, description="Score weight: same camera serial")
    link_weight_same_victim: float = Field(1.0, description="Score weight: same victim id")
    link_weight_shared_clue: float = Field(0.5, description="Score weight: shared rare clue")
    link_weight_same_location: float = Field(0.6, description="Score weight: same place")
    link_weight_same_account: float = Field(0.5, description="Score weight: same account")
    link_weight_same_scene: float = Field(
        0.9, description="Score weight: the same room, verified over the frame (visual pass)"
    )
    link_weight_shared_object: float = Field(
        0.2, description="Score weight: one object (a product) in both, not the room"
    )
    link_clue_ubiquity: int = Field(
        20, description="A clue or place on this many series or more weighs nothing"
    )
    link_location_km: float = Field(1.0, description="Geotags this close (km) are one place")
    link_min_score: float = Field(0.3, description="Default minimum score of the leads")
    link_keep_score: float = Field(0.1, description="Links scoring below this are not stored")
    link_evidence_per_kind: int = Field(10, description="Evidence items kept per link kind")
    # Videos (media/video.py): frame sampling for the vPDQ-style fingerprint.
    video_fps: float = Field(1.0, gt=0, description="Video frames sampled per second")
    video_max_frames: int = Field(
        3600, ge=1, description="Samples kept per clip at most; longer clips are spread"
    )
    video_time_limit: float = Field(120.0, gt=0, description="Seconds to analyse one video")
    video_max_duration: float = Field(
        86400.0, gt=0, description="A video declaring a longer duration (s) is refused"
    )
    # Video matching (graph/videomatch.py; docs/links.md gives the reasons).
    video_frame_radius: int = Field(31, description="Two clips' frames match at this PDQ distance")
    video_match_percent: float = Field(
        50.0, description="Clips link when this share (%) of either's frames match the other"
    )
    video_match_frames: int = Field(
        10, description="... or when this many frames of each match (a long shared stretch)"
    )
    # Visual pass (loaders/visual.py; docs/visual.md gives the reasons).
    visual_video_frames: int = Field(
        4, ge=0, description="Frames of each video analysed by the visual pass"
    )
    visual_max_bytes: int = Field(
        200_000_000, gt=0, description="Pictures larger than this (bytes) are not analysed"
    )
    visual_scene_candidates: int = Field(
        50, ge=1, description="Index candidates verified per picture for same scene"
    )
    visual_language_share: float = Field(
        0.25,
        ge=0,
        le=1,
        description="A language points to countries where its share is at least this",
    )
    visual_language_countries: int = Field(
        5, ge=1, description="A language points to at most this many countries"
    )
    visual_min_language_confidence: float = Field(
        0.3, ge=0, le=1, description="A language guess below this confidence is not proposed"
    )
    # Access (graph/auth.py, docs/security.md).
    demo: bool = Field(
        False, description="Training deployment: trainer accounts may act (demo world only)"
    )

    @field_validator("home", "cache_dir", "users_file", mode="after")
    @classmethod
    def _absolute(cls, v: Path | None) -> Path | None:
        return v.expanduser().resolve() if v is not None else None

    @property
    def remote(self) -> bool:
        return bool(self.neo4j_uri)

    @property
    def local_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment)."""
    get_settings.cache_clear()
