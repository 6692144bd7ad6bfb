"""A small synthetic graph that follows the SPEC model, for the app's tests.

Four countries, five cases, five series, nine media (one file on disk for the
thumbnail), a camera shared across two countries, clues (a rare logo in two countries,
a socket pointing to another country), victims, places, loads with errors, links
with evidence and judgements, and audit events. ``EXPECTED`` holds the numbers the
pages must show. Everything here is invented.
"""

from __future__ import annotations

import json
from pathlib import Path

from graph import db

SHA = {n: f"{n:x}".rjust(2, "0") * 32 for n in range(1, 10)}  # 64 hex chars each
MD5 = {n: f"{n:x}".rjust(2, "0") * 16 for n in range(1, 10)}
SHA1 = {n: f"{n:x}".rjust(2, "0") * 20 for n in range(1, 10)}

EXPECTED = {
    "cases": 5,
    "series": 5,
    "media": 9,
    "identifiedVictims": 1,
    "countries": 4,
    "crossCountryLinks": 2,  # the rejected one is left out
    "links": 4,
    "places": 2,
    "clues": 4,
    "loads": 2,
    "audit_events": 3,
}

_EVIDENCE_FR_DE = [
    {"kind": "same_media", "detail": f"1 identical file, sha256 {SHA[3][:16]}…"},
    {"kind": "shared_clue", "detail": "clue logo:kalimba coffee"},
    {"kind": "same_victim", "detail": "victim V-2"},
]
_EVIDENCE_FR_GB = [{"kind": "same_camera", "detail": "camera canon|eos 5d|SN-12345"}]
_EVIDENCE_FR_FR = [{"kind": "shared_clue", "detail": "clue furniture:red armchair"}]
_EVIDENCE_DE_NL = [{"kind": "same_location", "detail": "geotags 300 m apart"}]

