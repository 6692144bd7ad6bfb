"""The visual index's saved inverted file: the next process maps it instead of building it.

A one-picture load into an index of 100k pictures built the whole inverted file again
(7-15 s) before its one query; now the build is saved beside the shards with the blocks
of pictures added since, and the next command maps them. These tests check that the
mapped file answers exactly as the file built in memory would, that it is dropped when
it no longer describes the index, and that a damaged one is built again, not misread.
"""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import numpy as np
import pytest

from media.visual import index as index_mod
from media.visual.features import SceneFeatures, extract
from media.visual.index import VisualIndex
from tests.media.drawing import rectangles


def _texture(seed: int, w: int = 480, h: int = 360) -> np.ndarray:
    return rectangles(seed, w, h, 200)


@pytest.fixture()
def trained(tmp_path: Path, monkeypatch) -> tuple[Path, dict[str, SceneFeatures]]:
    """An index of 10 pictures with a vocabulary (trained from 8 pictures on, not 48, so
    that the test extracts few pictures)."""
    monkeypatch.setattr(index_mod, "VOCAB_MIN", 8)
    d = tmp_path / "vis"
    idx = VisualIndex.open(d)
    feats = {f"p{i:02d}": extract(_texture(200 + i)) for i in range(10)}
    for k, f in feats.items():
        idx.add(k, f)
    idx.save()
    assert idx.vocab is not None
    return d, feats


def _same(a: list[tuple[str, float]], b: list[tuple[str, float]]) -> None:
    assert [k for k, _ in a] == [k for k, _ in b]
    assert np.allclose([s for _, s in a], [s for _, s in b], rtol=0, atol=1e-6)


def _saved(d: Path) -> list[Path]:
    return sorted(d.glob("inverted-*.bin"))


def test_the_next_process_maps_the_saved_build_and_answers_alike(trained, monkeypatch) -> None:
    d, feats = trained
    idx = VisualIndex.open(d)
    built = {k: idx.candidates(f, k=10) for k, f in feats.items()}
    assert not _saved(d)  # nothing is saved by a query (readers hold no lock)
    idx.save()
    (part,) = _saved(d)
    assert stat.S_IMODE(part.stat().st_mode) == 0o600
    again = VisualIndex.open(d)
    # opening read no word list, and no query builds the file again
    assert dict.__len__(again._words) == 0
    monkeypatch.setattr(VisualIndex, "_build", lambda *a, **k: pytest.fail("built again"))
    for k, f in feats.items():
        _same(again.candidates(f, k=10), built[k])
    # the words are still there when asked for (read from the shard then)
    assert np.array_equal(again._words["p03"], idx._words["p03"])


def test_pictures_added_later_are_saved_as_blocks_and_merged(trained, monkeypatch) -> None:
    d, feats = trained
    monkeypatch.setattr(index_mod, "MAX_BLOCKS", 2)
    monkeypatch.setattr(index_mod, "DELTA_MAX", 0.35)  # 3 added to 10: one block, no rebuild
    idx = VisualIndex.open(d)
    idx.candidates(feats["p00"], k=5)
    idx.save()
    reference = VisualIndex.open(d)  # the same additions in one process, nothing saved
    new = {f"n{i}": extract(_texture(300 + i)) for i in range(3)}
    for i, (k, f) in enumerate(new.items()):  # one picture a command, as small loads do
        cmd = VisualIndex.open(d)
        assert cmd._delta_keys == list(new)[:i]
        cmd.add(k, f)
        cmd.save()
        reference.add(k, f)
        # base + one block a picture, merged into one block at the third (MAX_BLOCKS 2)
        assert len(_saved(d)) == (2, 3, 2)[i]
    again = VisualIndex.open(d)
    assert again._delta_keys == list(new) and len(again._blocks) == 1
    for f in [*new.values(), feats["p04"]]:
        _same(again.candidates(f, k=13), reference.candidates(f, k=13))
    assert again.candidates(new["n2"], k=1)[0][0] == "n2"
    # past DELTA_MAX of the full build, the next command builds it whole (new idf) and
    # saves that, with no block
    cmd = VisualIndex.open(d)
    cmd.add("n3", extract(_texture(303)))
    cmd.save()
    assert not _saved(d)
    cmd.candidates(new["n0"], k=1)
    cmd.save()
    assert len(_saved(d)) == 1
    last = VisualIndex.open(d)
    assert last._matrix is not None and len(last._matrix[0]) == 14 and not last._delta_keys


