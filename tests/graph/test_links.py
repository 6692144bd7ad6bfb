"""The link engine on hand-built graphs (the model of the spec), one fact per test.

``World`` writes countries, agencies, cases, series, media, cameras, clues, places,
victims and accounts with Cypher, each node and relationship stamped with a ``loadId``
as the loaders do, so that incremental updates can be compared with full rebuilds.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass

import pytest

from graph import db, link_scoring, links
from graph.config import get_settings

pytestmark = pytest.mark.neo4j


# ----------------------------------------------------------------------------- helpers


def rand_hex(rng: random.Random, bits: int = 256) -> str:
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def flip(code: str, n: int, rng: random.Random) -> str:
    """``code`` with ``n`` distinct bits flipped."""
    bits = len(code) * 4
    v = int(code, 16)
    for b in rng.sample(range(bits), n):
        v ^= 1 << b
    return f"{v:0{len(code)}x}"


def sha(name: str) -> str:
    import hashlib

    return hashlib.sha256(name.encode()).hexdigest()


@dataclass
class World:
    driver: object
    load: str = "L1"

    def run(self, query: str, **params) -> None:
        db.write(
            self.driver,
            query,
            {**params, "loadId": self.load, "source": "test", "loadedAt": "2024-01-01T00:00:00Z"},
            name="test.world",
        )
        # Like every write path (graph/indexversion.py): the media indexes' version moves,
        # and the load records the versions it produced.
        db.write(
            self.driver,
            "MERGE (l:Load {id: $loadId}) WITH l "
            "MERGE (v:IndexVersion {name: 'media'}) "
            "ON CREATE SET v.epoch = randomUUID(), v.version = 0 "
            "SET v.version = v.version + 1 "
            "SET l.indexVersionBegin = coalesce(l.indexVersionBegin, v.version), "
            "l.indexVersionFinish = v.version",
            {"loadId": self.load},
            name="test.world.version",
        )

    def finish_load(self, at: str = "2024-01-01T00:00:01Z") -> None:
        self.run("MERGE (l:Load {id: $loadId}) SET l.kind = 'test', l.finishedAt = $at", at=at)

    def series(self, sid: str, country: str, *, agency: str | None = None, status="unidentified"):
        agency = agency or f"AG-{country}"
        self.run(
            """
            MERGE (co:Country {code: $country})
            MERGE (a:Agency {id: $agency}) ON CREATE SET a.name = $agency, a.loadId = $loadId
            MERGE (a)-[ia:IN_COUNTRY]->(co) ON CREATE SET ia.loadId = $loadId
            MERGE (c:Case {id: $case}) ON CREATE SET c.title = $case, c.status = 'open',
                  c.loadId = $loadId
            MERGE (c)-[o:OWNED_BY]->(a) ON CREATE SET o.loadId = $loadId
            MERGE (s:Series {id: $sid}) ON CREATE SET s.name = $sid, s.loadId = $loadId
            SET s.status = $status
            MERGE (c)-[i:INVESTIGATES]->(s) ON CREATE SET i.loadId = $loadId
            """,
            country=country,
            agency=agency,
            case=f"CASE-{sid}",
            sid=sid,
            status=status,
        )

    def add_case(self, sid: str, country: str, agency: str | None = None) -> None:
        """Another agency's case on an existing series."""
        agency = agency or f"AG-{country}"
        self.run(
            """
            MERGE (co:Country {code: $country})
            MERGE (a:Agency {id: $agency}) ON CREATE SET a.name = $agency, a.loadId = $loadId
            MERGE (a)-[ia:IN_COUNTRY]->(co) ON CREATE SET ia.loadId = $loadId
            MERGE (c:Case {id: $case}) ON CREATE SET c.status = 'open', c.loadId = $loadId
            MERGE (c)-[o:OWNED_BY]->(a) ON CREATE SET o.loadId = $loadId
            WITH c MATCH (s:Series {id: $sid})
            MERGE (c)-[i:INVESTIGATES]->(s) ON CREATE SET i.loadId = $loadId
            """,
            country=country,
            agency=agency,
            case=f"CASE-{sid}-{agency}",
            sid=sid,
        )

    def media(
        self,
        name: str,
        series: tuple[str, ...] | str = (),
        *,
        pdq: str | None = None,
        quality: int = 90,
        variants: list[str] | None = None,
        trimmed: str | None = None,
        crops: list[str] | None = None,
        phash: str | None = None,
        lat: float | None = None,
        lon: float | None = None,
        camera: str | None = None,
        account: str | None = None,
        md5: str | None = None,
        captured: str | None = None,
        non_pertinent: bool = False,
    ) -> str:
        series = (series,) if isinstance(series, str) else series
        h = sha(name)
        self.run(
            """
            MERGE (m:Media {sha256: $sha})
            SET m.kind = 'image', m.fileName = $name, m.md5 = $md5, m.pdq = $pdq,
                m.pdqQuality = $quality, m.pdqVariants = $variants, m.pdqTrimmed = $trimmed,
                m.pdqTrimmedQuality = CASE WHEN $trimmed IS NULL THEN NULL ELSE $quality END,
                m.pdqCrops = $crops, m.phash = $phash, m.lat = $lat, m.lon = $lon,
                m.capturedAt = $captured, m.loadId = $loadId,
                m.nonPertinent = CASE WHEN $np THEN true ELSE NULL END
            WITH m
            UNWIND $series AS sid
            MATCH (s:Series {id: sid})
            MERGE (s)-[r:CONTAINS]->(m) ON CREATE SET r.loadId = $loadId
            WITH DISTINCT m
            MATCH (s:Series)-[:CONTAINS]->(m)
            MATCH (c:Case)-[:INVESTIGATES]->(s)
            MERGE (c)-[h:HOLDS]->(m) ON CREATE SET h.loadId = $loadId
            """,
            sha=h,
            name=f"{name}.jpg",
            md5=md5,
            pdq=pdq,
            quality=quality if pdq else None,
            variants=variants,
            trimmed=trimmed,
            crops=crops,
            phash=phash,
            lat=lat,
            lon=lon,
            captured=captured,
            np=non_pertinent,
            series=list(series),
        )
        if camera:
            make, model, serial = camera.split("|")
            self.run(
                """
                MERGE (c:Camera {id: $id}) ON CREATE SET c.make = $make, c.model = $model,
                      c.serial = $serial, c.loadId = $loadId
                WITH c MATCH (m:Media {sha256: $sha})
                MERGE (m)-[t:TAKEN_WITH]->(c) ON CREATE SET t.loadId = $loadId
                """,
                id=camera.lower(),
                make=make,
                model=model,
                serial=serial,
                sha=h,
            )
        if account:
            platform, handle = account.split(":")
            self.run(
                """
                MERGE (a:Account {id: $id}) ON CREATE SET a.platform = $platform,
                      a.handle = $handle, a.loadId = $loadId
                WITH a MATCH (m:Media {sha256: $sha})
                MERGE (m)-[r:SHARED_BY]->(a) ON CREATE SET r.loadId = $loadId
                """,
                id=account,
                platform=platform,
                handle=handle,
                sha=h,
            )
        return h

    def clue(
        self,
        label: str,
        *,
        type: str = "object",
        series: tuple[str, ...] = (),
        media: tuple[str, ...] = (),
        points_to: str | None = None,
    ) -> str:
        cid = f"{type}:{label.lower()}"
        self.run(
            """
            MERGE (c:Clue {id: $cid}) ON CREATE SET c.type = $type, c.value = toLower($label),
                  c.label = $label, c.loadId = $loadId
            WITH c
            CALL (c) {
              UNWIND $series AS sid MATCH (s:Series {id: sid})
              MERGE (s)-[r:SHOWS]->(c) ON CREATE SET r.loadId = $loadId
            }
            CALL (c) {
              UNWIND $media AS h MATCH (m:Media {sha256: h})
              MERGE (m)-[r:SHOWS]->(c) ON CREATE SET r.loadId = $loadId
            }
            """,
            cid=cid,
            type=type,
            label=label,
            series=list(series),
            media=list(media),
        )
        if points_to:
            self.run(
                """
                MATCH (c:Clue {id: $cid}) MATCH (l:Location {id: $lid})
                MERGE (c)-[p:POINTS_TO]->(l) ON CREATE SET p.confidence = 0.8,
                      p.loadId = $loadId
                """,
                cid=cid,
                lid=points_to,
            )
        return cid

    def place(self, lid: str, name: str, country: str, lat: float, lon: float) -> None:
        self.run(
            """
            MERGE (co:Country {code: $country})
            MERGE (l:Location {id: $lid}) ON CREATE SET l.name = $name,
                  l.countryCode = $country, l.lat = $lat, l.lon = $lon, l.kind = 'place',
                  l.loadId = $loadId
            MERGE (l)-[r:IN_COUNTRY]->(co)
            """,
            lid=lid,
            name=name,
            country=country,
            lat=lat,
            lon=lon,
        )

    def geotag(self, media_sha: str, lid: str, lat: float, lon: float) -> None:
        self.run(
            """
            MATCH (m:Media {sha256: $sha}) MATCH (l:Location {id: $lid})
            MERGE (m)-[g:GEOTAGGED_AT]->(l) SET g.lat = $lat, g.lon = $lon, g.loadId = $loadId
            """,
            sha=media_sha,
            lid=lid,
            lat=lat,
            lon=lon,
        )

    def victim(self, vid: str, series: tuple[str, ...], identified: bool = False) -> None:
        self.run(
            """
            MERGE (v:Victim {id: $vid}) SET v.identified = $identified, v.loadId = $loadId
            WITH v UNWIND $series AS sid MATCH (s:Series {id: sid})
            MERGE (s)-[f:FEATURES]->(v) ON CREATE SET f.loadId = $loadId
            """,
            vid=vid,
            identified=identified,
            series=list(series),
        )

    def mark_non_pertinent(self, media_sha: str, hashset: str = "HS-benign") -> None:
        self.run(
            """
            MERGE (h:HashSet {id: $hs}) ON CREATE SET h.name = $hs
            WITH h MATCH (m:Media {sha256: $sha})
            SET m.nonPertinent = true
            MERGE (h)-[r:LISTS]->(m) SET r.category = 'non-pertinent', r.loadId = $loadId
            """,
            hs=hashset,
            sha=media_sha,
        )

    def hashset(
        self,
        hs: str,
        media: tuple[str, ...] = (),
        *,
        pdq_radius: int | None = None,
        phash_radius: int | None = None,
        non_pertinent: bool = False,
    ) -> None:
        """A hash set written by this load (as the VICS loader does), listing ``media``."""
        self.run(
            """
            MERGE (h:HashSet {id: $hs})
            SET h.name = $hs, h.pdqRadius = $pdq, h.phashRadius = $ph,
                h.nonPertinent = $np, h.loadId = $loadId
            WITH h UNWIND $media AS sha MATCH (m:Media {sha256: sha})
            MERGE (h)-[r:LISTS]->(m) SET r.category = 1, r.nonPertinent = false,
                  r.loadId = $loadId
            FOREACH (_ IN CASE WHEN $np THEN [1] ELSE [] END | SET m.nonPertinent = true)
            """,
            hs=hs,
            pdq=pdq_radius,
            ph=phash_radius,
            np=non_pertinent,
            media=list(media),
        )