SEED = """
UNWIND $countries AS c
MERGE (:Country {code: c.code, name: c.name});
UNWIND $agencies AS a
MATCH (co:Country {code: a.country})
MERGE (ag:Agency {id: a.id}) SET ag.name = a.name
MERGE (ag)-[:IN_COUNTRY]->(co);
UNWIND $cases AS k
MATCH (ag:Agency {id: k.agency})
MERGE (c:Case {id: k.id}) SET c.title = k.title, c.status = k.status, c.opened = date(k.opened)
MERGE (c)-[:OWNED_BY]->(ag);
UNWIND $series AS s
MERGE (x:Series {id: s.id}) SET x.name = s.name, x.status = s.status
WITH x, s
UNWIND s.cases AS cid
MATCH (c:Case {id: cid})
MERGE (c)-[:INVESTIGATES]->(x);
UNWIND $media AS m
MERGE (x:Media {sha256: m.sha256})
SET x.md5 = m.md5, x.sha1 = m.sha1, x.kind = 'image', x.fileName = m.fileName,
    x.path = m.path, x.width = 640, x.height = 480, x.bytes = 12345, x.mime = 'image/jpeg',
    x.make = m.make, x.model = m.model, x.capturedAt = m.capturedAt,
    x.pdq = m.pdq, x.pdqQuality = 100, x.phash = m.phash, x.lat = m.lat, x.lon = m.lon
WITH x, m
UNWIND m.series AS sid
MATCH (s:Series {id: sid})<-[:INVESTIGATES]-(c:Case)
MERGE (s)-[:CONTAINS]->(x)
MERGE (c)-[:HOLDS]->(x);
MERGE (cam:Camera {id: 'canon|eos 5d|SN-12345'})
SET cam.make = 'Canon', cam.model = 'EOS 5D', cam.serial = 'SN-12345'
WITH cam
UNWIND $cameraMedia AS sha
MATCH (m:Media {sha256: sha})
MERGE (m)-[:TAKEN_WITH]->(cam);
UNWIND $locations AS l
MATCH (co:Country {code: l.countryCode})
MERGE (x:Location {id: l.id})
SET x.name = l.name, x.admin1 = l.admin1, x.countryCode = l.countryCode, x.lat = l.lat,
    x.lon = l.lon, x.kind = l.kind
MERGE (x)-[:IN_COUNTRY]->(co);
UNWIND $geotags AS g
MATCH (m:Media {sha256: g.sha256}), (l:Location {id: g.location})
MERGE (m)-[r:GEOTAGGED_AT]->(l) SET r.lat = l.lat, r.lon = l.lon;
UNWIND $clues AS c
MERGE (x:Clue {id: c.id}) SET x.type = c.type, x.value = c.value, x.label = c.label
WITH x, c
UNWIND c.media AS sha
MATCH (m:Media {sha256: sha})
MERGE (m)-[r:SHOWS]->(x) SET r.analyst = 'alice', r.confidence = 0.9, r.notedAt = '2024-04-01';
UNWIND $seriesClues AS c
MATCH (x:Clue {id: c.clue}), (s:Series {id: c.series})
MERGE (s)-[r:SHOWS]->(x) SET r.analyst = 'bob', r.confidence = 0.7, r.notedAt = '2024-04-02';
MATCH (c:Clue {id: 'fixture:socket type g'}), (co:Country {code: 'GB'})
MERGE (c)-[:POINTS_TO {confidence: 0.8}]->(co);
MATCH (c:Clue {id: 'text:bristol'}), (l:Location {id: 'geo:bristol'})
MERGE (c)-[:POINTS_TO {confidence: 0.6}]->(l);
UNWIND $victims AS v
MERGE (x:Victim {id: v.id})
SET x.identified = v.identified, x.sex = v.sex,
    x.identifiedBy = v.identifiedBy
WITH x, v
UNWIND v.series AS sid
MATCH (s:Series {id: sid})
MERGE (s)-[f:FEATURES]->(x) SET f.ageBand = v.ageBand;
UNWIND $links AS l
MATCH (a:Series {id: l.a}), (b:Series {id: l.b})
MERGE (a)-[r:LINKED]->(b)
SET r.score = l.score, r.kinds = l.kinds, r.evidence = l.evidence,
    r.crossCountry = l.crossCountry, r.computedAt = datetime('2024-06-01T10:00:00Z'),
    r.judgement = l.judgement, r.judgedBy = l.judgedBy,
    r.judgedAt = CASE WHEN l.judgement IS NULL THEN NULL
                      ELSE datetime('2024-06-02T09:00:00Z') END;
UNWIND $loads AS l
MERGE (x:Load {id: l.id})
SET x.kind = l.kind, x.source = l.source, x.startedAt = l.startedAt,
    x.finishedAt = l.finishedAt, x.status = l.status, x.read = l.read, x.written = l.written,
    x.skipped = l.skipped, x.errors = l.errors, x.errorCount = size(l.errors);
UNWIND $audit AS e
MERGE (x:AuditEvent {id: e.id})
SET x.at = datetime(e.at), x.user = e.user, x.action = e.action, x.parameters = e.params,
    x.outcome = 'ok', x.resultCount = e.resultCount
"""


