"""On-disk index of scene features with a visual-vocabulary retrieval stage.

Layout of the index directory (mode 0700, every file mode 0600):

- ``manifest.json``: format version, the features' format (``FORMAT_VERSION`` of
  :mod:`.features`) and the id of the current vocabulary. An index whose features are of
  another format (written by an older ClueGraph) cannot be read: opening it clears it, and
  the visual pass, whose state follows the same format, analyses every picture again;
- ``vocab-<id>.npy``: the visual vocabulary, k-means centroids of RootSIFT descriptors
  trained with faiss on the indexed collection itself (no model is shipped or fetched);
- ``shard-XX.bin`` (256 shards by key hash): per picture its key, its visual words and its
  :class:`SceneFeatures` bytes. Opening reads only the keys; a shard's words are read when
  an inverted file must be built from them, and features when a match is verified;
- ``shard-XX+N.bin``: tails of shard XX, the pictures added since its base was written
  (a later file's record of a key replaces an earlier one). A chunk of the pass adds a
  picture to ~60 shards: rewriting them whole cost 3.4-4 s a chunk at 100k pictures and
  would cost ten times that at 1M; a tail costs what it holds. Past ``TAIL_MAX`` tails are
  merged into one, and past ``TAIL_SHARE`` of the base's bytes they are folded into a new
  base (so a shard is rewritten each time it has grown by a quarter). A removal, a new
  vocabulary or a base of version 1 writes the base again. Each base carries a random
  generation that its tails repeat: a tail of a replaced base (a process killed between
  writing the new base and deleting the old tails) is ignored, then deleted by the next
  writer;
- ``inverted-<name>.bin``: the inverted file of the last full build (with its idf) and one
  per block of pictures added since, as the manifest lists them, mapped read-only by the
  next process: a one-picture load into an index of 100k pictures maps it instead of
  building it again (7-15 s at 100k). A build that no longer describes the index (another
  vocabulary, a picture removed or replaced) is dropped and built again on the next query.

Every file is written to a temporary name, flushed to disk and renamed over the old one,
so a killed process leaves either the old or the new version of each file. A shard whose
words belong to another vocabulary (killed during a retraining) is re-quantised on open.

Retrieval: tf-idf over visual words (square-rooted term counts, against bursts of
repeated wallpaper patterns) with an inverted file (a sparse words x pictures matrix, so a
query reads only its own words' posting lists); while the index
is too small to train a vocabulary (fewer than ``VOCAB_MIN`` pictures) every picture is a
candidate, ranked by its count of ratio-test matches.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import struct
from collections.abc import Iterable, Sequence
from itertools import repeat
from pathlib import Path
from typing import Any, BinaryIO, cast

import faiss
import numpy as np
import scipy.sparse as sp

from .features import FORMAT_VERSION, SceneFeatures, VisualError

log = logging.getLogger("cluegraph.visual.index")

VOCAB_MIN = 48  # pictures before a vocabulary is trained
VOCAB_RETRAIN_UNTIL = 20_000  # beyond this size the vocabulary stays fixed
VOCAB_MAX_K = 4096
N_SHARDS = 256
#: Pictures added after the inverted file was built go into small added blocks weighted
#: with that build's idf (a pass at 100k pictures does not rebuild 100k pictures' file
#: after each chunk); the whole file is built again once they are this share of it ...
DELTA_MAX = 0.25
#: ... and the blocks are merged into one when there are this many
MAX_BLOCKS = 16
#: Scene verification is asked only of candidates scoring at least this (tf-idf cosine with
#: a vocabulary; ratio-test matches before one). Measured on the tuning rooms 500-515 of
#: bench/scene_data.py (64 pictures, every pair verified): see docs/visual.md.
MIN_VERIFY_TFIDF = 0.18
MIN_VERIFY_BRUTE = 14.0
_MAGIC = b"CGVI"
#: of the manifest: 2 since 2026-12-07 (shards of version 2, saved inverted files), so
#: that an older ClueGraph says "unknown format version" instead of "damaged shard";
#: a manifest of version 1 is read as it is
_VERSION = 2
_SHARD_VERSION = 2  # of the shards written now (1 is still read)
_HEAD = "<4sH16sI"
_REC = "<HII"  # key bytes, features bytes, words (a record of a version-1 shard)
_REC_DT = np.dtype([("kl", "<u2"), ("fl", "<u4"), ("nw", "<u4")])  # the same, version 2
_GEN = 8  # bytes of a version-2 shard's generation, right after the header
#: A shard's additions are written as tails (``shard-XX+N.bin``) beside its base file
#: instead of rewriting the base (12.5 MB a shard at 100k pictures, 125 MB at 1M): at most
#: this many tails, then they are merged into one ...
TAIL_MAX = 8
#: ... and the base is rewritten with them once they hold this share of its bytes
TAIL_SHARE = 0.25
_SHARD_NAME = re.compile(r"shard-([0-9a-f]{2})(?:\+(\d+))?\.bin")


def _shard_of(key: str) -> int:
    return hashlib.blake2b(key.encode(), digest_size=1).digest()[0] % N_SHARDS


def _write_atomic(path: Path, data: bytes | Sequence[Any]) -> None:
    """Write ``data`` (one buffer, or several written one after the other without joining
    them) to ``path`` through a temporary file of mode 0600, synced, then renamed over it:
    a reader sees the old file or the new one, never half of it."""
    parts = [data] if isinstance(data, bytes) else list(data)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        for part in parts:
            view = memoryview(part).cast("B")
            while view:
                view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _shard_file(s: int, tail: int = 0) -> str:
    """The base file of shard ``s`` (tail 0) or its tail number ``tail``."""
    return f"shard-{s:02x}.bin" if tail == 0 else f"shard-{s:02x}+{tail}.bin"


def _fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_table(
    fh: BinaryIO, path: Path
) -> tuple[bytes, bytes, list[str], np.ndarray, np.ndarray, int]:
    """A shard file's vocabulary id, its generation (empty for version 1), its keys, their
    features' lengths and word counts, and the offset of its first word.

    Shards of version 2 (written since 2026-12-07) hold the record table as one array and
    the keys as one run of bytes: read in two reads, no loop over records in Python
    (0.69 s to open 100k pictures with version 1). Version 1 interleaved each record with
    its key; such shards are still read, record by record, and written again as version 2
    when they change."""
    head = fh.read(struct.calcsize(_HEAD))
    if len(head) != struct.calcsize(_HEAD):
        raise VisualError(f"visual index {path}: damaged shard header")
    magic, ver, vid, n = struct.unpack(_HEAD, head)
    if magic != _MAGIC or ver not in (1, _SHARD_VERSION):
        raise VisualError(f"visual index {path}: damaged shard header")
    if ver == _SHARD_VERSION:
        gen = fh.read(_GEN)
        raw = fh.read(n * _REC_DT.itemsize)
        if len(raw) != n * _REC_DT.itemsize:
            raise VisualError(f"visual index {path}: shard is truncated")
        table = np.frombuffer(raw, _REC_DT)
        size = int(table["kl"].sum(dtype=np.int64)) + max(n - 1, 0)
        blob = fh.read(size)
        if len(blob) != size:
            raise VisualError(f"visual index {path}: shard is truncated")
        keys = blob.decode().split("\n") if n else []
        if len(keys) != n:  # a key holding a line break: cut by the lengths instead
            kls = table["kl"].tolist()
            ends = np.cumsum(table["kl"].astype(np.int64) + 1).tolist()
            keys = [blob[e - 1 - kl : e - 1].decode() for e, kl in zip(ends, kls, strict=True)]
        return (
            vid,
            gen,
            keys,
            table["fl"].astype(np.int64),
            table["nw"].astype(np.int64),
            struct.calcsize(_HEAD) + _GEN + len(raw) + len(blob),
        )
    rec = struct.Struct(_REC)
    buf, pos = b"", 0
    recs: list[tuple[str, int, int]] = []
    for _ in range(n):
        if len(buf) - pos < rec.size + 512:  # a record and the longest key it can have
            more = fh.read(max(65536, (n - len(recs)) * (rec.size + 72)))
            buf, pos = buf[pos:] + more, 0
        if len(buf) - pos < rec.size:
            raise VisualError(f"visual index {path}: shard is truncated")
        kl, fl, nw = rec.unpack_from(buf, pos)
        key = buf[pos + rec.size : pos + rec.size + kl]
        if len(key) != kl:
            raise VisualError(f"visual index {path}: shard is truncated")
        recs.append((key.decode(), fl, nw))
        pos += rec.size + kl
    return (
        vid,
        b"",
        [k for k, _, _ in recs],
        np.array([fl for _, fl, _ in recs], np.int64),
        np.array([nw for _, _, nw in recs], np.int64),
        fh.tell() - (len(buf) - pos),
    )


class _Words(dict[str, np.ndarray]):
    """Key -> visual words of the picture, read from its shard on first use (a whole
    shard's words at once): a query answered from the saved inverted file needs none of
    them, so opening an index of 100k pictures does not read 100k word lists."""

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self.dir = directory
        # shard -> per file of it (tail number, 0 for the base): its keys, the offsets of
        # their words and their word counts (not read yet)
        self._unread: dict[int, list[tuple[int, list[str], list[int], list[int]]]] = {}

    def locate(
        self, shard: int, tail: int, keys: list[str], offsets: list[int], ns: list[int]
    ) -> None:
        """Where the words of a shard file's keys are (read when one of them is asked for)."""
        self._unread.setdefault(shard, []).append((tail, keys, offsets, ns))

    def _read_shard(self, s: int) -> None:
        # the latest file first: a key written again in a tail has its newest words there
        for t, keys, offsets, ns in sorted(self._unread.pop(s), key=lambda f: -f[0]):
            if not keys:
                continue
            lo = min(offsets)
            hi = max(at + 2 * n for at, n in zip(offsets, ns, strict=True))
            with open(self.dir / _shard_file(s, t), "rb") as fh:
                fh.seek(lo)
                raw = fh.read(hi - lo)
            if len(raw) != hi - lo:
                raise VisualError(f"visual index {self.dir}: {_shard_file(s, t)} is truncated")
            for k, at, n in zip(keys, offsets, ns, strict=True):
                if not dict.__contains__(self, k):  # a value set since is newer
                    dict.__setitem__(
                        self, k, np.frombuffer(raw, "<u2", n, at - lo).astype(np.int32)
                    )

    def _ensure(self, key: str) -> None:
        s = _shard_of(key)
        if s in self._unread:
            self._read_shard(s)

    def __missing__(self, key: str) -> np.ndarray:
        self._ensure(key)
        if not dict.__contains__(self, key):
            raise KeyError(key)
        return dict.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        if dict.__contains__(self, key):
            return True
        if isinstance(key, str):
            self._ensure(key)
        return dict.__contains__(self, key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            return default

    def pop(self, key: str, *default: Any) -> Any:  # type: ignore[override]
        self._ensure(key)  # else the shard's copy would come back on its first read
        return dict.pop(self, key, *default)


_INV_MAGIC = b"CGVF"
_INV_VERSION = 1
_INV_HEAD = struct.Struct("<4sHBB4xQQQQ")  # magic, version, index bytes, idf?, n, kv, nnz, keys


def _write_part(path: Path, keys: list[str], inv: sp.csr_matrix, idf: np.ndarray | None) -> None:
    """Save a words x pictures inverted file (the full build with its idf, or an added
    block) so that another process maps it instead of building it again."""
    kv, n = inv.shape
    wide = inv.nnz >= 2**31 or n >= 2**31
    it = np.dtype("<i8" if wide else "<i4")
    blob = "\n".join(keys).encode()
    head = _INV_HEAD.pack(
        _INV_MAGIC, _INV_VERSION, it.itemsize, idf is not None, n, kv, inv.nnz, len(blob)
    )
    pad = b"\0" * (-(len(head) + len(blob)) % 8)
    arrays = [
        inv.indptr.astype(it, copy=False),
        inv.indices.astype(it, copy=False),
        inv.data.astype("<f4", copy=False),
    ]
    if idf is not None:
        arrays.append(idf.astype("<f4", copy=False))
    arrays = [np.ascontiguousarray(a) for a in arrays]
    _write_atomic(path, [head, blob, pad, *(cast(Any, a) for a in arrays)])


def _read_part(path: Path) -> tuple[list[str], sp.csr_matrix, np.ndarray | None]:
    """An inverted file saved by :func:`_write_part`, its arrays mapped (read-only): a
    query reads only its own words' posting lists from the page cache."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(_INV_HEAD.size)
        if len(head) != _INV_HEAD.size:
            raise VisualError(f"visual index {path}: truncated")
        magic, ver, width, has_idf, n, kv, nnz, kb = _INV_HEAD.unpack(head)
        if magic != _INV_MAGIC or ver != _INV_VERSION or width not in (4, 8):
            raise VisualError(f"visual index {path}: not an inverted file of this version")
        blob = fh.read(kb)
    off = _INV_HEAD.size + kb
    off += -off % 8
    it = np.dtype("<i8" if width == 8 else "<i4")
    shapes = [(it, kv + 1), (it, nnz), (np.dtype("<f4"), nnz)]
    if has_idf:
        shapes.append((np.dtype("<f4"), kv))
    if len(blob) != kb or size != off + sum(dt.itemsize * m for dt, m in shapes):
        raise VisualError(f"visual index {path}: truncated")
    arrays = []
    for dt, m in shapes:
        arrays.append(
            np.memmap(path, dtype=dt, mode="r", offset=off, shape=(m,)) if m else np.empty(0, dt)
        )
        off += dt.itemsize * m
    keys = blob.decode().split("\n") if n else []
    if len(keys) != n:
        raise VisualError(f"visual index {path}: {len(keys)} keys for {n} pictures")
    inv = sp.csr_matrix((arrays[2], arrays[1], arrays[0]), shape=(kv, n), copy=False)
    return keys, inv, arrays[3] if has_idf else None


class VisualIndex:
    """Scene features of many pictures, keyed by media sha256 (or ``sha256@frame_ms``)."""

    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)
        self.vocab: np.ndarray | None = None
        self.vocab_id = b"\0" * 16
        self.trained_on = 0
        # key -> (shard, tail, offset, length) of features on disk; None when only in memory
        self._where: dict[str, tuple[int, int, int, int] | None] = {}
        self._shard_keys: dict[int, set[str]] = {}  # the keys of each shard
        # per shard: its base file's generation and the tails written on it
        self._gen: dict[int, bytes] = {}
        self._tails: dict[int, list[int]] = {}
        self._rewrite: set[int] = set()  # shards whose base is written again at the next save
        self._stale_files: list[Path] = []  # tails of an older base (a killed rewrite)
        self._words = _Words(self.dir)
        self._pending: dict[str, bytes] = {}
        self._dirty: set[int] = set()
        self._matrix: tuple[list[str], sp.csr_matrix, np.ndarray] | None = (
            None  # keys, inverted file, idf (the last full build)
        )
        # pictures added since the last full build: small inverted files of their own
        # (weighted with that build's idf), one per batch of additions
        self._delta_keys: list[str] = []
        self._blocks: list[tuple[list[str], sp.csr_matrix]] = []
        self._all_keys: list[str] | None = None
        # names of the saved inverted files of the full build and of each added block
        # (None: not saved yet); see _persist_inverted
        self._matrix_id: str | None = None
        self._block_ids: list[str | None] = []
        self._quantizer: faiss.IndexFlatL2 | None = None
        #: keys and a binary words x pictures matrix (which words each picture holds), for
        #: object votes; built on first use like the inverted file
        self._presence: tuple[list[str], sp.csr_matrix] | None = None

    # ------------------------------------------------------------------ open / save
    @classmethod
    def open(cls, directory: Path) -> VisualIndex:
        idx = cls(directory)
        d = idx.dir
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(d, 0o700)
        for tmp in d.glob("*.tmp"):  # left by a process killed while saving
            tmp.unlink()
        man = d / "manifest.json"
        m = json.loads(man.read_text()) if man.exists() else None
        if m is not None and m.get("version") not in (1, _VERSION):
            raise VisualError(f"visual index {d}: unknown format version {m.get('version')}")
        if m is None or m.get("features") != FORMAT_VERSION:
            old = [*d.glob("shard-*.bin"), *d.glob("vocab-*.npy"), *d.glob("inverted-*.bin"), man]
            if any(p.exists() for p in old):
                log.warning(
                    "visual index %s holds features of format %s (this version writes %s): "
                    "cleared; the visual pass analyses the pictures again",
                    d,
                    None if m is None else m.get("features"),
                    FORMAT_VERSION,
                )
                for p in old:
                    p.unlink(missing_ok=True)
                _fsync_dir(d)
            return idx
        idx.trained_on = int(m.get("trained_on", 0))
        if m.get("vocab"):
            idx.vocab_id = bytes.fromhex(m["vocab"])
            idx.vocab = np.load(d / f"vocab-{m['vocab']}.npy").astype(np.float32)
        stale: list[str] = []
        files: dict[int, list[int]] = {}
        for name in os.listdir(d):
            hit = _SHARD_NAME.fullmatch(name)
            if hit:
                files.setdefault(int(hit[1], 16), []).append(int(hit[2] or 0))
        for s, tails in sorted(files.items()):
            tails.sort()
            if tails[0] != 0:  # tails whose base is gone (all its pictures removed)
                idx._stale_files += [d / _shard_file(s, t) for t in tails]
                continue
            gen = b""
            for t in tails:
                p = d / _shard_file(s, t)
                with open(p, "rb") as fh:
                    vid, g, keys, fl, nw, words_at = _read_table(fh, p)
                if t == 0:
                    gen = g
                    idx._gen[s] = g
                elif g != gen or not gen:
                    idx._stale_files.append(p)  # written on a base that was replaced since
                    continue
                else:
                    idx._tails.setdefault(s, []).append(t)
                w_end = words_at + 2 * np.cumsum(nw)
                f_end = int(w_end[-1]) + np.cumsum(fl) if len(keys) else fl
                # a later file's record of a key replaces an earlier one
                idx._where.update(
                    zip(
                        keys,
                        zip(repeat(s), repeat(t), (f_end - fl).tolist(), fl.tolist(), strict=False),
                        strict=True,
                    )
                )
                idx._words.locate(s, t, keys, (w_end - 2 * nw).tolist(), nw.tolist())
                idx._shard_keys.setdefault(s, set()).update(keys)
                if vid != idx.vocab_id:
                    stale.extend(keys)
        if stale and idx.vocab is not None:
            for key in stale:
                idx._words[key] = idx._quantize(idx.get(key))
                idx._dirty.add(_shard_of(key))
                idx._rewrite.add(_shard_of(key))
        elif idx.vocab is not None and m.get("inverted"):
            idx._load_inverted(m["inverted"])
        return idx

    def save(self) -> None:
        """Write what changed; each file atomically (temporary file, fsync, rename)."""
        if len(self) >= VOCAB_MIN and (
            self.vocab is None
            or (len(self) >= 4 * self.trained_on and len(self) <= VOCAB_RETRAIN_UNTIL)
        ):
            self.train()
        vid_hex = self.vocab_id.hex() if self.vocab is not None else ""
        if self.vocab is not None and not (self.dir / f"vocab-{vid_hex}.npy").exists():
            import io

            buf = io.BytesIO()
            np.save(buf, self.vocab.astype(np.float16))
            _write_atomic(self.dir / f"vocab-{vid_hex}.npy", buf.getvalue())
        for s in sorted(self._dirty | self._rewrite):
            self._write_shard(s)
        self._dirty.clear()
        self._rewrite.clear()
        for p in self._stale_files:
            p.unlink(missing_ok=True)
        self._stale_files = []
        inverted = self._persist_inverted()
        man = {
            "version": _VERSION,
            "features": FORMAT_VERSION,
            "vocab": vid_hex,
            "trained_on": self.trained_on,
            "inverted": inverted,
        }
        _write_atomic(self.dir / "manifest.json", json.dumps(man).encode())
        _fsync_dir(self.dir)
        for p in self.dir.glob("vocab-*.npy"):
            if p.name != f"vocab-{vid_hex}.npy":
                p.unlink()
        keep = set() if inverted is None else {inverted["base"], *inverted["blocks"]}
        for p in self.dir.glob("inverted-*.bin"):
            if p.name[len("inverted-") : -len(".bin")] not in keep:
                p.unlink(missing_ok=True)  # a reader that mapped it keeps its pages

    def _write_shard(self, s: int) -> None:
        """Write what changed in shard ``s``: its pictures not on disk yet as a new tail;
        the tails merged into one past ``TAIL_MAX``; the whole shard as a new base (new
        generation, tails deleted) when pictures were removed, the vocabulary changed, or
        the tails reach ``TAIL_SHARE`` of the base."""
        keys = self._shard_keys.get(s, set())
        base = self.dir / _shard_file(s)
        tails = self._tails.get(s, [])
        fresh = sorted(k for k in keys if self._where[k] is None)
        if s not in self._rewrite and keys and base.exists() and self._gen.get(s):
            if not fresh:
                return
            t_bytes = sum((self.dir / _shard_file(s, t)).stat().st_size for t in tails)
            t_bytes += sum(len(self._raw(k)) for k in fresh)
            if t_bytes < TAIL_SHARE * base.stat().st_size:
                if len(tails) >= TAIL_MAX:  # the tails and the new pictures into one tail
                    fresh = sorted(
                        k
                        for k in keys
                        if (self._where[k] or (0, 0))[1] > 0 or self._where[k] is None
                    )
                t = max([0, *tails, *self._stale_tails(s)]) + 1
                self._write_file(s, t, self._gen[s], fresh)
                if len(tails) >= TAIL_MAX:
                    for old in tails:
                        (self.dir / _shard_file(s, old)).unlink(missing_ok=True)
                    tails = []
                self._tails[s] = [*tails, t]
                return
        gone = [self.dir / _shard_file(s, t) for t in tails]
        if not keys:
            base.unlink(missing_ok=True)
            self._gen.pop(s, None)
        else:
            self._gen[s] = secrets.token_bytes(_GEN)
            self._write_file(s, 0, self._gen[s], sorted(keys))
        for p in gone:  # after the new base: killed before, they are stale (older gen)
            p.unlink(missing_ok=True)
        self._tails[s] = []

    def _stale_tails(self, s: int) -> list[int]:
        """Tail numbers of shard ``s`` still on disk from a replaced base (not reused)."""
        out = []
        for p in self._stale_files:
            hit = _SHARD_NAME.fullmatch(p.name)
            if hit and int(hit[1], 16) == s and hit[2]:
                out.append(int(hit[2]))
        return out

    def _write_file(self, s: int, t: int, gen: bytes, keys: list[str]) -> None:
        """One shard file (its base for ``t`` 0, else a tail) holding ``keys``."""
        feats = [self._raw(k) for k in keys]
        words = [self._words.get(k, np.empty(0, np.int32)) for k in keys]
        kbs = [k.encode() for k in keys]
        table = np.array(
            [(len(kb), len(f), len(w)) for kb, f, w in zip(kbs, feats, words, strict=True)],
            _REC_DT,
        )
        parts = [
            struct.pack(_HEAD, _MAGIC, _SHARD_VERSION, self.vocab_id, len(keys)),
            gen,
            table.tobytes(),
            b"\n".join(kbs),  # split in one call when read
        ]
        parts += [w.astype("<u2").tobytes() for w in words]
        off = sum(len(x) for x in parts)
        parts += feats
        _write_atomic(self.dir / _shard_file(s, t), parts)
        for k, f in zip(keys, feats, strict=True):
            self._where[k] = (s, t, off, len(f))
            self._pending.pop(k, None)
            off += len(f)

    # ------------------------------------------------------------------ contents
    def add(self, key: str, feats: SceneFeatures) -> None:
        new = key not in self._where
        self._pending[key] = feats.to_bytes()
        self._where[key] = None
        self._shard_keys.setdefault(_shard_of(key), set()).add(key)
        self._words[key] = (
            self._quantize(feats) if self.vocab is not None else np.empty(0, np.int32)
        )
        self._dirty.add(_shard_of(key))
        self._presence = None  # object votes: rebuilt on their next use
        if new and self._matrix is not None and self.vocab is not None:
            self._delta_keys.append(key)  # incremental: the full build stays
            self._all_keys = None
            if len(self._delta_keys) > DELTA_MAX * max(len(self._matrix[0]), VOCAB_MIN):
                self._invalidate()
        else:
            self._invalidate()

    def _invalidate(self) -> None:
        """The next query builds the whole inverted file again."""
        self._matrix = None
        self._presence = None
        self._delta_keys = []
        self._blocks = []
        self._all_keys = None
        self._matrix_id = None
        self._block_ids = []

    def remove(self, keys: Iterable[str]) -> None:
        for k in keys:
            if k in self._where:
                del self._where[k]
                self._shard_keys[_shard_of(k)].discard(k)
                self._words.pop(k, None)
                self._pending.pop(k, None)
                self._dirty.add(_shard_of(k))
                self._rewrite.add(_shard_of(k))
                self._invalidate()

    def __contains__(self, key: object) -> bool:
        return key in self._where

    def __len__(self) -> int:
        return len(self._where)

    def keys(self) -> list[str]:
        return sorted(self._where)

    def _raw(self, key: str) -> bytes:
        b = self._pending.get(key)
        if b is not None:
            return b
        loc = self._where[key]
        if loc is None:
            raise KeyError(key)
        s, t, off, n = loc
        with open(self.dir / _shard_file(s, t), "rb") as fh:
            fh.seek(off)
            b = fh.read(n)
        if len(b) != n:
            raise VisualError(f"visual index {self.dir}: {_shard_file(s, t)} is truncated")
        if s in self._rewrite:
            self._pending[key] = b  # its shard will be rewritten: keep it in memory
        return b

    def get(self, key: str) -> SceneFeatures:
        return SceneFeatures.from_bytes(self._raw(key))

    def disk_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.dir.iterdir() if p.is_file())

    # ------------------------------------------------------------------ vocabulary
    def train(self, sample: int = 200_000, seed: int = 1) -> None:
        """(Re)train the vocabulary on a sample of the indexed descriptors; re-quantise."""
        keys = self.keys()
        rng = np.random.default_rng(seed)
        per = max(8, sample // max(1, len(keys)))
        chunks = []
        for k in keys:
            d = self.get(k).descriptors()
            if len(d) > per:
                d = d[rng.choice(len(d), per, replace=False)]
            chunks.append(d)
        x = np.ascontiguousarray(np.concatenate(chunks).astype(np.float32))
        n_words = int(np.clip(len(x) // 40, 64, VOCAB_MAX_K))
        km = faiss.Kmeans(x.shape[1], n_words, niter=12, seed=seed, verbose=False)
        km.train(x)
        # stored as float16 (half the bytes; the centroids of 2-bit RootSIFT codes lose
        # nothing that matters) and used as the float32 values of those float16s, so that
        # the words of a picture are the same before and after the index is reopened
        self.vocab = np.asarray(km.centroids, np.float32).astype(np.float16).astype(np.float32)
        self.vocab_id = hashlib.blake2b(self.vocab.tobytes(), digest_size=16).digest()
        self._quantizer = None
        self.trained_on = len(keys)
        for key in keys:
            self._words[key] = self._quantize(self.get(key))
        self._dirty.update(range(N_SHARDS))
        self._rewrite.update(range(N_SHARDS))  # every word changed
        self._invalidate()

    def _quantize(self, feats: SceneFeatures) -> np.ndarray:
        if len(feats) == 0:
            return np.empty(0, np.int32)
        return self.quantize_descriptors(feats.descriptors())

    # ------------------------------------------------------------------ retrieval
    def _build(
        self, keys: list[str] | None = None, idf: np.ndarray | None = None
    ) -> tuple[list[str], sp.csr_matrix, np.ndarray]:
        """The inverted file: one row per visual word, its tf-idf weight in each picture.

        Stored word-major (CSR of words x pictures) so that a query reads only the rows of
        its own words: slicing the columns of a picture-major matrix touched every
        picture (768 ms at 100k pictures, 30-70 ms this way). ``keys`` (default: all) and
        ``idf`` (default: computed from those pictures) build an added block.
        """
        assert self.vocab is not None
        keys = self.keys() if keys is None else keys
        kv = self.vocab.shape[0]
        lens = np.array([len(self._words[k]) for k in keys], np.int64)
        rows = np.repeat(np.arange(len(keys)), lens)
        cols = (
            np.concatenate([self._words[k] for k in keys]) if len(keys) else np.empty(0, np.int32)
        )
        m = sp.csr_matrix((np.ones(len(cols), np.float32), (rows, cols)), shape=(len(keys), kv))
        m.sum_duplicates()
        if idf is None:
            df = np.bincount(m.indices, minlength=kv).astype(np.float32)
            idf = np.log((len(keys) + 1) / (df + 1)).astype(np.float32)
        m.data = np.sqrt(m.data) * idf[m.indices]
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        m = sp.diags(1 / np.maximum(norms, 1e-6)).astype(np.float32) @ m
        return keys, m.T.tocsr(), idf

    def _scores(self, q: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Per indexed picture, the dot product of its tf-idf vector with ``q`` (per word)."""
        if self._matrix is None:
            self._invalidate()
            self._matrix = self._build()
        keys, inv, idf = self._matrix
        if self._delta_keys:
            self._sync_blocks()
            if self._all_keys is None:
                self._all_keys = keys + [k for b in self._blocks for k in b[0]]
            keys = self._all_keys
        nz = np.flatnonzero(q).astype(np.int32)
        # a sparse row vector times the word-major matrix: scipy walks only the query's
        # posting lists and copies none of them (slicing inv[nz] first copied them: 2x
        # slower at 100k pictures, bench/bench_retrieval.py)
        qs = sp.csr_matrix(
            (q[nz].astype(np.float32), nz, np.array([0, len(nz)], np.int32)), shape=(1, len(q))
        )
        scores = (qs @ inv).toarray().ravel()
        if self._blocks:
            scores = np.concatenate(
                [scores, *((qs @ b).toarray().ravel() for _, b in self._blocks)]
            )
        return keys, scores

    def _sync_blocks(self) -> None:
        """Put the pictures added since the full build into an added block (the blocks
        are merged into one when there are ``MAX_BLOCKS``)."""
        assert self._matrix is not None
        have = sum(len(b[0]) for b in self._blocks)
        if have < len(self._delta_keys):
            if len(self._blocks) >= MAX_BLOCKS:  # merge the blocks into one
                self._blocks, self._block_ids, have = [], [], 0
            self._blocks.append(self._build(self._delta_keys[have:], self._matrix[2])[:2])
            self._block_ids.append(None)
            self._all_keys = None

    def _persist_inverted(self) -> dict[str, Any] | None:
        """Save the parts of the inverted file not saved yet (the full build, the added
        blocks); what the manifest records of them (None when there is no current full
        build: the next query builds one)."""
        if self.vocab is None or self._matrix is None:
            return None
        if self._delta_keys:
            self._sync_blocks()

        def save(keys: list[str], inv: sp.csr_matrix, idf: np.ndarray | None) -> str:
            name = secrets.token_hex(8)
            _write_part(self.dir / f"inverted-{name}.bin", keys, inv, idf)
            return name

        if self._matrix_id is None:
            self._matrix_id = save(*self._matrix)
        for i, (keys, inv) in enumerate(self._blocks):
            if self._block_ids[i] is None:
                self._block_ids[i] = save(keys, inv, None)
        return {"vocab": self.vocab_id.hex(), "base": self._matrix_id, "blocks": self._block_ids}

    def _load_inverted(self, saved: dict[str, Any]) -> None:
        """Map the inverted file another process saved, if it still describes this index
        (same vocabulary, no picture gone); otherwise the next query builds it."""
        if self.vocab is None or saved.get("vocab") != self.vocab_id.hex():
            return
        try:
            keys, inv, idf = _read_part(self.dir / f"inverted-{saved['base']}.bin")
            blocks = [
                _read_part(self.dir / f"inverted-{b}.bin")[:2] for b in saved.get("blocks", [])
            ]
        except (OSError, ValueError, KeyError, VisualError) as e:
            log.warning(
                "visual index %s: the saved inverted file cannot be read (%s); it is built "
                "again on the next query",
                self.dir,
                type(e).__name__,
            )
            return
        added = [k for bk, _ in blocks for k in bk]
        covered = set(keys)
        covered.update(added)
        if (
            idf is None
            or inv.shape != (self.vocab.shape[0], len(keys))
            or len(covered) != len(keys) + len(added)
            or not covered <= self._where.keys()
        ):
            return  # pictures were removed, or the file is not this index's
        self._matrix, self._matrix_id = (keys, inv, idf), saved["base"]
        self._blocks, self._block_ids = blocks, list(saved.get("blocks", []))
        self._delta_keys = added + sorted(self._where.keys() - covered)
        if len(self._delta_keys) > DELTA_MAX * max(len(keys), VOCAB_MIN):
            self._invalidate()

    @staticmethod
    def _top(keys: list[str], scores: np.ndarray, k: int) -> list[tuple[str, float]]:
        k = min(k, len(keys))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k] if k < len(keys) else np.arange(len(keys))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(keys[i], float(scores[i])) for i in top if scores[i] > 0]

    def idf(self) -> np.ndarray | None:
        """Inverse document frequency of each visual word (None before a vocabulary)."""
        if self.vocab is None:
            return None
        if self._matrix is None:
            self._matrix = self._build()
        return self._matrix[2]

    def quantize_descriptors(self, desc: np.ndarray) -> np.ndarray:
        """Visual word of each RootSIFT descriptor (unit norm; empty before a vocabulary)."""
        if self.vocab is None or len(desc) == 0:
            return np.empty(0, np.int32)
        if self._quantizer is None:
            q = faiss.IndexFlatL2(self.vocab.shape[1])
            q.add(self.vocab)
            self._quantizer = q
        _, i = self._quantizer.search(np.ascontiguousarray(desc, dtype=np.float32), 1)
        return i.ravel().astype(np.int32)

    def votes(self, weights: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` pictures whose *distinct* visual words carry most of ``weights`` (one
        weight per word, e.g. the idf of an object's words): the sum of the weights of the
        words a picture holds, not normalised by the picture's length.

        Object search uses this rather than :meth:`top`: a small object is a few dozen of
        a picture's ~1000 keypoints, so a whole-picture cosine favours pictures that look
        alike overall, and repeated words (wallpaper, bed-cover motifs) count once here.
        """
        if self.vocab is None:
            return []
        if self._presence is None:
            keys = self.keys()
            kv = self.vocab.shape[0]
            lens = np.array([len(self._words[x]) for x in keys], np.int64)
            rows = np.repeat(np.arange(len(keys)), lens)
            cols = np.concatenate([self._words[x] for x in keys]) if keys else np.empty(0, np.int32)
            m = sp.csr_matrix((np.ones(len(cols), np.float32), (cols, rows)), shape=(kv, len(keys)))
            m.sum_duplicates()
            m.data[:] = 1.0
            self._presence = (keys, m)
        keys, m = self._presence
        nz = np.flatnonzero(weights)
        scores = np.asarray(m[nz].T @ weights[nz]).ravel()
        return self._top(keys, scores, k)

    def top(self, q: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` pictures with the highest dot product with ``q`` (one weight per word)."""
        keys, scores = self._scores(q)
        return self._top(keys, scores, k)

    def candidates(self, feats: SceneFeatures, k: int = 50) -> list[tuple[str, float]]:
        """Up to ``k`` indexed pictures most likely to share content with ``feats``."""
        if not self._where or len(feats) == 0:
            return []
        if self.vocab is None:
            return self._brute(feats, k)
        if self._matrix is None:
            self._matrix = self._build()
        idf = self._matrix[2]
        w = self._quantize(feats)
        q = np.bincount(w, minlength=len(idf)).astype(np.float32)
        q = np.sqrt(q) * idf
        q /= max(float(np.linalg.norm(q)), 1e-6)
        keys, scores = self._scores(q)
        return self._top(keys, scores, k)

    def scene_candidates(self, feats: SceneFeatures, k: int = 50) -> list[tuple[str, float]]:
        """The candidates worth a scene verification: at most ``k``, best first, whose
        retrieval score reaches ``MIN_VERIFY_TFIDF`` (with a vocabulary) or
        ``MIN_VERIFY_BRUTE`` ratio-test matches (before one). See docs/visual.md."""
        floor = MIN_VERIFY_TFIDF if self.vocab is not None else MIN_VERIFY_BRUTE
        return [(key, s) for key, s in self.candidates(feats, k) if s >= floor]

    def _brute(self, feats: SceneFeatures, k: int) -> list[tuple[str, float]]:
        q = feats.descriptors()
        out = []
        for key in self.keys():
            d = self.get(key).descriptors()
            if len(d) < 2:
                continue
            sim = q @ d.T
            top2 = -np.partition(-sim, 1, axis=1)[:, :2]
            d0 = np.sqrt(np.maximum(2 - 2 * top2[:, 0], 0))
            d1 = np.sqrt(np.maximum(2 - 2 * top2[:, 1], 0))
            out.append((key, float((d0 < 0.8 * d1).sum())))
        out.sort(key=lambda t: -t[1])
        return out[:k]