def test_a_removed_or_replaced_picture_drops_the_saved_build(trained) -> None:
    d, feats = trained
    idx = VisualIndex.open(d)
    idx.candidates(feats["p00"], k=5)
    idx.save()
    assert _saved(d)
    idx.remove(["p01"])
    idx.save()
    assert not _saved(d) and json.loads((d / "manifest.json").read_text())["inverted"] is None
    again = VisualIndex.open(d)
    assert again._matrix is None
    assert "p01" not in [k for k, _ in again.candidates(feats["p01"], k=10)]
    again.save()  # built by that query: saved now
    assert len(_saved(d)) == 1
    # the same key with other features (analysed again): its old words must not be used
    third = VisualIndex.open(d)
    assert third._matrix is not None
    third.add("p02", feats["p05"])
    third.save()
    assert not _saved(d)
    got = VisualIndex.open(d).candidates(feats["p05"], k=2)
    assert {k for k, _ in got} == {"p02", "p05"}


def test_a_build_saved_by_another_index_state_is_not_used(trained) -> None:
    """A manifest that lists a build covering a picture the shards no longer hold (a
    save killed between the shards and the manifest, or files copied by hand)."""
    d, feats = trained
    idx = VisualIndex.open(d)
    idx.candidates(feats["p00"], k=5)
    idx.save()
    (d / f"shard-{index_mod._shard_of('p07'):02x}.bin").unlink()  # from under the build
    again = VisualIndex.open(d)
    assert "p07" not in again and again._matrix is None
    assert "p07" not in [k for k, _ in again.candidates(feats["p07"], k=10)]


@pytest.mark.parametrize("damage", ["truncate", "garbage", "missing"])
def test_a_damaged_saved_build_is_built_again_not_misread(trained, caplog, damage) -> None:
    d, feats = trained
    idx = VisualIndex.open(d)
    built = idx.candidates(feats["p06"], k=10)
    idx.save()
    (part,) = _saved(d)
    if damage == "truncate":
        part.write_bytes(part.read_bytes()[:-7])
    elif damage == "garbage":
        part.write_bytes(b"\0" * part.stat().st_size)
    else:
        part.unlink()
    with caplog.at_level(logging.WARNING, logger="cluegraph.visual.index"):
        again = VisualIndex.open(d)
    assert again._matrix is None
    assert "inverted file cannot be read" in caplog.text
    assert str(d) in caplog.text and "p06" not in caplog.text  # no record contents
    _same(again.candidates(feats["p06"], k=10), built)


def _as_version_1(path: Path) -> None:
    """Rewrite a shard the way ClueGraph wrote it before 2026-12-07 (each record followed
    by its key)."""
    import struct

    with open(path, "rb") as fh:
        vid, _gen, keys, fl, nw, words_at = index_mod._read_table(fh, path)
        fh.seek(words_at)
        rest = fh.read()
    parts = [struct.pack(index_mod._HEAD, index_mod._MAGIC, 1, vid, len(keys))]
    for k, f, w in zip(keys, fl.tolist(), nw.tolist(), strict=True):
        parts.append(struct.pack(index_mod._REC, len(k.encode()), f, w) + k.encode())
    path.write_bytes(b"".join(parts) + rest)


def test_shards_written_before_version_2_are_read_and_rewritten(trained) -> None:
    """An index written before 2026-12-07 (manifest and shards of version 1) is read, and
    the shards that change are written as version 2."""
    d, feats = trained
    shards = sorted(d.glob("shard-*.bin"))
    for p in shards:
        _as_version_1(p)
    man = json.loads((d / "manifest.json").read_text())
    del man["inverted"]
    (d / "manifest.json").write_text(json.dumps({**man, "version": 1}))
    old = VisualIndex.open(d)
    assert old.keys() == sorted(feats)
    for k, f in feats.items():
        assert np.array_equal(old.get(k).desc, f.desc)
    fresh_words = {k: old._words[k] for k in feats}
    old.add("n0", extract(_texture(400)))
    old.save()  # the shards it rewrites are version 2; the others stay readable
    again = VisualIndex.open(d)
    assert again.keys() == sorted([*feats, "n0"])
    for k, f in feats.items():
        assert np.array_equal(again.get(k).desc, f.desc)
        assert np.array_equal(again._words[k], fresh_words[k])
    assert json.loads((d / "manifest.json").read_text())["version"] == 2
    rewritten = d / f"shard-{index_mod._shard_of('n0'):02x}.bin"
    assert rewritten.read_bytes()[4:6] == b"\x02\x00"
    assert any(p.read_bytes()[4:6] == b"\x01\x00" for p in shards if p != rewritten)


def test_keys_with_line_breaks_and_words_read_late(trained) -> None:
    """The version-2 shard splits its keys on line breaks; a key holding one is still cut
    right. Words not read yet stay consistent through a removal and a re-analysis."""
    d, feats = trained
    idx = VisualIndex.open(d)
    idx.add("odd\nkey", feats["p00"])
    idx.save()
    again = VisualIndex.open(d)
    assert "odd\nkey" in again.keys() and len(again) == 11
    assert np.array_equal(again.get("odd\nkey").desc, feats["p00"].desc)
    assert np.array_equal(again._words["odd\nkey"], again._words["p00"])
    # removal before anything of its shard was read: its words do not come back
    third = VisualIndex.open(d)
    third.remove(["p01"])
    assert "p01" not in third._words and third._words.get("p01") is None
    # a re-analysis before its shard was read: the new words win over the shard's
    third.add("p02", feats["p05"])
    assert np.array_equal(third._words["p02"], third._words["p05"])
    third.save()
    fourth = VisualIndex.open(d)
    assert "p01" not in fourth and np.array_equal(fourth._words["p02"], fourth._words["p05"])


