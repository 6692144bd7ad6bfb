"""The offline gazetteer: hints and GPS points to GeoNames places (no Neo4j needed)."""

from __future__ import annotations

import math

import pytest

from graph import gazetteer


def km(a: gazetteer.Place, lat: float, lon: float) -> float:
    assert a.lat is not None and a.lon is not None
    p1, p2 = math.radians(a.lat), math.radians(lat)
    dp, dl = p2 - p1, math.radians(lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * gazetteer.EARTH_KM * math.asin(math.sqrt(h))


def test_city_and_country_code_resolve_to_that_city():
    p = gazetteer.resolve_hint("Lyon, FR")
    assert (p.name, p.country_code, p.kind, p.id) == ("Lyon", "FR", "place", "geonames:2996944")


def test_city_and_country_name_resolve_to_that_country():
    p = gazetteer.resolve_hint("Recife, Brazil")
    assert (p.name, p.country_code) == ("Recife", "BR")


def test_coordinates_resolve_to_the_nearest_place_near_geneva():
    p = gazetteer.resolve_hint("46.2,6.1")
    assert (p.country_code, km(p, 46.2022, 6.1457) < 10, p.distance_km < 5) == ("CH", True, True)


@pytest.mark.parametrize(
    "text", ["46.2, 6.1", "46.2;6.1", " 46.2 ; 6.1 ", "46.2 6.1", "46.2N 6.1E"]
)
def test_coordinate_spellings_give_the_same_place(text):
    assert gazetteer.resolve_hint(text) == gazetteer.resolve_hint("46.2,6.1")


def test_hemisphere_letters_give_signed_degrees():
    assert gazetteer.parse_coordinates("33.9S, 151.2E") == (-33.9, 151.2)


def test_a_point_at_sea_still_resolves_to_the_nearest_place():
    p = gazetteer.resolve_point(45.0, -30.0)  # mid-Atlantic
    assert (p.kind, p.distance_km > 300, bool(p.name)) == ("place", True, True)


def test_points_on_either_side_of_the_antimeridian_resolve_alike():
    assert gazetteer.resolve_point(-16.5, 179.999).id == gazetteer.resolve_point(-16.5, -179.999).id


def test_a_geotag_and_a_hint_for_the_same_town_share_one_location_id():
    hint = gazetteer.resolve_hint("Lyon, FR")
    assert gazetteer.resolve_point(hint.lat + 0.001, hint.lon - 0.001).id == hint.id


def test_a_point_in_a_numbered_section_resolves_to_the_town():
    assert gazetteer.resolve_point(48.84, 2.30).id == gazetteer.resolve_hint("Paris, FR").id


def test_gps_place_is_a_gazetteer_place_with_its_distance():
    p = gazetteer.resolve_point(45.7501, 4.8490)
    assert (p.kind, p.name, p.distance_km < 1) == ("place", "Lyon", True)


@pytest.mark.parametrize(
    "text",
    ["Qwxz Plorb", "", "   ", "Lyon, Narnia", ",", "Lyon,,FR", "'}) DETACH DELETE n //", "x" * 400],
)
def test_nonsense_resolves_to_none(text):
    assert gazetteer.resolve_hint(text) is None


def test_coordinates_out_of_range_resolve_to_none():
    assert gazetteer.resolve_hint("95.0, 6.1") is None


@pytest.mark.parametrize(
    ("lat", "lon"), [(91, 0), (0, 181), (float("nan"), 0), (0, float("inf")), ("x", 1)]
)
def test_invalid_points_are_refused(lat, lon):
    with pytest.raises(ValueError):
        gazetteer.resolve_point(lat, lon)


@pytest.mark.parametrize(("text", "code"), [("France", "FR"), ("DE", "DE"), ("brazil", "BR")])
def test_a_country_alone_is_a_country_place(text, code):
    p = gazetteer.resolve_hint(text)
    assert (p.kind, p.id, p.country_code, p.lat) == ("country", code, code, None)


def test_a_city_alone_is_the_most_populous_of_that_name():
    assert gazetteer.resolve_hint("Paris").country_code == "FR"


def test_a_region_narrows_the_city():
    p = gazetteer.resolve_hint("Paris, Texas")
    assert (p.country_code, p.admin1) == ("US", "Texas")


def test_region_and_country_together():
    assert gazetteer.resolve_hint("Portland, Oregon, US").admin1 == "Oregon"


@pytest.mark.parametrize("text", ["München", "munich", "MÜNCHEN, Germany", "Muenchen, DE"])
def test_exonyms_and_spellings_find_the_same_city(text):
    assert gazetteer.resolve_hint(text).id == gazetteer.resolve_hint("Munich, DE").id


def test_letters_without_decomposition_are_matched():
    assert gazetteer.resolve_hint("Lodz, PL").id == gazetteer.resolve_hint("Łódź, Poland").id


def test_places_missing_from_reverse_geocoders_copy_are_found():
    assert gazetteer.resolve_hint("Hervey Bay, AU").country_code == "AU"


def test_place_params_carry_what_merge_location_reads():
    params = gazetteer.place_params(gazetteer.resolve_hint("Lyon, FR"))
    assert set(params) == {
        "id",
        "name",
        "admin1",
        "countryCode",
        "countryName",
        "lat",
        "lon",
        "kind",
    }


def test_name_key_folds_case_accents_and_punctuation():
    assert gazetteer.name_key("  Saint-ÉTIENNE ") == "saint etienne"


def test_the_cached_columns_equal_the_built_ones_and_resolve_alike(tmp_path, monkeypatch):
    """The table read from its cache file (what every command after the first uses) holds
    the same places, regions and town sections as one built from the packages' data."""
    path = tmp_path / "places.npz"
    monkeypatch.setattr(gazetteer, "_cache_path", lambda: path)
    built = gazetteer._Table()  # builds and writes the cache
    assert path.is_file()
    cached = gazetteer._Table()
    assert cached._alt_names is None  # read from the cache, not built
    for col in ("ids", "names", "cc", "admin1"):
        assert getattr(cached, col) == getattr(built, col), col
    for col in ("population", "lat", "lon", "town_of"):
        assert (getattr(cached, col) == getattr(built, col)).all(), col
    points = [(45.76, 4.84), (46.2, 6.15), (-8.05, -34.9), (45.7640, 4.8357), (0.0, 0.0)]
    for lat, lon in points:
        q = gazetteer._unit(gazetteer.np.array([lat]), gazetteer.np.array([lon]))[0]
        assert cached.tree.query(q, k=1)[1] == built.tree.query(q, k=1)[1]
    assert cached.index == built.index  # alternate names read on the first lookup


def test_searching_every_place_and_the_k_d_tree_give_the_same_place(monkeypatch):
    """A process's first point searches read every place; later ones use the k-d tree.
    Both give the same row: on random points, at places sharing one exact point (the
    lowest row wins) and at a town's own coordinates."""
    t = gazetteer._get_table()
    rng = gazetteer.np.random.default_rng(3)
    lat, lon = rng.uniform(-89, 89, 2000), rng.uniform(-180, 180, 2000)
    pts, counts = gazetteer.np.unique(
        gazetteer.np.stack([t.lat, t.lon], 1), axis=0, return_counts=True
    )
    shared = pts[counts > 1]
    assert len(shared) > 10
    lat = gazetteer.np.concatenate([lat, shared[:, 0], t.lat[:200]])
    lon = gazetteer.np.concatenate([lon, shared[:, 1], t.lon[:200]])
    qs = gazetteer._unit(lat, lon)
    monkeypatch.setattr(t, "_tree", None)
    monkeypatch.setattr(gazetteer, "BRUTE_SEARCHES", 10**9)
    monkeypatch.setattr(t, "_searches", 0)
    brute = [t.nearest(q) for q in qs]
    assert t._tree is None
    monkeypatch.setattr(gazetteer, "BRUTE_SEARCHES", 0)
    tree = [t.nearest(q) for q in qs]
    assert t._tree is not None
    assert brute == tree
    for k, (la, lo) in enumerate(shared):  # the lowest of the rows at that exact point
        rows = gazetteer.np.flatnonzero((t.lat == la) & (t.lon == lo))
        assert brute[2000 + k] == rows.min()


def test_the_cache_keeps_the_versions_used_last(tmp_path, monkeypatch):
    """Another version's cache file survives this one's build (two checkouts on one
    machine must not rebuild each other's every time); the least recently used go."""
    import os

    folder = tmp_path / "gazetteer"
    folder.mkdir()
    olds = [folder / f"places-old{i}.npz" for i in range(4)]
    for i, f in enumerate(olds):  # old0 used longest ago, old3 last
        f.write_bytes(b"x")
        os.utime(f, (1_000_000 + i, 1_000_000 + i))
    path = folder / "places-now.npz"
    monkeypatch.setattr(gazetteer, "_cache_path", lambda: path)
    gazetteer._Table()  # builds and writes its own, then prunes
    assert sorted(p.name for p in folder.glob("places-*.npz")) == [
        "places-now.npz",
        "places-old2.npz",
        "places-old3.npz",
    ]
    os.utime(path, (1_000_000, 1_000_000))
    gazetteer._Table()  # reads its file: used now again
    assert path.stat().st_mtime > 2_000_000


def test_a_damaged_cache_file_is_built_again(tmp_path, monkeypatch):
    path = tmp_path / "places.npz"
    path.write_bytes(b"not an npz file")
    monkeypatch.setattr(gazetteer, "_cache_path", lambda: path)
    t = gazetteer._Table()
    assert t._alt_names is not None and len(t) > 100_000
    assert gazetteer._read_cache(path) is not None  # replaced by a good one
