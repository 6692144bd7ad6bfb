"""VICS files as Windows tools write them: a UTF-8 byte-order mark and CRLF line ends, or
UTF-16 (LE/BE) with its BOM, in both VICS 1.x and 2.0; fuzzed with hypothesis.

Hashes here are digests of made-up byte strings, never of real files.
"""

from __future__ import annotations

import json
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph import db
from loaders.vics import FORMAT_1, FORMAT_2, iter_items, load_vics, validate_item
from tests.loaders.test_vics import CTX_1, CTX_2, h, item, lists

ENCODINGS = ["utf-8", "utf-8-bom-crlf", "utf-16-le", "utf-16-be"]


def document(media: list[dict], version: str) -> dict:
    if version == FORMAT_1:
        return {"odata.metadata": CTX_1, "value": [{"CaseID": "c-1", "Media": media}]}
    return {"@odata.context": CTX_2, "value": media}


def encode(doc: dict, encoding: str) -> bytes:
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    if encoding == "utf-8":
        return text.encode("utf-8")
    if encoding == "utf-8-bom-crlf":
        return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")
    bom = b"\xff\xfe" if encoding == "utf-16-le" else b"\xfe\xff"
    return bom + text.replace("\n", "\r\n").encode(encoding)


def rows_of(path: Path) -> tuple[str, list[dict]]:
    meta: dict = {}
    with open(path, "rb") as fh:
        rows = [validate_item(i, path.name, frozenset({5})) for i in iter_items(fh, meta)]
    return meta["format"], rows


@pytest.mark.parametrize("version", [FORMAT_1, FORMAT_2])
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_encoding_reads_the_same_rows(tmp_path, version, encoding):
    media = [item(i, Series="Série ü") for i in range(30)]
    plain = tmp_path / "plain.json"
    plain.write_bytes(encode(document(media, version), "utf-8"))
    p = tmp_path / "set.json"
    p.write_bytes(encode(document(media, version), encoding))
    assert rows_of(p) == rows_of(plain)
    assert rows_of(p)[0] == version


@pytest.mark.neo4j
def test_vics_20_with_bom_and_crlf_loads(driver, tmp_path):
    p = tmp_path / "windows.json"
    p.write_bytes(encode(document([item(i) for i in range(4)], FORMAT_2), "utf-8-bom-crlf"))
    report = load_vics(driver, p, "Windows export")
    assert (report.refused, report.refusal, report.written, len(lists(driver))) == (
        False,
        "",
        4,
        4,
    )
    assert db.records(driver, "MATCH (hs:HashSet) RETURN hs.format AS f", name="t") == [
        {"f": FORMAT_2}
    ]


def test_utf16_reading_is_streamed_not_whole(tmp_path):
    p = tmp_path / "big16.json"
    p.write_bytes(encode(document([item(i) for i in range(30_000)], FORMAT_2), "utf-16-le"))
    tracemalloc.start()
    n = sum(1 for _ in iter_items(open(p, "rb"), {}))  # noqa: SIM115
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (n, p.stat().st_size > 15_000_000, peak < 8_000_000) == (30_000, True, True)


def test_bad_utf16_is_refused_naming_the_file(tmp_path):
    p = tmp_path / "bad16.json"
    p.write_bytes(b"\xff\xfe" + '{"value": ['.encode("utf-16-le") + b"\x00\xd8\x41\x00")
    report = load_vics(None, p, "S", dry_run=True)
    assert report.refused
    assert report.refusal.startswith("bad16.json: not valid UTF-16-LE near byte")


def test_utf32_is_refused_with_a_reason(tmp_path):
    p = tmp_path / "u32.json"
    p.write_bytes("{}".encode("utf-32"))
    report = load_vics(None, p, "S", dry_run=True)
    assert report.refusal == (
        "u32.json: UTF-32 is not supported: save the file as UTF-8 (or UTF-16)"
    )


# ----------------------------------------------------------------------------- fuzz
hexes = st.integers(min_value=0, max_value=10**9)
records = st.fixed_dictionaries(
    {
        "n": hexes,
        "Category": st.integers(min_value=0, max_value=5),
        "Series": st.text(min_size=1, max_size=20).filter(lambda s: s.strip()),
        "VictimIdentified": st.booleans(),
        "Tags": st.lists(st.text(min_size=1, max_size=8).filter(lambda s: s.strip()), max_size=3),
    }
)


def _media(recs: list[dict]) -> list[dict]:
    out = []
    for r in recs:
        extra = {k: v for k, v in r.items() if k != "n"}
        out.append({**item(0), **extra, "MD5": h("md5", r["n"]), "SHA1": h("sha1", r["n"])})
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    recs=st.lists(records, min_size=0, max_size=8),
    version=st.sampled_from([FORMAT_1, FORMAT_2]),
    encoding=st.sampled_from(ENCODINGS),
)
def test_fuzz_valid_records_round_trip_in_every_encoding(recs, version, encoding):
    with tempfile.TemporaryDirectory() as d:
        media = _media(recs)
        plain = Path(d) / "plain.json"
        plain.write_bytes(encode(document(media, version), "utf-8"))
        p = Path(d) / "set.json"
        p.write_bytes(encode(document(media, version), encoding))
        assert rows_of(p) == rows_of(plain)
        assert len(rows_of(p)[1]) == len(recs)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b""]).flatmap(
            lambda bom: st.binary(max_size=300).map(lambda b: bom + b)
        ),
    )
)
def test_fuzz_random_bytes_are_refused_naming_the_file_never_a_crash(data):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "random.json"
        p.write_bytes(data)
        report = load_vics(None, p, "S", dry_run=True)
        if report.refused:
            assert report.refusal.startswith("random.json: ")
        else:  # random bytes that happen to form a VICS document: every error named
            assert all(e.file == "random.json" for e in report.errors)