# ----------------------------------------------------------------------------- shard tails


def _key_in_shard_of(existing: str, prefix: str, skip: int = 0) -> str:
    """A new key that falls in the same shard as ``existing`` (the ``skip``-th such)."""
    target, i = index_mod._shard_of(existing), 0
    while True:
        key = f"{prefix}{i}"
        if index_mod._shard_of(key) == target:
            if skip == 0:
                return key
            skip -= 1
        i += 1


def _tails(d: Path, key: str) -> list[str]:
    return sorted(p.name for p in d.glob(f"shard-{index_mod._shard_of(key):02x}+*.bin"))


def test_additions_are_written_as_tails_and_the_base_is_left_alone(trained, monkeypatch) -> None:
    d, feats = trained
    monkeypatch.setattr(index_mod, "TAIL_SHARE", 100.0)  # one picture a shard here
    base = d / f"shard-{index_mod._shard_of('p03'):02x}.bin"
    before = base.read_bytes()
    new = _key_in_shard_of("p03", "n")
    extra = extract(_texture(500))
    idx = VisualIndex.open(d)
    idx.add(new, extra)
    # p03 analysed again (new features under the same key): written to the tail too
    idx.add("p03", feats["p05"])
    words = {k: idx._words[k] for k in (new, "p03")}
    idx.save()
    assert base.read_bytes() == before and len(_tails(d, new)) == 1
    again = VisualIndex.open(d)
    assert len(again) == 11 and again.keys() == sorted([*feats, new])
    assert np.array_equal(again.get(new).desc, extra.desc)
    assert np.array_equal(again.get("p03").desc, feats["p05"].desc)  # the tail's record wins
    for k, w in words.items():
        assert np.array_equal(again._words[k], w)
    assert np.array_equal(again.get("p06").desc, feats["p06"].desc)


def test_tails_are_merged_then_folded_into_the_base(trained, monkeypatch) -> None:
    d, feats = trained
    monkeypatch.setattr(index_mod, "TAIL_MAX", 2)
    monkeypatch.setattr(index_mod, "TAIL_SHARE", 100.0)  # one picture a shard here
    base = d / f"shard-{index_mod._shard_of('p04'):02x}.bin"
    before = base.read_bytes()
    added = {}
    for i, want in enumerate((1, 2, 1)):  # the third write merges the two tails and itself
        key = _key_in_shard_of("p04", "t", skip=i)
        added[key] = extract(_texture(600 + i))
        idx = VisualIndex.open(d)
        idx.add(key, added[key])
        idx.save()
        assert len(_tails(d, key)) == want and base.read_bytes() == before
    monkeypatch.setattr(index_mod, "TAIL_SHARE", 0.0)  # the next addition folds them in
    key = _key_in_shard_of("p04", "t", skip=3)
    added[key] = extract(_texture(610))
    idx = VisualIndex.open(d)
    idx.add(key, added[key])
    idx.save()
    assert not _tails(d, key) and base.read_bytes() != before
    again = VisualIndex.open(d)
    for k, f in {**feats, **added}.items():
        assert np.array_equal(again.get(k).desc, f.desc)


def test_a_removal_rewrites_the_base_and_an_older_tail_never_comes_back(
    trained, monkeypatch
) -> None:
    d, feats = trained
    monkeypatch.setattr(index_mod, "TAIL_SHARE", 100.0)  # one picture a shard here
    new = _key_in_shard_of("p02", "n")
    idx = VisualIndex.open(d)
    idx.add(new, extract(_texture(700)))
    idx.save()
    (tail,) = _tails(d, new)
    kept = (d / tail).read_bytes()
    idx = VisualIndex.open(d)
    idx.remove([new])
    idx.save()
    assert not _tails(d, new)
    # a process killed after writing the new base, before deleting the tail it replaced
    (d / tail).write_bytes(kept)
    again = VisualIndex.open(d)
    assert new not in again and again.keys() == sorted(feats)
    assert np.array_equal(again.get("p02").desc, feats["p02"].desc)
    # the next writer deletes it, and a new tail does not reuse its number
    again.add(_key_in_shard_of("p02", "n", skip=1), extract(_texture(701)))
    again.save()
    assert tail not in _tails(d, new) and len(_tails(d, new)) == 1
    assert VisualIndex.open(d).keys() == sorted([*feats, _key_in_shard_of("p02", "n", skip=1)])