def stored_links(driver) -> dict[tuple[str, str], dict]:
    rows = db.records(
        driver,
        "MATCH (a:Series)-[l:LINKED]->(b:Series) RETURN a.id AS a, b.id AS b, properties(l) AS p",
        name="test.links",
    )
    out = {}
    for r in rows:
        p = dict(r["p"])
        p.pop("computedAt", None)
        p["evidence"] = json.loads(p["evidence"])
        out[(r["a"], r["b"])] = p
    return out


def stored_neardups(driver) -> dict[tuple[str, str], dict]:
    rows = db.records(
        driver,
        "MATCH (a:Media)-[r:NEAR_DUPLICATE]->(b:Media) RETURN a.sha256 AS a, b.sha256 AS b, "
        "properties(r) AS p",
        name="test.nd",
    )
    return {(r["a"], r["b"]): dict(r["p"]) for r in rows}


def link(driver, a: str, b: str) -> dict | None:
    return stored_links(driver).get(link_scoring.pair(a, b))


@pytest.fixture
def world(driver) -> World:
    return World(driver)


RNG = random.Random(4)
A_PDQ = rand_hex(RNG)
B_PDQ = rand_hex(RNG)


# ----------------------------------------------------------------------------- same_media


def test_shared_file_links_series_of_two_countries(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.media("holiday", ("S-FR", "S-DE"))
    links.rebuild(driver)
    assert link(driver, "S-FR", "S-DE")["kinds"] == ["same_media"]


def test_shared_file_link_is_cross_country(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.media("holiday", ("S-FR", "S-DE"))
    links.rebuild(driver)
    assert link(driver, "S-FR", "S-DE")["crossCountry"] is True


def test_shared_file_evidence_names_the_file(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    h = world.media("holiday", ("S-FR", "S-DE"))
    links.rebuild(driver)
    ev = link(driver, "S-FR", "S-DE")["evidence"][0]
    assert (ev["sha256"], ev["fileName"]) == (h, "holiday.jpg")


def test_link_between_agencies_of_one_country_is_not_cross_country(world, driver):
    world.series("S-FR1", "FR", agency="AG-FR-Paris")
    world.series("S-FR2", "FR", agency="AG-FR-Lyon")
    world.media("holiday", ("S-FR1", "S-FR2"))
    links.rebuild(driver)
    assert link(driver, "S-FR1", "S-FR2")["crossCountry"] is False


def test_a_country_owning_cases_on_both_sides_makes_it_not_cross_country(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.add_case("S-DE", "FR")
    world.media("holiday", ("S-FR", "S-DE"))
    links.rebuild(driver)
    assert link(driver, "S-FR", "S-DE")["crossCountry"] is False


def test_link_goes_from_smaller_series_id_to_larger(world, driver):
    world.series("S-B", "FR")
    world.series("S-A", "DE")
    world.media("holiday", ("S-B", "S-A"))
    links.rebuild(driver)
    assert set(stored_links(driver)) == {("S-A", "S-B")}


def test_same_file_by_md5_links_distinct_media_nodes(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.media("file-a", "S-FR", md5="0" * 31 + "1")
    world.media("file-b", "S-DE", md5="0" * 31 + "1")
    links.rebuild(driver)
    assert link(driver, "S-FR", "S-DE")["evidence"][0]["matchedOn"] == "md5"


def test_non_pertinent_file_creates_no_link(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.media("wallpaper", ("S-FR", "S-DE"), non_pertinent=True)
    links.rebuild(driver)
    assert stored_links(driver) == {}


# ----------------------------------------------------------------------------- near_duplicate


def test_near_duplicate_images_link_their_series(world, driver):
    rng = random.Random(1)
    world.series("S-FR", "FR")
    world.series("S-NL", "NL")
    world.media("a", "S-FR", pdq=A_PDQ)
    world.media("b", "S-NL", pdq=flip(A_PDQ, 12, rng))
    links.rebuild(driver)
    assert link(driver, "S-FR", "S-NL")["kinds"] == ["near_duplicate"]


def test_near_duplicate_evidence_gives_distance_and_method(world, driver):
    rng = random.Random(1)
    world.series("S-FR", "FR")
    world.series("S-NL", "NL")
    world.media("a", "S-FR", pdq=A_PDQ)
    world.media("b", "S-NL", pdq=flip(A_PDQ, 12, rng))
    links.rebuild(driver)
    ev = link(driver, "S-FR", "S-NL")["evidence"][0]
    assert (ev["pdqDistance"], ev["method"]) == (12, "pdq")


# ----------------------------------------------------------------------------- hash sets


def _pair_at(world: World, d: int, *, phash_d: int | None = None) -> tuple[str, str]:
    """Two images in series of two countries, ``d`` PDQ bits apart (and pHashes
    ``phash_d`` bits apart, when given)."""
    rng = random.Random(d)
    world.series("S-FR", "FR")
    world.series("S-NL", "NL")
    ph = "00ff00ff00ff00ff"
    a = world.media("a", "S-FR", pdq=A_PDQ, phash=ph if phash_d is not None else None)
    b = world.media(
        "b",
        "S-NL",
        pdq=flip(A_PDQ, d, rng),
        phash=flip(ph, phash_d, rng) if phash_d is not None else None,
    )
    return a, b


def test_a_hash_set_with_a_stricter_pdq_radius_drops_a_pair_beyond_it(world, driver):
    a, _ = _pair_at(world, 20)
    world.hashset("HS-strict", (a,), pdq_radius=10)
    links.rebuild(driver)
    assert stored_neardups(driver) == {}


def test_a_hash_set_radius_keeps_a_pair_within_it(world, driver):
    a, _ = _pair_at(world, 8)
    world.hashset("HS-strict", (a,), pdq_radius=10)
    links.rebuild(driver)
    assert [p["pdqDistance"] for p in stored_neardups(driver).values()] == [8]


def test_media_outside_the_hash_set_keep_the_default_radius(world, driver):
    rng = random.Random(3)
    _pair_at(world, 20)
    c = world.media("c", "S-FR", pdq=B_PDQ)
    world.media("d", "S-NL", pdq=flip(B_PDQ, 20, rng))
    world.media("e", "S-NL", pdq=rand_hex(rng))
    world.hashset("HS-strict", (c,), pdq_radius=10)
    links.rebuild(driver)
    assert sorted(p["pdqDistance"] for p in stored_neardups(driver).values()) == [20]


def test_the_stricter_of_two_hash_sets_applies(world, driver):
    a, b = _pair_at(world, 20)
    world.hashset("HS-loose", (a,), pdq_radius=25)
    world.hashset("HS-strict", (b,), pdq_radius=15)
    links.rebuild(driver)
    assert stored_neardups(driver) == {}


def test_a_hash_set_cannot_loosen_the_default_radius(world, driver):
    a, _ = _pair_at(world, 34)
    world.hashset("HS-loose", (a,), pdq_radius=40)  # written behind the CLI's back
    links.rebuild(driver)
    assert stored_neardups(driver) == {}


def test_the_phash_confirmation_moves_with_a_hash_set_pdq_radius(world, driver):
    a, _ = _pair_at(world, 45, phash_d=3)  # default: pHash 3 <= 8 and PDQ 45 <= 56
    world.hashset("HS-strict", (a,), pdq_radius=16)  # confirmation now 56 - 15 = 41
    links.rebuild(driver)
    assert stored_neardups(driver) == {}


def test_without_a_hash_set_the_phash_route_confirms_that_pair(world, driver):
    _pair_at(world, 45, phash_d=3)
    links.rebuild(driver)
    assert [p["method"] for p in stored_neardups(driver).values()] == ["phash"]


def test_a_hash_set_phash_radius_drops_a_phash_candidate_beyond_it(world, driver):
    a, _ = _pair_at(world, 45, phash_d=3)
    world.hashset("HS-strict", (a,), phash_radius=2)
    links.rebuild(driver)
    assert stored_neardups(driver) == {}


def test_a_non_pertinent_hash_set_creates_no_link(world, driver):
    a, _ = _pair_at(world, 8)
    world.hashset("HS-benign", (a,), non_pertinent=True)
    links.rebuild(driver)
    assert stored_links(driver) == {}


def test_changing_a_hash_set_radius_equals_a_full_rebuild(world, driver):
    from graph import hashsets

    a, _ = _pair_at(world, 20)
    world.media("c", "S-FR", pdq=B_PDQ)
    world.media("d", "S-NL", pdq=flip(B_PDQ, 12, random.Random(5)))
    world.hashset("HS", (a,))
    world.finish_load()
    links.rebuild(driver)
    change = hashsets.configure(driver, "HS", by="ana", pdq_radius=10)
    refreshed = (stored_links(driver), stored_neardups(driver))
    links.rebuild(driver)
    assert (change.links.neardup.deleted, (stored_links(driver), stored_neardups(driver))) == (
        1,
        refreshed,
    )


def test_marking_a_hash_set_non_pertinent_equals_a_full_rebuild(world, driver):
    from graph import hashsets

    a, _ = _pair_at(world, 8)
    world.clue("rare poster", series=("S-FR", "S-NL"))
    world.hashset("HS", (a,))
    world.finish_load()
    links.rebuild(driver)
    hashsets.configure(driver, "HS", by="ana", non_pertinent=True)
    refreshed = (stored_links(driver), stored_neardups(driver))
    links.rebuild(driver)
    assert (stored_links(driver), stored_neardups(driver)) == refreshed


def test_marking_a_hash_set_non_pertinent_removes_its_near_duplicates(world, driver):
    from graph import hashsets

    a, _ = _pair_at(world, 8)
    world.hashset("HS", (a,))
    world.finish_load()
    links.rebuild(driver)
    hashsets.configure(driver, "HS", by="ana", non_pertinent=True)
    assert stored_neardups(driver) == {}


def test_unmarking_a_hash_set_brings_its_links_back(world, driver):
    from graph import hashsets

    a, _ = _pair_at(world, 8)
    world.hashset("HS", (a,), non_pertinent=True)
    world.finish_load()
    links.rebuild(driver)
    hashsets.configure(driver, "HS", by="ana", non_pertinent=False)
    assert link(driver, "S-FR", "S-NL")["kinds"] == ["near_duplicate"]


def test_a_legacy_non_pertinent_listing_stays_non_pertinent_when_its_set_is_unmarked(world, driver):
    """A listing loaded before LISTS.nonPertinent existed keeps its medium's flag."""
    from graph import hashsets

    a, _ = _pair_at(world, 8)
    world.mark_non_pertinent(a, "HS-old")  # no LISTS.nonPertinent
    world.hashset("HS", (a,), non_pertinent=True)
    world.finish_load()
    links.rebuild(driver)
    hashsets.configure(driver, "HS", by="ana", non_pertinent=False)
    assert stored_links(driver) == {}


def test_a_hash_set_change_is_audited(world, driver):
    from graph import audit, hashsets

    a, _ = _pair_at(world, 8)
    world.hashset("HS", (a,))
    world.finish_load()
    links.rebuild(driver)
    hashsets.configure(driver, "HS", by="ana", pdq_radius=4)
    (ev,) = audit.events(driver, action="hashsets.set").rows
    params = json.loads(ev["parameters"])
    assert (ev["user"], params["before"]["pdqRadius"], params["after"]["pdqRadius"]) == (
        "ana",
        None,
        4,
    )


def test_a_hash_set_change_is_recorded_on_the_set(world, driver):
    from graph import hashsets

    world.hashset("HS")
    hashsets.configure(driver, "HS", by="ana", phash_radius=3)
    row = next(r for r in hashsets.list_hashsets(driver) if r["id"] == "HS")
    assert (row["phashRadius"], row["changedBy"]) == (3, "ana")


def test_setting_the_same_thresholds_again_changes_nothing(world, driver):
    from graph import hashsets

    world.hashset("HS", pdq_radius=10)
    assert hashsets.configure(driver, "HS", by="ana", pdq_radius=10).changed is False


def test_a_hash_set_radius_above_the_default_is_refused(world, driver):
    from graph import hashsets
    from graph.errors import InvalidInput

    world.hashset("HS")
    with pytest.raises(InvalidInput, match="--pdq-radius"):
        hashsets.configure(driver, "HS", by="ana", pdq_radius=40)


def test_changing_an_unknown_hash_set_is_refused(world, driver):
    from graph import hashsets
    from graph.errors import NotFound

    with pytest.raises(NotFound):
        hashsets.configure(driver, "HS-nope", by="ana", pdq_radius=10)


def test_a_hash_set_change_needs_a_name(world, driver):
    from graph import hashsets
    from graph.errors import InvalidInput

    world.hashset("HS")
    with pytest.raises(InvalidInput, match="--by"):
        hashsets.configure(driver, "HS", by=" ", pdq_radius=10)


def test_near_duplicate_of_non_pertinent_image_creates_no_link(world, driver):
    rng = random.Random(1)
    world.series("S-FR", "FR")
    world.series("S-NL", "NL")
    world.media("a", "S-FR", pdq=A_PDQ, non_pertinent=True)
    world.media("b", "S-NL", pdq=flip(A_PDQ, 3, rng))
    links.rebuild(driver)
    assert stored_links(driver) == {}


# ----------------------------------------------------------------------------- same_camera


def test_same_camera_serial_links_series(world, driver):
    world.series("S-FR", "FR")
    world.series("S-BR", "BR")
    world.media("a", "S-FR", camera="Canon|EOS 80D|0123456789")
    world.media("b", "S-BR", camera="Canon|EOS 80D|0123456789")
    links.rebuild(driver)
    assert link(driver, "S-FR", "S-BR")["kinds"] == ["same_camera"]


def test_same_camera_evidence_names_the_serial_and_files(world, driver):
    world.series("S-FR", "FR")
    world.series("S-BR", "BR")
    ha = world.media("a", "S-FR", camera="Canon|EOS 80D|0123456789")
    hb = world.media("b", "S-BR", camera="Canon|EOS 80D|0123456789")
    links.rebuild(driver)
    ev = link(driver, "S-BR", "S-FR")["evidence"][0]
    files = {f["sha256"] for f in ev["filesA"] + ev["filesB"]}
    assert (ev["serial"], files) == ("0123456789", {ha, hb})


def test_different_serials_do_not_link(world, driver):
    world.series("S-FR", "FR")
    world.series("S-BR", "BR")
    world.media("a", "S-FR", camera="Canon|EOS 80D|0123456789")
    world.media("b", "S-BR", camera="Canon|EOS 80D|9999999999")
    links.rebuild(driver)
    assert stored_links(driver) == {}


# ----------------------------------------------------------------------------- same_victim


def test_same_victim_links_series(world, driver):
    world.series("S-FR", "FR")
    world.series("S-AU", "AU")
    world.victim("V-1", ("S-FR", "S-AU"))
    links.rebuild(driver)
    assert link(driver, "S-AU", "S-FR")["evidence"][0]["victimId"] == "V-1"


# ----------------------------------------------------------------------------- shared_clue


def test_rare_clue_shared_by_two_series_reaches_the_default_minimum(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.clue("Koala Corner bag", type="logo", series=("S-FR", "S-DE"))
    links.rebuild(driver)
    assert link(driver, "S-DE", "S-FR")["score"] >= get_settings().link_min_score


def test_clue_on_many_series_creates_no_link(world, driver):
    for i in range(get_settings().link_clue_ubiquity):
        world.series(f"S-{i:02d}", "FR" if i % 2 else "DE")
    world.clue("white wall", type="fixture", series=tuple(f"S-{i:02d}" for i in range(20)))
    links.rebuild(driver)
    assert stored_links(driver) == {}


def test_common_clue_alone_stays_below_the_default_minimum(world, driver):
    for i in range(6):
        world.series(f"S-{i}", "FR" if i % 2 else "DE")
    world.clue("socket type F", type="fixture", series=tuple(f"S-{i}" for i in range(6)))
    links.rebuild(driver)
    scores = [p["score"] for p in stored_links(driver).values()]
    assert scores and max(scores) < get_settings().link_min_score


def test_clue_shown_by_a_file_counts_for_its_series(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    h = world.media("a", "S-FR")
    world.clue("Wattle Grocers bag", type="logo", media=(h,), series=("S-DE",))
    links.rebuild(driver)
    assert link(driver, "S-DE", "S-FR")["kinds"] == ["shared_clue"]


def test_rarer_clue_weighs_more():
    assert (
        link_scoring.rarity(2)
        > link_scoring.rarity(5)
        > link_scoring.rarity(15)
        > link_scoring.rarity(25)
        == 0.0
    )


# ----------------------------------------------------------------------------- same_location


def test_geotags_within_a_kilometre_link_series(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.media("a", "S-FR", lat=48.8566, lon=2.3522)
    world.media("b", "S-DE", lat=48.8600, lon=2.3600)
    links.rebuild(driver)
    ev = link(driver, "S-DE", "S-FR")["evidence"][0]
    assert (ev["kind"], ev["distanceM"] < 1000) == ("same_location", True)


def test_links_of_a_few_series_read_only_the_geotags_within_reach_and_equal_the_full_ones(
    world, driver
):
    """An update's scope reads its own geotags, then only those in latitude bands within
    reach of them (graph/link_evidence.py ``lat_bands``): the links of each series equal
    those of a full computation, with geotags on the file or only on its geotag
    relationship, near the band's edge, several files of one spot, non-pertinent ones."""
    rng = random.Random(11)
    km_deg = math.degrees(1.0 / 6371.0088)
    base = (48.85, 2.35)
    for i in range(12):
        world.series(f"S-{i}", ("FR", "DE", "NL")[i % 3])
    n = 0
    for i in range(12):
        for _ in range(4):
            n += 1
            # clusters around a few spots, some exactly at the 1 km edge in latitude
            spot = rng.choice([0.0, 0.5, 1.0, 1.02, 0.98, 3.0])
            lat = base[0] + spot * km_deg + rng.uniform(-2e-5, 2e-5)
            lon = base[1] + rng.uniform(-3e-3, 3e-3)
            world.media(f"g{n}", f"S-{i}", lat=lat, lon=lon, non_pertinent=rng.random() < 0.1)
    # a geotag kept only on the relationship (records loaded with a place)
    world.place("gn-1", "Paris", "FR", base[0], base[1])
    world.media("rel-only", "S-11")
    db.write(
        driver,
        "MATCH (m:Media {sha256: $sha}), (l:Location {id: 'gn-1'}) "
        "MERGE (m)-[:GEOTAGGED_AT {lat: $lat, lon: $lon}]->(l)",
        sha=sha("rel-only"),
        lat=base[0] + 0.5 * km_deg,
        lon=base[1],
        name="test.geotag",
    )
    full = links.compute_links(driver, None)
    assert any(s == "S-11" for pair in full for s in pair)
    for i in range(12):
        sid = f"S-{i}"
        mine = links.compute_links(driver, [sid])
        assert mine == {k: v for k, v in full.items() if sid in k}, sid


def test_geotags_three_kilometres_apart_do_not_link(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.media("a", "S-FR", lat=48.8566, lon=2.3522)
    world.media("b", "S-DE", lat=48.8566, lon=2.3930)
    links.rebuild(driver)
    assert stored_links(driver) == {}


def test_clues_pointing_to_the_same_place_link_series(world, driver):
    world.place("gn-2996944", "Lyon", "FR", 45.75, 4.85)
    world.series("S-US", "US")
    world.series("S-AU", "AU")
    world.clue("TCL tram ticket", series=("S-US",), points_to="gn-2996944")
    world.clue("Bouchon menu", series=("S-AU",), points_to="gn-2996944")
    links.rebuild(driver)
    ev = link(driver, "S-AU", "S-US")["evidence"][0]
    assert (ev["kind"], ev["locationId"]) == ("same_location", "gn-2996944")


def test_geotag_and_clue_reaching_one_place_link_series(world, driver):
    world.place("gn-2996944", "Lyon", "FR", 45.75, 4.85)
    world.series("S-US", "US")
    world.series("S-AU", "AU")
    h = world.media("a", "S-US")
    world.geotag(h, "gn-2996944", 45.76, 4.84)
    world.clue("Bouchon menu", series=("S-AU",), points_to="gn-2996944")
    links.rebuild(driver)
    assert link(driver, "S-AU", "S-US")["kinds"] == ["same_location"]


# ----------------------------------------------------------------------------- same_account


def test_same_account_links_series(world, driver):
    world.series("S-FR", "FR")
    world.series("S-BR", "BR")
    world.media("a", "S-FR", account="chatapp:quiet_owl")
    world.media("b", "S-BR", account="chatapp:quiet_owl")
    links.rebuild(driver)
    assert link(driver, "S-BR", "S-FR")["evidence"][0]["accountId"] == "chatapp:quiet_owl"


# ----------------------------------------------------------------------------- scoring


def test_score_is_the_weighted_sum_of_kinds(world, driver):
    s = get_settings()
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.media("a", ("S-FR", "S-DE"), camera="Sony|A7|42")
    links.rebuild(driver)
    expected = round(s.link_weight_same_media + s.link_weight_same_camera, 4)
    assert link(driver, "S-DE", "S-FR")["score"] == expected


def test_many_items_of_one_kind_are_capped(world, driver):
    s = get_settings()
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    for i in range(5):
        world.media(f"f{i}", ("S-FR", "S-DE"))
    links.rebuild(driver)
    assert link(driver, "S-DE", "S-FR")["score"] == s.link_weight_same_media


def test_evidence_lists_at_most_the_configured_items_per_kind(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    for i in range(get_settings().link_evidence_per_kind + 3):
        world.media(f"f{i}", ("S-FR", "S-DE"))
    links.rebuild(driver)
    ev = link(driver, "S-DE", "S-FR")["evidence"]
    assert ev[-1] == {"kind": "same_media", "detail": "and 3 more", "more": 3}


def test_rebuild_removes_a_link_whose_evidence_is_gone(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    h = world.media("holiday", ("S-FR", "S-DE"))
    links.rebuild(driver)
    world.mark_non_pertinent(h)
    links.rebuild(driver)
    assert stored_links(driver) == {}


def test_rebuild_twice_changes_nothing(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.media("holiday", ("S-FR", "S-DE"))
    links.rebuild(driver)
    assert links.rebuild(driver).written == 0


# ----------------------------------------------------------------------------- judgements


def test_judgement_is_recorded_on_the_link(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.media("holiday", ("S-FR", "S-DE"))
    links.rebuild(driver)
    links.judge(driver, "S-FR", "S-DE", "rejected", "analyst1", note="stock photo")
    p = link(driver, "S-FR", "S-DE")
    assert (p["judgement"], p["judgedBy"], p["judgementNote"]) == (
        "rejected",
        "analyst1",
        "stock photo",
    )


def test_judgement_survives_rebuild(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.media("holiday", ("S-FR", "S-DE"))
    links.rebuild(driver)
    links.judge(driver, "S-FR", "S-DE", "confirmed", "analyst1")
    links.rebuild(driver)
    assert link(driver, "S-FR", "S-DE")["judgement"] == "confirmed"


def test_judgement_survives_the_link_disappearing_and_coming_back(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    h = world.media("holiday", ("S-FR", "S-DE"))
    links.rebuild(driver)
    links.judge(driver, "S-FR", "S-DE", "rejected", "analyst1")
    world.run("MATCH (m:Media {sha256: $h}) SET m.nonPertinent = true", h=h)
    links.rebuild(driver)
    world.run("MATCH (m:Media {sha256: $h}) SET m.nonPertinent = null", h=h)
    links.rebuild(driver)
    assert link(driver, "S-FR", "S-DE")["judgement"] == "rejected"


def test_judgement_survives_an_update_after_a_load(world, driver):
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.media("holiday", ("S-FR", "S-DE"))
    world.finish_load()
    links.rebuild(driver)
    links.judge(driver, "S-FR", "S-DE", "unsure", "analyst2")
    world.load = "L2"
    world.media("beach", ("S-FR", "S-DE"), camera="Sony|A7|42")
    world.finish_load()
    links.update_for_load(driver, "L2")
    assert link(driver, "S-FR", "S-DE")["judgement"] == "unsure"


def test_judging_an_unknown_series_is_refused(world, driver):
    from graph.errors import NotFound

    world.series("S-FR", "FR")
    with pytest.raises(NotFound):
        links.judge(driver, "S-FR", "S-XX", "confirmed", "analyst1")


def test_unknown_judgement_is_refused(world, driver):
    from graph.errors import InvalidInput

    with pytest.raises(InvalidInput):
        links.judge(driver, "S-FR", "S-DE", "maybe", "analyst1")


# ----------------------------------------------------------------------------- incremental


def _base_world(world: World) -> dict[str, str]:
    """Load 1: four countries, links of every kind, and things load 2 will change."""
    rng = random.Random(7)
    world.load = "L1"
    world.place("gn-1", "Lyon", "FR", 45.75, 4.85)
    for sid, cc in (("S-FR", "FR"), ("S-DE", "DE"), ("S-NL", "NL"), ("S-AU", "AU")):
        world.series(sid, cc)
    world.series("S-FR2", "FR", agency="AG-FR-2")
    h = {}
    h["shared"] = world.media("shared", ("S-FR", "S-DE"))
    h["nd-a"] = world.media("nd-a", "S-FR", pdq=A_PDQ, phash="00ff00ff00ff00ff")
    h["nd-b"] = world.media("nd-b", "S-NL", pdq=flip(A_PDQ, 9, rng), phash="00ff00ff00ff00fe")
    h["cam"] = world.media("cam", "S-DE", camera="Nikon|D750|777")
    h["gps"] = world.media("gps", "S-AU", lat=-33.8688, lon=151.2093)
    h["acc"] = world.media("acc", "S-NL", account="chatapp:owl")
    world.victim("V-1", ("S-FR", "S-FR2"))
    world.clue("rare poster", series=("S-DE", "S-AU"))
    world.clue("tram ticket", series=("S-NL",), points_to="gn-1")
    for i in range(4):
        world.series(f"S-X{i}", "BR")
    world.clue("socket N", type="fixture", series=tuple(f"S-X{i}" for i in range(4)))
    world.finish_load("2024-01-01T00:00:01Z")
    return h


def _second_load(world: World, h: dict[str, str]) -> None:
    """Load 2: a new series with new media, new cameras, clues and a non-pertinent set."""
    rng = random.Random(8)
    world.load = "L2"
    world.series("S-US", "US")
    world.media("nd-c", "S-US", pdq=flip(A_PDQ, 14, rng))
    world.media("cam2", "S-US", camera="Nikon|D750|777")
    world.media("gps2", "S-US", lat=-33.8700, lon=151.2100)
    world.media("acc2", "S-US", account="chatapp:owl")
    world.clue("tram ticket", series=("S-US",), points_to="gn-1")
    world.clue("socket N", type="fixture", series=("S-US",))  # changes its rarity
    world.victim("V-1", ("S-US",))
    world.mark_non_pertinent(h["shared"])  # S-FR/S-DE lose same_media
    world.hashset("HS-strict", (h["nd-b"],), pdq_radius=8)  # S-FR/S-NL lose near_duplicate
    world.add_case("S-AU", "DE")  # S-DE/S-AU stop being cross-country
    world.finish_load("2024-01-02T00:00:01Z")


def test_update_after_a_load_equals_a_full_rebuild(world, driver):
    h = _base_world(world)
    links.rebuild(driver)
    _second_load(world, h)
    rep = links.update_for_load(driver, "L2")
    assert rep.full is False
    incremental = (stored_links(driver), stored_neardups(driver))
    links.rebuild(driver)
    assert (stored_links(driver), stored_neardups(driver)) == incremental


def test_update_after_a_load_touches_only_affected_series(world, driver):
    h = _base_world(world)
    links.rebuild(driver)
    _second_load(world, h)
    assert links.affected_series(driver, "L2") == {
        "S-US",  # new
        "S-FR",  # its file became non-pertinent
        "S-DE",  # idem
        "S-AU",  # a new case of another country
        "S-NL",  # shows a clue pointing to a place that gained a series
        "S-X0",  # show a clue whose number of series changed (rarity)
        "S-X1",
        "S-X2",
        "S-X3",
    }


def test_a_white_wall_gaining_a_series_does_not_bring_its_series_into_scope(world, driver):
    n = get_settings().link_clue_ubiquity + 5
    for i in range(n):
        world.series(f"S-W{i:02d}", ("FR", "DE")[i % 2])
    world.clue("white wall", type="fixture", series=tuple(f"S-W{i:02d}" for i in range(n)))
    world.finish_load()
    links.rebuild(driver)
    world.load = "L2"
    world.series("S-NEW", "NL")
    world.clue("white wall", type="fixture", series=("S-NEW",))
    world.finish_load("2024-01-02T00:00:00Z")
    assert links.affected_series(driver, "L2") == {"S-NEW"}


def test_update_after_an_unseen_load_falls_back_to_a_full_rebuild(world, driver):
    h = _base_world(world)
    links.rebuild(driver)
    _second_load(world, h)
    world.load = "L3"
    world.media("late", ("S-AU", "S-NL"))
    world.finish_load("2024-01-03T00:00:01Z")
    rep = links.update_for_load(driver, "L3")
    assert rep.full is True


def test_a_load_without_media_keeps_later_updates_incremental(world, driver):
    h = _base_world(world)
    links.rebuild(driver)
    world.load = "L-clues"
    world.clue("rare poster", series=("S-NL",))
    world.finish_load("2024-01-01T12:00:00Z")
    first = links.update_for_load(driver, "L-clues")
    _second_load(world, h)
    assert (first.full, links.update_for_load(driver, "L2").full) == (False, False)


def test_updates_after_two_loads_equal_a_full_rebuild(world, driver):
    h = _base_world(world)
    links.rebuild(driver)
    world.load = "L-clues"
    world.clue("rare poster", series=("S-NL",))  # its rarity drops: 2 -> 3 series
    world.finish_load("2024-01-01T12:00:00Z")
    links.update_for_load(driver, "L-clues")
    _second_load(world, h)
    links.update_for_load(driver, "L2")
    incremental = (stored_links(driver), stored_neardups(driver))
    links.rebuild(driver)
    assert (stored_links(driver), stored_neardups(driver)) == incremental


def test_after_load_hook_takes_a_load_report(world, driver):
    from loaders.base import LoadReport

    h = _base_world(world)
    links.rebuild(driver)
    _second_load(world, h)
    links.after_load(driver, LoadReport(kind="test", source="x", load_id="L2"))
    assert link(driver, "S-NL", "S-US") is not None


def test_rebuild_reports_what_it_did(world, driver):
    _base_world(world)
    rep = links.rebuild(driver)
    assert rep.summary()["links"] == len(stored_links(driver))


# ----------------------------------------------------------------------------- CLI


def test_cli_judge_then_show_lists_the_judgement(world, driver, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cli import app
    from graph import auth, config

    users = tmp_path / "users.toml"  # `--by ana` names a ClueGraph user (service.caller)
    auth.add_user("ana", "analyst", None, path=users)
    monkeypatch.setenv("CLUEGRAPH_USERS_FILE", str(users))
    config.reset_settings()
    world.series("S-FR", "FR")
    world.series("S-DE", "DE")
    world.media("holiday", ("S-FR", "S-DE"))
    runner = CliRunner()
    assert runner.invoke(app, ["links", "rebuild", "--json"]).exit_code == 0
    judged = runner.invoke(
        app, ["links", "judge", "S-FR", "S-DE", "--as", "confirmed", "--by", "ana"]
    )
    assert judged.exit_code == 0, judged.output
    out = runner.invoke(app, ["links", "show", "S-FR", "--format", "json"])
    monkeypatch.undo()
    config.reset_settings()  # the next tests read the environment as it was
    row = json.loads(out.stdout)[0]
    assert (row["other"], row["judgement"], row["judgedBy"]) == ("S-DE", "confirmed", "ana")


def test_cli_hashsets_set_then_list_shows_the_radius(world, driver):
    from typer.testing import CliRunner

    from cli import app

    world.hashset("hs-one")
    runner = CliRunner()
    res = runner.invoke(app, ["hashsets", "set", "HS one", "--pdq-radius", "12", "--by", "ana"])
    assert res.exit_code == 0, res.output
    out = runner.invoke(app, ["hashsets", "list", "--format", "json"])
    assert json.loads(out.stdout)[0]["pdqRadius"] == 12


def test_cli_hashsets_set_refuses_a_radius_that_is_not_a_number(world, driver):
    from typer.testing import CliRunner

    from cli import app

    world.hashset("hs-one")
    res = CliRunner().invoke(app, ["hashsets", "set", "hs-one", "--pdq-radius", "x", "--by", "a"])
    assert res.exit_code != 0


def test_cli_show_of_an_unknown_series_fails(world, driver):
    from typer.testing import CliRunner

    from cli import app

    res = CliRunner().invoke(app, ["links", "show", "S-NOPE"])
    assert res.exit_code != 0
