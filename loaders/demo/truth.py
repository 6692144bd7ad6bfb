"""Ground truth, computed from what was actually written, and checked against what was planted.

Series pairs are derived from the data itself (media membership, EXIF, victims, accounts,
clues), the way the link engine should see them. Every cross-country pair found must be
explained by a plant; a pair that nothing planted is a generator bug and raises.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from . import vocab


@dataclass(slots=True)
class MediaRec:
    path: str  # relative to the world folder
    case_id: str
    series_id: str
    sha256: str
    md5: str
    sha1: str
    bytes: int
    width: int
    height: int
    mime: str
    role: str  # view | flat | stock | copy | near_dup | dup_effort
    make: str = ""
    model: str = ""
    serial: str = ""
    lat: float | None = None
    lon: float | None = None
    taken: str = ""


@dataclass(slots=True)
class Evidence:
    kinds: set[str] = field(default_factory=set)
    details: list[dict] = field(default_factory=list)

    def add(self, kind: str, detail: str) -> None:
        self.kinds.add(kind)
        if len([d for d in self.details if d["kind"] == kind]) < 5:
            self.details.append({"kind": kind, "detail": detail})


#: Clue labels that are common on purpose (decoys): they never make a planted pair.
COMMON_CLUES: frozenset[tuple[str, str]] = frozenset(
    [("fixture", vocab.WHITE_WALL)]
    + [("fixture", lbl.lower()) for lbl in vocab.SOCKET_LABELS.values()]
)


def _pairs(groups: dict[str, set[str]]) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for value, members in sorted(groups.items()):
        for a, b in combinations(sorted(members), 2):
            out[(a, b)].append(value)
    return out


def compute_pairs(
    media: list[MediaRec],
    series_countries: dict[str, tuple[str, ...]],
    victims: list[tuple[str, str]],  # (victim_id, series_id)
    clues: list[dict],  # rows of clues.csv
    accounts: list[dict],  # rows of accounts.csv
    near_dup_edges: list[tuple[str, str, str]],  # (sha_a, sha_b, detail)
    non_pertinent: set[str],
    scene_rooms: dict[str, str] | None = None,  # sha256 -> room, photos of one room
) -> dict[tuple[str, str], Evidence]:
    """Every series pair with evidence of any link kind (cross-country or not).

    ``scene_rooms`` names the room each photo of a multi-view room shows: series holding
    photos of one room are a ``same_scene`` pair (what the visual pass must find)."""
    members: dict[str, set[str]] = defaultdict(set)
    for m in media:
        members[m.sha256].add(m.series_id)
    ev: dict[tuple[str, str], Evidence] = defaultdict(Evidence)

    same_media = {sha: s for sha, s in members.items() if len(s) > 1 and sha not in non_pertinent}
    for (a, b), shas in _pairs(same_media).items():
        ev[(a, b)].add("same_media", f"{len(shas)} identical file(s), sha256 {shas[0][:16]}…")

    for sha_a, sha_b, detail in near_dup_edges:
        if sha_a in non_pertinent or sha_b in non_pertinent:
            continue
        for a in members[sha_a]:
            for b in members[sha_b]:
                if a != b:
                    ev[tuple(sorted((a, b)))].add("near_duplicate", detail)  # type: ignore[index]

    cams: dict[str, set[str]] = defaultdict(set)
    for m in media:
        if m.serial and m.sha256 not in non_pertinent:
            cams[f"{m.make}|{m.model}|{m.serial}"].add(m.series_id)
    for (a, b), vals in _pairs(cams).items():
        ev[(a, b)].add("same_camera", f"camera {vals[0]}")

    vic: dict[str, set[str]] = defaultdict(set)
    for vid, sid in victims:
        vic[vid].add(sid)
    for (a, b), vals in _pairs(vic).items():
        ev[(a, b)].add("same_victim", f"victim {', '.join(vals)}")

    rooms_seen: dict[str, set[str]] = defaultdict(set)
    for sha, room in (scene_rooms or {}).items():
        rooms_seen[room].update(members.get(sha, set()))
    for (a, b), vals in _pairs(rooms_seen).items():
        ev[(a, b)].add("same_scene", f"{vals[0]} photographed from other angles in both")

    acc: dict[str, set[str]] = defaultdict(set)
    for row in accounts:
        for sid in members.get(row["target"], set()):
            acc[f"{row['platform']}:{row['handle']}"].add(sid)
    for (a, b), vals in _pairs(acc).items():
        ev[(a, b)].add("same_account", f"account {vals[0]}")

    clue_groups: dict[str, set[str]] = defaultdict(set)
    place_groups: dict[str, set[str]] = defaultdict(set)
    for row in clues:
        targets = (
            {row["target"]} if row["target_kind"] == "series" else members.get(row["target"], set())
        )
        key = (row["type"], row["label"].strip().lower())
        if key not in COMMON_CLUES:
            clue_groups[f"{key[0]}:{key[1]}"].update(targets)
        if row["location_hint"]:
            place_groups[row["location_hint"].strip().lower()].update(targets)
    for (a, b), vals in _pairs(clue_groups).items():
        ev[(a, b)].add("shared_clue", f"clue {vals[0]}")
    for (a, b), vals in _pairs(place_groups).items():
        ev[(a, b)].add("same_location", f"clues point to {vals[0]}")

    pts = [
        (m.series_id, m.lat, m.lon)
        for m in media
        if m.lat is not None and m.sha256 not in non_pertinent
    ]
    if pts:
        sids = [p[0] for p in pts]
        lat = np.radians(np.array([p[1] for p in pts], dtype=np.float64))
        lon = np.radians(np.array([p[2] for p in pts], dtype=np.float64))
        for i in range(len(pts)):
            dlat = lat[i + 1 :] - lat[i]
            dlon = lon[i + 1 :] - lon[i]
            h = (
                np.sin(dlat / 2) ** 2
                + np.cos(lat[i]) * np.cos(lat[i + 1 :]) * np.sin(dlon / 2) ** 2
            )
            dist = 2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(1.0, h)))
            for j in np.nonzero(dist <= 1.0)[0]:
                b = sids[i + 1 + int(j)]
                if b != sids[i]:
                    key2 = tuple(sorted((sids[i], b)))
                    ev[key2].add("same_location", f"geotags {dist[j] * 1000:.0f} m apart")  # type: ignore[index]
    return dict(ev)


def cross_country(a: str, b: str, series_countries: dict[str, tuple[str, ...]]) -> bool:
    """A link is cross-country when no country owns a case on both series."""
    return not (set(series_countries[a]) & set(series_countries[b]))