def data(image_path: Path | None = None) -> dict:
    def media(n, series, name, taken, make="", model="", lat=None, lon=None, path=None):
        return {
            "sha256": SHA[n],
            "md5": MD5[n],
            "sha1": SHA1[n],
            "series": series,
            "fileName": name,
            "path": path or f"/nonexistent/{name}",
            "capturedAt": taken,
            "make": make or None,
            "model": model or None,
            "pdq": f"{n:x}" * 64,
            "phash": f"{n:x}" * 16,
            "lat": lat,
            "lon": lon,
        }

    img = str(image_path) if image_path else None
    return {
        "countries": [
            {"code": "FR", "name": "France"},
            {"code": "DE", "name": "Germany"},
            {"code": "GB", "name": "United Kingdom"},
            {"code": "NL", "name": "Netherlands"},
        ],
        "agencies": [
            {"id": "FR-OCRVP", "name": "Office central mineurs", "country": "FR"},
            {"id": "DE-BKA", "name": "Bundeskriminalamt SO12", "country": "DE"},
            {"id": "GB-NCA", "name": "National Crime Agency VIU", "country": "GB"},
            {"id": "NL-NP", "name": "Politie TBKK", "country": "NL"},
        ],
        "cases": [
            {
                "id": "C-FR-1",
                "title": "Seizure Lyon",
                "status": "open",
                "opened": "2024-01-10",
                "agency": "FR-OCRVP",
            },
            {
                "id": "C-FR-2",
                "title": "Platform report",
                "status": "open",
                "opened": "2024-02-01",
                "agency": "FR-OCRVP",
            },
            {
                "id": "C-DE-1",
                "title": "Forum takedown",
                "status": "open",
                "opened": "2024-03-05",
                "agency": "DE-BKA",
            },
            {
                "id": "C-GB-1",
                "title": "Device extraction",
                "status": "closed",
                "opened": "2023-06-01",
                "agency": "GB-NCA",
            },
            {
                "id": "C-NL-1",
                "title": "Hash hit",
                "status": "open",
                "opened": "2024-05-01",
                "agency": "NL-NP",
            },
        ],
        "series": [
            {"id": "S-FR-1", "name": "Blue room", "status": "unidentified", "cases": ["C-FR-1"]},
            {"id": "S-FR-2", "name": "Stairs", "status": "closed", "cases": ["C-FR-2"]},
            {"id": "S-DE-1", "name": "Poster wall", "status": "unidentified", "cases": ["C-DE-1"]},
            {
                "id": "S-GB-1",
                "name": "Garden shed",
                "status": "victim_identified",
                "cases": ["C-GB-1"],
            },
            {"id": "S-NL-1", "name": "Kitchen", "status": "unidentified", "cases": ["C-NL-1"]},
        ],
        "media": [
            media(1, ["S-FR-1"], "fr_001.jpg", "2023-11-02T10:00:00", "Canon", "EOS 5D", path=img),
            media(2, ["S-FR-1"], "fr_002.jpg", "2023-11-02T10:05:00", "Canon", "EOS 5D"),
            media(3, ["S-FR-1", "S-DE-1"], "shared.jpg", "2023-11-03T09:00:00"),
            media(4, ["S-DE-1"], "de_001.jpg", "2024-01-20T12:00:00", "Sony", "A7"),
            media(
                5,
                ["S-GB-1"],
                "gb_001.jpg",
                "2023-05-01T08:00:00",
                "Canon",
                "EOS 5D",
                51.4545,
                -2.5879,
            ),
            media(
                6,
                ["S-GB-1"],
                "gb_002.jpg",
                "2023-05-01T08:10:00",
                "Canon",
                "EOS 5D",
                51.4550,
                -2.5870,
            ),
            media(7, ["S-NL-1"], "nl_001.jpg", "2024-04-11T15:00:00"),
            media(8, ["S-FR-2"], "fr2_001.jpg", "2024-01-15T16:00:00"),
            media(9, ["S-FR-2"], "fr2_002.jpg", "2024-01-15T16:02:00"),
        ],
        "cameraMedia": [SHA[1], SHA[2], SHA[5], SHA[6]],
        "locations": [
            {
                "id": "geo:bristol",
                "name": "Bristol",
                "admin1": "England",
                "countryCode": "GB",
                "lat": 51.4545,
                "lon": -2.5879,
                "kind": "gps",
            },
            {
                "id": "geo:lyon",
                "name": "Lyon",
                "admin1": "Auvergne-Rhône-Alpes",
                "countryCode": "FR",
                "lat": 45.75,
                "lon": 4.85,
                "kind": "place",
            },
        ],
        "geotags": [
            {"sha256": SHA[5], "location": "geo:bristol"},
            {"sha256": SHA[6], "location": "geo:bristol"},
        ],
        "clues": [
            {
                "id": "logo:kalimba coffee",
                "type": "logo",
                "value": "kalimba coffee",
                "label": "Kalimba Coffee",
                "media": [SHA[1], SHA[4]],
            },
            {
                "id": "fixture:socket type g",
                "type": "fixture",
                "value": "socket type g",
                "label": "Socket type G",
                "media": [SHA[2]],
            },
            {
                "id": "furniture:red armchair",
                "type": "furniture",
                "value": "red armchair",
                "label": "Red armchair",
                "media": [SHA[1], SHA[8]],
            },
            {
                "id": "text:bristol",
                "type": "text",
                "value": "bristol",
                "label": "Bristol",
                "media": [SHA[5]],
            },
        ],
        "seriesClues": [{"clue": "logo:kalimba coffee", "series": "S-DE-1"}],
        "victims": [
            {
                "id": "V-1",
                "identified": True,
                "identifiedBy": "GB-NCA",
                "ageBand": "8-10",
                "sex": "F",
                "series": ["S-GB-1"],
            },
            {
                "id": "V-2",
                "identified": False,
                "identifiedBy": None,
                "ageBand": "5-7",
                "sex": "M",
                "series": ["S-FR-1", "S-DE-1"],
            },
        ],
        "links": [
            {
                "a": "S-DE-1",
                "b": "S-FR-1",
                "score": 3.5,
                "kinds": ["same_media", "same_victim", "shared_clue"],
                "evidence": json.dumps(_EVIDENCE_FR_DE),
                "crossCountry": True,
                "judgement": None,
                "judgedBy": None,
            },
            {
                "a": "S-FR-1",
                "b": "S-GB-1",
                "score": 2.0,
                "kinds": ["same_camera"],
                "evidence": json.dumps(_EVIDENCE_FR_GB),
                "crossCountry": True,
                "judgement": "confirmed",
                "judgedBy": "alice",
            },
            {
                "a": "S-FR-1",
                "b": "S-FR-2",
                "score": 1.0,
                "kinds": ["shared_clue"],
                "evidence": json.dumps(_EVIDENCE_FR_FR),
                "crossCountry": False,
                "judgement": None,
                "judgedBy": None,
            },
            {
                "a": "S-DE-1",
                "b": "S-NL-1",
                "score": 0.5,
                "kinds": ["same_location"],
                "evidence": json.dumps(_EVIDENCE_DE_NL),
                "crossCountry": True,
                "judgement": "rejected",
                "judgedBy": "bob",
            },
        ],
        "loads": [
            {
                "id": "cases-aaa",
                "kind": "cases",
                "source": "cases.csv",
                "startedAt": "2024-06-01T09:00:00Z",
                "finishedAt": "2024-06-01T09:00:02Z",
                "status": "done",
                "read": 5,
                "written": 5,
                "skipped": 0,
                "errors": [],
            },
            {
                "id": "clues-bbb",
                "kind": "clues",
                "source": "clues.csv",
                "startedAt": "2024-06-01T09:05:00Z",
                "finishedAt": "2024-06-01T09:05:01Z",
                "status": "partial",
                "read": 6,
                "written": 5,
                "skipped": 1,
                "errors": ["clues.csv line 4, field type: unknown clue type (got 'colour')"],
            },
        ],
        "audit": [
            {
                "id": "ev-1",
                "at": "2024-06-03T10:00:00Z",
                "user": "alice",
                "action": "series_view",
                "params": '{"series": "S-FR-1"}',
                "resultCount": 1,
            },
            {
                "id": "ev-2",
                "at": "2024-06-03T11:00:00Z",
                "user": "bob",
                "action": "lead_run",
                "params": '{"lead": "cross-country"}',
                "resultCount": 3,
            },
            {
                "id": "ev-3",
                "at": "2024-06-03T12:00:00Z",
                "user": "alice",
                "action": "console_query",
                "params": '{"query": "MATCH (n) RETURN n"}',
                "resultCount": 10,
            },
        ],
    }


def seed(driver, image_path: Path | None = None) -> dict:
    """Write the seed graph; return its data."""
    d = data(image_path)
    for stmt in SEED.split(";"):
        if stmt.strip():
            db.write(driver, stmt, d, name="test.seed")
    return d
