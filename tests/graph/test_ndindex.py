"""Exact radius search over PDQ / pHash codes: graph/ndindex.py.

All codes are random (synthetic); no real hashes. The reference distances come from
``np.unpackbits``, independent of the popcount paths under test.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest

from graph import hash_join, mih, ndindex
from graph.hashcodes import InvalidHash, parse_hashes
from graph.ndindex import HashIndex, StaleIndex

SETTINGS = [(256, 31), (64, 8)]  # PDQ and pHash with the radii of SPEC "Links between series"
METHODS = ["mih", "flat", "auto"]


def random_codes(rng: np.random.Generator, n: int, bits: int) -> np.ndarray:
    return rng.integers(0, 256, size=(n, bits // 8), dtype=np.uint8)


def flip(rng: np.random.Generator, code: np.ndarray, d: int) -> np.ndarray:
    bits = np.unpackbits(code)
    bits[rng.choice(bits.size, size=d, replace=False)] ^= 1
    return np.packbits(bits)


def hexes(codes: np.ndarray) -> list[str]:
    return [row.tobytes().hex() for row in codes]


def reference_search(
    codes: np.ndarray, owners: list[str], queries: np.ndarray, radius: int
) -> list[dict[str, int]]:
    """Brute force with unpackbits: the minimum distance per (query, id) within radius."""
    a = np.unpackbits(codes, axis=1)
    out = []
    for q in np.unpackbits(queries, axis=1):
        d = (a != q).sum(axis=1)
        hits: dict[str, int] = {}
        for i in np.flatnonzero(d <= radius):
            hits[owners[i]] = min(hits.get(owners[i], 10**9), int(d[i]))
        out.append(hits)
    return out


def reference_pairs(codes: np.ndarray, owners: list[str], radius: int) -> dict[tuple, int]:
    return dict(_reference_pairs(codes.tobytes(), codes.shape[1], tuple(owners), radius))


@functools.lru_cache(maxsize=32)
def _reference_pairs(
    raw: bytes, nbytes: int, owners: tuple[str, ...], radius: int
) -> tuple[tuple[tuple, int], ...]:
    """Brute force with unpackbits (memoised: several tests compare with the same pairs)."""
    codes = np.frombuffer(raw, dtype=np.uint8).reshape(-1, nbytes)
    a = np.unpackbits(codes, axis=1)
    out: dict[tuple, int] = {}
    for i in range(len(a)):
        d = (a[i + 1 :] != a[i]).sum(axis=1)
        for j in np.flatnonzero(d <= radius) + i + 1:
            if owners[i] != owners[j]:
                key = tuple(sorted((owners[i], owners[j])))
                out[key] = min(out.get(key, 10**9), int(d[j - i - 1]))
    return tuple(out.items())


def clustered(rng: np.random.Generator, bits: int, radius: int, n_centres: int, per: int):
    """Centres with variants at distances around the radius, so many pairs sit at the edge.

    Returns codes, owner ids (some ids own several codes), and queries.
    """
    centres = random_codes(rng, n_centres, bits)
    codes, owners = [], []
    for c, centre in enumerate(centres):
        for v in range(per):
            d = int(rng.integers(0, radius + 4))
            codes.append(flip(rng, centre, d))
            owners.append(f"c{c}-{v // 2}")  # two codes per id
    queries = np.stack([flip(rng, centres[k], int(rng.integers(0, 8))) for k in range(40)])
    return np.stack(codes), owners, queries


def as_dicts(results: list[list[tuple[str, int]]]) -> list[dict[str, int]]:
    return [dict(r) for r in results]


# ----------------------------------------------------------------- planted neighbours


@pytest.fixture(scope="module", params=SETTINGS, ids=["pdq", "phash"])
def planted(request):
    bits, radius = request.param
    rng = np.random.default_rng(bits)
    codes = random_codes(rng, 3000, bits)
    queries = random_codes(rng, 20, bits)
    ids = [f"bg{i}" for i in range(len(codes))]
    planted_ids = {}
    for qi, q in enumerate(queries):
        for d in (0, 1, radius, radius + 1):
            planted_ids[(qi, d)] = f"q{qi}-d{d}"
            codes = np.vstack([codes, flip(rng, q, d)])
            ids.append(f"q{qi}-d{d}")
    index = HashIndex(bits)
    index.add(ids, hexes(codes))
    return bits, radius, index, codes, ids, queries, planted_ids


@pytest.mark.parametrize("method", METHODS)
def test_every_planted_neighbour_within_radius_is_found(planted, method):
    bits, radius, index, codes, ids, queries, planted_ids = planted
    results = as_dicts(index.search(hexes(queries), radius, method=method))
    missing = [
        (qi, d) for (qi, d), id_ in planted_ids.items() if d <= radius and results[qi].get(id_) != d
    ]
    assert missing == []


@pytest.mark.parametrize("method", METHODS)
def test_neighbour_at_radius_plus_one_is_not_returned(planted, method):
    bits, radius, index, codes, ids, queries, planted_ids = planted
    results = as_dicts(index.search(hexes(queries), radius, method=method))
    leaked = [qi for (qi, d), id_ in planted_ids.items() if d > radius and id_ in results[qi]]
    assert leaked == []


@pytest.mark.parametrize("method", METHODS)
def test_no_result_lies_beyond_the_radius(planted, method):
    bits, radius, index, codes, ids, queries, planted_ids = planted
    results = index.search(hexes(queries), radius, method=method)
    assert max(d for r in results for _, d in r) <= radius


@pytest.mark.parametrize("method", METHODS)
def test_planted_search_equals_brute_force(planted, method):
    bits, radius, index, codes, ids, queries, planted_ids = planted
    expected = reference_search(codes, ids, queries, radius)
    assert as_dicts(index.search(hexes(queries), radius, method=method)) == expected


# ----------------------------------------------------------------- brute-force equality


@pytest.fixture(scope="module", params=SETTINGS, ids=["pdq", "phash"])
def cluster(request):
    bits, radius = request.param
    rng = np.random.default_rng(1000 + bits)
    codes, owners, queries = clustered(rng, bits, radius, n_centres=150, per=20)
    index = HashIndex(bits)
    index.add(owners, hexes(codes))
    return bits, radius, index, codes, owners, queries


# m values that exercise both table layouts: direct offsets (narrow) and sorted keys (wide).
FORCED_M = {256: [12, 16, 24, 32], 64: [2, 3, 4, 9]}


@pytest.mark.parametrize("method", METHODS)
def test_search_equals_brute_force_on_clustered_codes(cluster, method):
    bits, radius, index, codes, owners, queries = cluster
    expected = reference_search(codes, owners, queries, radius)
    assert as_dicts(index.search(hexes(queries), radius, method=method)) == expected


@pytest.mark.parametrize(("bits", "radius"), SETTINGS, ids=["pdq", "phash"])
def test_a_first_search_of_a_few_codes_scans_instead_of_building_the_tables(bits, radius):
    # a one-shot command (a load's update) asks for a few codes once: building the MIH
    # tables over every stored code would cost more than scanning them
    rng = np.random.default_rng(bits)
    codes = rng.integers(0, 256, (100_000, bits // 8), dtype=np.uint8)
    owners = [f"m{i}" for i in range(len(codes))]
    queries = codes[:3].copy()
    queries[:, 0] ^= 0b101  # two bits off three stored codes
    index = HashIndex(bits)
    index.add(owners, codes)
    plan = index.plan(radius, batch=3)
    assert plan.method == "mih"  # what the cost model picks once the tables exist
    found = as_dicts(index.search(hexes(queries), radius))
    assert index._tables == {}
    assert found == reference_search(codes, owners, queries, radius)
    assert all(f.get(f"m{i}") == 2 for i, f in enumerate(found))
    index.build(radius, m=plan.m, method="mih")  # the app prepares them: then they serve
    assert as_dicts(index.search(hexes(queries), radius)) == found


@pytest.mark.parametrize("position", range(4))
def test_mih_equals_brute_force_for_every_substring_count(cluster, position):
    bits, radius, index, codes, owners, queries = cluster
    m = FORCED_M[bits][position]
    expected = reference_search(codes, owners, queries[:10], radius)
    assert as_dicts(index.search(hexes(queries[:10]), radius, method="mih", m=m)) == expected


@pytest.mark.parametrize("radius", [0, 1, 5, 20])
def test_mih_equals_brute_force_at_other_radii(cluster, radius):
    bits, _, index, codes, owners, queries = cluster
    expected = reference_search(codes, owners, queries, radius)
    assert as_dicts(index.search(hexes(queries), radius, method="mih")) == expected


def test_radius_equal_to_code_length_returns_every_id(cluster):
    bits, _, index, codes, owners, queries = cluster
    assert len(index.search(hexes(queries[:1]), bits, method="mih")[0]) == len(set(owners))


def test_results_are_sorted_by_distance_then_id(cluster):
    bits, radius, index, codes, owners, queries = cluster
    results = index.search(hexes(queries), radius)
    assert all(r == sorted(r, key=lambda h: (h[1], h[0])) for r in results)


def test_mih_splits_oversized_buckets_without_losing_candidates(cluster, monkeypatch):
    bits, radius, index, codes, owners, queries = cluster
    monkeypatch.setattr(ndindex, "BLOCK_CANDIDATES", 7)
    expected = reference_search(codes, owners, queries[:5], radius)
    assert as_dicts(index.search(hexes(queries[:5]), radius, method="mih")) == expected


def test_many_identical_codes_are_all_found():
    """Flat frames share one code: a single huge bucket must still be verified exactly."""
    rng = np.random.default_rng(7)
    codes = np.vstack([np.zeros((5000, 32), np.uint8), random_codes(rng, 5000, 256)])
    owners = [f"m{i}" for i in range(len(codes))]
    index = HashIndex(256)
    index.add(owners, hexes(codes))
    query = np.zeros((1, 32), np.uint8)
    expected = reference_search(codes, owners, query, 31)
    assert as_dicts(index.search(hexes(query), 31, method="mih")) == expected


# ----------------------------------------------------------------- pairs


@pytest.mark.parametrize("method", METHODS)
def test_pairs_equal_brute_force(cluster, method):
    bits, radius, index, codes, owners, queries = cluster
    got = {tuple(sorted((a, b))): d for a, b, d in index.pairs(radius, method=method)}
    assert got == reference_pairs(codes, owners, radius)


@pytest.mark.parametrize("method", METHODS)
def test_pairs_reports_each_unordered_pair_once(cluster, method):
    bits, radius, index, codes, owners, queries = cluster
    keys = [frozenset((a, b)) for a, b, _ in index.pairs(radius, method=method)]
    assert len(keys) == len(set(keys))


# Substring counts of the self-join: every table probed with thresholds (narrow and wide
# substrings), and more substrings than radius + 1 (only the first radius + 1, exactly).
JOIN_M = {256: [11, 16, 24, 32, 40], 64: [3, 4, 9, 12, 20]}


@pytest.mark.parametrize("position", range(5))
def test_join_equals_brute_force_for_every_substring_count(cluster, position):
    bits, radius, index, codes, owners, queries = cluster
    m = JOIN_M[bits][position]
    got = {tuple(sorted((a, b))): d for a, b, d in index.pairs(radius, method="mih", m=m)}
    assert got == reference_pairs(codes, owners, radius)


@pytest.mark.parametrize("radius", [0, 1, 5, 20])
def test_join_equals_brute_force_at_other_radii(cluster, radius):
    bits, _, index, codes, owners, queries = cluster
    got = {tuple(sorted((a, b))): d for a, b, d in index.pairs(radius, method="mih")}
    assert got == reference_pairs(codes, owners, radius)


def test_join_gives_the_same_pairs_on_one_thread_and_on_several(cluster):
    bits, radius, index, codes, owners, queries = cluster
    one = list(index.pairs(radius, method="mih", threads=1))
    assert list(index.pairs(radius, method="mih", threads=3)) == one


def test_join_spreads_rows_over_blocks_without_losing_pairs(cluster, monkeypatch):
    bits, radius, index, codes, owners, queries = cluster
    monkeypatch.setattr(hash_join, "JOIN_BLOCK", 37)  # read by HashIndex._join at each call
    got = {tuple(sorted((a, b))): d for a, b, d in index.pairs(radius, method="mih")}
    assert got == reference_pairs(codes, owners, radius)


def test_join_pairs_every_copy_of_a_shared_code():
    """Many images with one code (a crowded bucket): every pair, none with itself."""
    rng = np.random.default_rng(8)
    codes = np.vstack([np.zeros((60, 32), np.uint8), random_codes(rng, 2000, 256)])
    owners = [f"m{i // 2}" for i in range(len(codes))]  # two codes per id
    index = HashIndex(256)
    index.add(owners, hexes(codes))
    got = {tuple(sorted((a, b))): d for a, b, d in index.pairs(31, method="mih")}
    assert got == reference_pairs(codes, owners, 31)


def test_join_plan_thresholds_satisfy_the_pigeonhole_bound():
    plan = HashIndex(256).join_plan(31)
    assert sum(t + 1 for t in plan.thresholds) > 31


def test_join_plan_refuses_substrings_wider_than_its_tables():
    with pytest.raises(InvalidHash):
        HashIndex(256).join_plan(31, m=8)


def test_pairs_never_pairs_an_id_with_itself(cluster):
    bits, radius, index, codes, owners, queries = cluster
    assert all(a != b for a, b, _ in index.pairs(radius))


def test_pairs_puts_the_earlier_added_id_first():
    index = HashIndex(64)
    index.add(["z", "a"], ["0000000000000000", "0000000000000001"])
    assert list(index.pairs(1)) == [("z", "a", 1)]


# ----------------------------------------------------------------- several codes per id


@pytest.mark.parametrize("method", METHODS)
def test_id_with_several_codes_returns_its_minimum_distance_once(method):
    rng = np.random.default_rng(3)
    query = random_codes(rng, 1, 256)[0]
    index = HashIndex(256)
    index.add(
        ["a", "a", "a", "b"],
        hexes(np.stack([flip(rng, query, 20), flip(rng, query, 3), flip(rng, query, 31), query])),
    )
    assert index.search(hexes(query[None]), 31, method=method) == [[("b", 0), ("a", 3)]]


def test_codes_added_later_to_a_known_id_join_it():
    index = HashIndex(64)
    index.add(["a"], ["ffffffffffffffff"])
    index.add(["a"], ["0000000000000001"])
    assert index.search(["0000000000000000"], 8) == [[("a", 1)]]


def test_pairs_use_the_minimum_over_both_ids_codes():
    index = HashIndex(64)
    index.add(
        ["a", "a", "b", "b"],
        ["0000000000000000", "ffffffffffffffff", "00000000000000ff", "fffffffffffffffe"],
    )
    assert list(index.pairs(8)) == [("a", "b", 1)]


def test_removed_id_is_no_longer_returned():
    index = HashIndex(64)
    index.add(["a", "b", "b"], ["0000000000000000", "0000000000000001", "0000000000000003"])
    index.remove(["b"])
    assert index.search(["0000000000000000"], 8) == [[("a", 0)]]


def test_remove_counts_the_codes_it_dropped():
    index = HashIndex(64)
    index.add(["a", "b", "b"], ["0000000000000000", "0000000000000001", "0000000000000003"])
    assert index.remove(["b", "unknown"]) == 2


# ----------------------------------------------------------------- save / load


def test_save_load_round_trip_gives_identical_results(cluster, tmp_path):
    bits, radius, index, codes, owners, queries = cluster
    index.save(tmp_path / "pdq.idx")
    loaded = HashIndex.load(tmp_path / "pdq.idx")
    assert loaded.search(hexes(queries), radius) == index.search(hexes(queries), radius)


def test_save_load_keeps_ids_and_fingerprint(cluster, tmp_path):
    bits, radius, index, codes, owners, queries = cluster
    index.save(tmp_path / "pdq.idx", version="v7")
    loaded = HashIndex.load(tmp_path / "pdq.idx", expected_version="v7")
    assert (loaded.ids, loaded.fingerprint) == (index.ids, index.fingerprint)


@pytest.mark.parametrize("short_ids", [False, True])
def test_a_loaded_index_edited_then_saved_equals_one_built_from_the_same_rows(tmp_path, short_ids):
    """A loaded index keeps its ids as the bytes read (decoded for hits, looked up in the
    bytes for a few ids, by a dictionary for many): after adds to known and new ids,
    removals, searches, and a save and load again, it equals an index built from scratch
    from the same rows. Short ids ("7" inside "17", "170", ...) take the dictionary."""
    rng = np.random.default_rng(7)
    n = 400
    ids = [str(i) if short_ids else f"{i:064x}" for i in range(n)]
    codes = random_codes(rng, n, 64)
    first = HashIndex(64)
    first.add(ids, hexes(codes))
    first.save(tmp_path / "a.npz", fingerprint=False)
    loaded = HashIndex.load(tmp_path / "a.npz")
    assert len(loaded) == n and loaded.n_codes == n
    # a second code for a known id, a new id, a few lookups then many
    extra = random_codes(rng, 3, 64)
    new_ids = [ids[17], "new-1", ids[3]]
    loaded.add(new_ids, hexes(extra))
    assert loaded.remove([ids[5], "absent"]) == 1
    loaded.add(ids[100:140], hexes(random_codes(rng, 40, 64)))  # many lookups at once
    assert loaded.remove(["new-1"]) == 1
    rows_ids = [i for i in ids if i != ids[5]] + [ids[17], ids[3]] + ids[100:140]
    rows_codes = np.concatenate([np.delete(codes, 5, axis=0), extra[[0, 2]], loaded._codes[-40:]])
    built = HashIndex(64)
    built.add(rows_ids, hexes(rows_codes))
    queries = np.concatenate([codes[:20], extra])
    assert loaded.search(hexes(queries), 6) == built.search(hexes(queries), 6)
    assert sorted(loaded.ids) == sorted(built.ids) and loaded.fingerprint == built.fingerprint
    loaded.save(tmp_path / "b.npz", fingerprint=False)
    again = HashIndex.load(tmp_path / "b.npz")
    assert again.fingerprint == built.fingerprint
    assert again.search(hexes(queries), 6) == built.search(hexes(queries), 6)
    # saved right after a load with one new id: the bytes read are written back as read
    one = HashIndex.load(tmp_path / "a.npz")
    one.add(["late"], hexes(extra[:1]))
    one.save(tmp_path / "c.npz", fingerprint=False)
    assert HashIndex.load(tmp_path / "c.npz").ids == [*ids, "late"]


def test_an_empty_index_saves_and_loads(tmp_path):
    HashIndex(256).save(tmp_path / "e.npz", fingerprint=False)
    loaded = HashIndex.load(tmp_path / "e.npz")
    assert (len(loaded), loaded.n_codes, loaded.ids) == (0, 0, [])
    loaded.add(["a"], ["00" * 32])
    assert loaded.search(["00" * 32], 0) == [[("a", 0)]]


def test_id_offsets_that_do_not_fit_the_id_bytes_are_refused(tmp_path):
    index = HashIndex(64)
    index.add(["a", "bb"], ["0000000000000000", "ffffffffffffffff"])
    index.save(tmp_path / "x.npz", fingerprint=False)
    with np.load(tmp_path / "x.npz") as data:
        arrays = {k: data[k] for k in data.files}
    arrays["id_offsets"] = np.array([0, 2, 1], dtype=np.int64)  # not increasing
    meta = json.loads(bytes(arrays["meta"]).decode())
    meta["digest"] = ndindex._digest(
        arrays["codes"], arrays["owner"], arrays["id_bytes"], arrays["id_offsets"]
    )
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(tmp_path / "x.npz", **arrays)
    with pytest.raises(InvalidHash, match="offsets"):
        HashIndex.load(tmp_path / "x.npz")


def test_load_with_another_fingerprint_reports_a_stale_index(tmp_path):
    index = HashIndex(64)
    index.add(["a"], ["0000000000000000"])
    index.save(tmp_path / "x.idx")
    with pytest.raises(StaleIndex, match="fingerprint"):
        HashIndex.load(tmp_path / "x.idx", expected_fingerprint="64:1:1:0000")


def test_saved_without_a_fingerprint_it_is_tied_by_its_digest(tmp_path, monkeypatch):
    index = HashIndex(64)
    index.add(["a", "b"], ["0000000000000000", "00000000000000ff"])
    fingerprint = index.fingerprint
    index._fingerprint = None
    monkeypatch.setattr(HashIndex, "_compute_fingerprint", lambda self: pytest.fail("sorted"))
    digest = index.save(tmp_path / "x.idx", fingerprint=False)
    assert HashIndex.read_meta(tmp_path / "x.idx")["fingerprint"] is None
    loaded = HashIndex.load(tmp_path / "x.idx", expected_digest=digest)
    monkeypatch.undo()
    assert (loaded.ids, loaded.fingerprint) == (["a", "b"], fingerprint)  # computed when asked
    with pytest.raises(StaleIndex, match="digest"):
        HashIndex.load(tmp_path / "x.idx", expected_digest="0" * 64)


def test_load_with_another_version_reports_a_stale_index(tmp_path):
    index = HashIndex(64)
    index.add(["a"], ["0000000000000000"])
    index.save(tmp_path / "x.idx", version="2026-11-01")
    with pytest.raises(StaleIndex, match="version"):
        HashIndex.load(tmp_path / "x.idx", expected_version="2026-11-24")


def test_read_meta_exposes_the_fingerprint_without_loading(tmp_path):
    index = HashIndex(64)
    index.add(["a"], ["0000000000000000"])
    fingerprint = index.save(tmp_path / "x.idx", version="v1")
    meta = HashIndex.read_meta(tmp_path / "x.idx")
    assert (meta["fingerprint"], meta["version"]) == (fingerprint, "v1")


def test_fingerprint_changes_when_a_code_is_added():
    index = HashIndex(64)
    index.add(["a"], ["0000000000000000"])
    before = index.fingerprint
    index.add(["b"], ["0000000000000001"])
    assert index.fingerprint != before


def test_fingerprint_changes_when_an_id_is_removed():
    index = HashIndex(64)
    index.add(["a", "b"], ["0000000000000000", "0000000000000001"])
    before = index.fingerprint
    index.remove(["b"])
    assert index.fingerprint != before


def test_fingerprint_changes_when_a_code_moves_to_another_id():
    assert HashIndex.compute_fingerprint(
        64, ["a", "b"], ["0000000000000000", "0000000000000001"]
    ) != HashIndex.compute_fingerprint(64, ["b", "a"], ["0000000000000000", "0000000000000001"])


def test_fingerprint_ignores_insertion_order():
    a = HashIndex.compute_fingerprint(64, ["a", "b"], ["0000000000000000", "0000000000000001"])
    b = HashIndex.compute_fingerprint(64, ["b", "a"], ["0000000000000001", "0000000000000000"])
    assert a == b


def test_fingerprint_starts_with_bits_and_counts():
    fingerprint = HashIndex.compute_fingerprint(64, ["a", "a"], ["00" * 8, "ff" * 8])
    assert fingerprint.startswith("64:1:2:")


def _rewrite(path, **arrays):
    """Write ``path`` again with some arrays replaced (the metadata kept as saved)."""
    with np.load(path, allow_pickle=False) as data:
        body = {k: data[k] for k in data.files}
    body.update(arrays)
    with open(path, "wb") as f:
        np.savez(f, **body)


def test_a_saved_index_whose_codes_were_changed_is_refused_as_damaged(tmp_path):
    index = HashIndex(64)
    index.add(["a", "b"], ["0000000000000000", "00000000000000ff"])
    index.save(tmp_path / "x.idx")
    with np.load(tmp_path / "x.idx", allow_pickle=False) as data:
        codes = data["codes"].copy()
    codes[1, 7] ^= 1  # one bit of b's code
    _rewrite(tmp_path / "x.idx", codes=codes)
    with pytest.raises(InvalidHash, match="damaged"):
        HashIndex.load(tmp_path / "x.idx")


def test_a_saved_index_whose_ids_were_swapped_is_refused_as_damaged(tmp_path):
    index = HashIndex(64)
    index.add(["a", "b"], ["0000000000000000", "00000000000000ff"])
    index.save(tmp_path / "x.idx")
    _rewrite(tmp_path / "x.idx", id_bytes=np.frombuffer(b"ba", dtype=np.uint8))
    with pytest.raises(InvalidHash, match="damaged"):
        HashIndex.load(tmp_path / "x.idx")


def test_an_index_saved_before_the_digest_is_checked_by_its_fingerprint(tmp_path):
    """Files written before the digest existed load (fingerprint computed again), and a
    damaged one is still refused."""
    import json

    index = HashIndex(64)
    index.add(["a", "b"], ["0000000000000000", "00000000000000ff"])
    fp = index.save(tmp_path / "x.idx")
    meta = HashIndex.read_meta(tmp_path / "x.idx")
    del meta["digest"]
    old = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    _rewrite(tmp_path / "x.idx", meta=old)
    loaded = HashIndex.load(tmp_path / "x.idx")
    assert loaded.fingerprint == fp
    assert loaded.search(["0000000000000001"], 1) == [[("a", 1)]]
    _rewrite(tmp_path / "x.idx", id_bytes=np.frombuffer(b"ba", dtype=np.uint8))
    with pytest.raises(InvalidHash, match="fingerprint"):
        HashIndex.load(tmp_path / "x.idx")


def test_a_loaded_index_has_the_fingerprint_it_would_compute(cluster, tmp_path):
    bits, radius, index, codes, owners, queries = cluster
    index.save(tmp_path / "pdq.idx")
    loaded = HashIndex.load(tmp_path / "pdq.idx")
    assert loaded.fingerprint == loaded._compute_fingerprint() == index.fingerprint


def test_loading_a_file_that_is_not_an_index_is_refused(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, meta=np.frombuffer(b'{"format": "other"}', dtype=np.uint8))
    with pytest.raises(InvalidHash, match="not a cluegraph-ndindex"):
        HashIndex.load(path)


# ----------------------------------------------------------------- errors


def test_search_on_an_empty_index_says_it_is_empty():
    with pytest.raises(ValueError, match="empty"):
        HashIndex(256).search(["00" * 32], 31)


def test_pairs_on_an_empty_index_says_it_is_empty():
    with pytest.raises(ValueError, match="empty"):
        list(HashIndex(64).pairs(8))


def test_bad_hex_character_names_its_position():
    with pytest.raises(ValueError, match=r"hexes\[2\].*not hexadecimal"):
        HashIndex(64).add(["a", "b", "c"], ["00" * 8, "11" * 8, "0g" + "00" * 7])


def test_hex_of_wrong_length_names_its_position():
    with pytest.raises(ValueError, match=r"hexes\[1\].*16-character"):
        HashIndex(64).add(["a", "b"], ["00" * 8, "00" * 32])


def test_non_string_hex_names_its_position():
    with pytest.raises(ValueError, match=r"hexes\[0\]: None"):
        HashIndex(64).add(["a"], [None])


def test_bad_query_names_its_position():
    index = HashIndex(64)
    index.add(["a"], ["00" * 8])
    with pytest.raises(ValueError, match=r"query_hexes\[1\]"):
        index.search(["00" * 8, "xyz"], 8)


def test_single_string_query_is_refused():
    index = HashIndex(64)
    index.add(["a"], ["00" * 8])
    with pytest.raises(ValueError, match="single string"):
        index.search("00" * 8, 8)


def test_ids_and_hexes_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="differ in length"):
        HashIndex(64).add(["a", "b"], ["00" * 8])


def test_empty_id_names_its_position():
    with pytest.raises(ValueError, match=r"ids\[1\]"):
        HashIndex(64).add(["a", ""], ["00" * 8, "00" * 8])


@pytest.mark.parametrize("radius", [-1, 65, 2.5])
def test_radius_outside_the_code_is_refused(radius):
    index = HashIndex(64)
    index.add(["a"], ["00" * 8])
    with pytest.raises(ValueError, match="radius"):
        index.search(["00" * 8], radius)


def test_unknown_method_is_refused():
    index = HashIndex(64)
    index.add(["a"], ["00" * 8])
    with pytest.raises(ValueError, match="method"):
        index.search(["00" * 8], 8, method="lsh")


def test_bits_not_a_multiple_of_eight_is_refused():
    with pytest.raises(ValueError, match="bits"):
        HashIndex(100)


def test_array_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match=r"shape \(n, 8\)"):
        HashIndex(64).add(["a"], np.zeros((1, 32), np.uint8))


def test_errors_are_cluegraph_invalid_input():
    from graph.errors import InvalidInput

    with pytest.raises(InvalidInput):
        HashIndex(64).add(["a"], ["zz"])


# ----------------------------------------------------------------- input forms and plan


def test_uppercase_hex_and_uint8_arrays_give_the_same_codes():
    codes = np.array([[0xAB, 0xCD]], dtype=np.uint8)
    assert (parse_hashes(["ABCD"], 16) == parse_hashes(codes, 16)).all()


def test_hex_digits_map_to_bytes_in_order():
    assert parse_hashes(["0f1e"], 16).tolist() == [[0x0F, 0x1E]]


def test_cost_model_prefers_mih_for_a_million_pdq_codes():
    assert mih.make_plan(256, 1_000_000, 31, None, 256).method == "mih"


def test_cost_model_prefers_flat_for_a_few_codes():
    assert mih.make_plan(256, 500, 31, None, 1).method == "flat"


def test_plan_thresholds_satisfy_the_pigeonhole_bound():
    plan = HashIndex(256).plan(31, m=13)
    assert sum(t + 1 for t in plan.thresholds) > 31


def test_auto_switches_a_batch_to_flat_when_buckets_are_crowded(monkeypatch):
    """A fifth of the codes identical: the plan expects MIH, the real bucket sizes say flat."""
    rng = np.random.default_rng(11)
    codes = np.vstack([np.zeros((20_000, 32), np.uint8), random_codes(rng, 80_000, 256)])
    index = HashIndex(256)
    index.add([f"m{i}" for i in range(len(codes))], codes)
    flat_batches = []
    real_flat = HashIndex._flat_matches

    def spy(self, q, radius, base):
        flat_batches.append(len(q))
        return real_flat(self, q, radius, base)

    monkeypatch.setattr(HashIndex, "_flat_matches", spy)
    queries = np.stack([flip(rng, np.zeros(32, np.uint8), 3) for _ in range(32)])
    index.search(queries, 31)
    assert flat_batches == [32]


def test_auto_answers_crowded_buckets_exactly():
    rng = np.random.default_rng(12)
    codes = np.vstack([np.zeros((20_000, 32), np.uint8), random_codes(rng, 80_000, 256)])
    owners = [f"m{i}" for i in range(len(codes))]
    index = HashIndex(256)
    index.add(owners, codes)
    queries = np.stack([flip(rng, np.zeros(32, np.uint8), d) for d in (0, 3, 31, 32)])
    expected = reference_search(codes, owners, queries, 31)
    assert as_dicts(index.search(queries, 31)) == expected


@pytest.mark.parametrize("bits", [64, 256])
def test_a_small_flat_scan_without_faiss_gives_what_faiss_gives(bits, monkeypatch):
    """A flat scan small enough (``SMALL_SCAN_BYTES``) is made with numpy, without
    importing faiss: the same rows and distances as faiss's range search, searched and
    joined, and as brute force."""
    rng = np.random.default_rng(bits)
    codes = random_codes(rng, 300, bits)
    codes[150:160] = [flip(rng, codes[i], i % 5) for i in range(10)]  # near pairs
    owners = [f"m{i}" for i in range(300)]
    queries = np.concatenate([codes[:20], random_codes(rng, 5, bits)])
    radius = bits // 16

    def run() -> tuple[list, dict]:
        index = HashIndex(bits, method="flat")
        index.add(owners, hexes(codes))
        found = index.search(hexes(queries), radius)
        pairs = {(a, b) if a < b else (b, a): d for a, b, d in index.pairs(radius)}
        return found, pairs

    small = run()
    monkeypatch.setattr(ndindex, "SMALL_SCAN_BYTES", 0)  # faiss for every scan
    assert small == run()
    ref = reference_search(codes, owners, queries, radius)
    assert [dict(hits) for hits in small[0]] == ref
    assert small[1] == reference_pairs(codes, owners, radius)
