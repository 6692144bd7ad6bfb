"""On-disk index of scene features with a visual-vocabulary retrieval stage.

Layout of the index directory (mode 0700, every file mode 0600):

- ``manifest.json``: format version, the features' format (``FORMAT_VERSION`` of
  :mod:`.features`) and the id of the current vocabulary. An index whose features are of
  another format (written by an older ClueGraph) cannot be read: opening it clears it, and
  the visual pass, whose state follows the same format, analyses every picture again;
- ``vocab-<id>.npy``: the visual vocabulary, k-means centroids of RootSIFT descriptors
  trained with faiss on the indexed collection itself (no model is shipped or fetched);
- ``shard-XX.bin`` (256 shards by key hash): per picture its key, its visual words and its
  :class:`SceneFeatures` bytes. Opening reads only keys and words; features are read from
  disk when a match is verified, so memory stays bounded at ~0.8 KB per picture.

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
import struct
from collections.abc import Iterable
from pathlib import Path

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
_VERSION = 1
_HEAD = "<4sH16sI"
_REC = "<HII"


def _shard_of(key: str) -> int:
    return hashlib.blake2b(key.encode(), digest_size=1).digest()[0] % N_SHARDS


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class VisualIndex:
    """Scene features of many pictures, keyed by media sha256 (or ``sha256@frame_ms``)."""

    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)
        self.vocab: np.ndarray | None = None
        self.vocab_id = b"\0" * 16
        self.trained_on = 0
        # key -> (shard, offset, length) of features on disk; None when only in memory
        self._where: dict[str, tuple[int, int, int] | None] = {}
        self._words: dict[str, np.ndarray] = {}
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
        if m is not None and m.get("version") != _VERSION:
            raise VisualError(f"visual index {d}: unknown format version {m.get('version')}")
        if m is None or m.get("features") != FORMAT_VERSION:
            old = [*d.glob("shard-*.bin"), *d.glob("vocab-*.npy"), man]
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
        for s in range(N_SHARDS):
            p = d / f"shard-{s:02x}.bin"
            if not p.exists():
                continue
            with open(p, "rb") as fh:
                head = fh.read(struct.calcsize(_HEAD))
                magic, ver, vid, n = struct.unpack(_HEAD, head)
                if magic != _MAGIC or ver != _VERSION:
                    raise VisualError(f"visual index {p}: damaged shard header")
                recs = []
                for _ in range(n):
                    kl, fl, nw = struct.unpack(_REC, fh.read(struct.calcsize(_REC)))
                    recs.append((fh.read(kl).decode(), fl, nw))
                words = [
                    np.frombuffer(fh.read(2 * nw), "<u2").astype(np.int32) for _, _, nw in recs
                ]
                off = fh.tell()
            for (key, fl, _), w in zip(recs, words, strict=True):
                idx._where[key] = (s, off, fl)
                idx._words[key] = w
                if vid != idx.vocab_id:
                    stale.append(key)
                off += fl
        if stale and idx.vocab is not None:
            for key in stale:
                idx._words[key] = idx._quantize(idx.get(key))
                idx._dirty.add(_shard_of(key))
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
        for s in sorted(self._dirty):
            self._write_shard(s)
        self._dirty.clear()
        man = {
            "version": _VERSION,
            "features": FORMAT_VERSION,
            "vocab": vid_hex,
            "trained_on": self.trained_on,
        }
        _write_atomic(self.dir / "manifest.json", json.dumps(man).encode())
        _fsync_dir(self.dir)
        for p in self.dir.glob("vocab-*.npy"):
            if p.name != f"vocab-{vid_hex}.npy":
                p.unlink()

    def _write_shard(self, s: int) -> None:
        keys = sorted(k for k in self._where if _shard_of(k) == s)
        p = self.dir / f"shard-{s:02x}.bin"
        if not keys:
            if p.exists():
                p.unlink()
            return
        feats = [self._raw(k) for k in keys]
        words = [self._words.get(k, np.empty(0, np.int32)) for k in keys]
        parts = [struct.pack(_HEAD, _MAGIC, _VERSION, self.vocab_id, len(keys))]
        for k, f, w in zip(keys, feats, words, strict=True):
            kb = k.encode()
            parts.append(struct.pack(_REC, len(kb), len(f), len(w)) + kb)
        parts += [w.astype("<u2").tobytes() for w in words]
        off = sum(len(x) for x in parts)
        parts += feats
        _write_atomic(p, b"".join(parts))
        for k, f in zip(keys, feats, strict=True):
            self._where[k] = (s, off, len(f))
            self._pending.pop(k, None)
            off += len(f)

    # ------------------------------------------------------------------ contents
    def add(self, key: str, feats: SceneFeatures) -> None:
        new = key not in self._where
        self._pending[key] = feats.to_bytes()
        self._where[key] = None
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

    def remove(self, keys: Iterable[str]) -> None:
        for k in keys:
            if k in self._where:
                self._raw(k)  # keep the other records of the shard readable
                del self._where[k]
                self._words.pop(k, None)
                self._pending.pop(k, None)
                self._dirty.add(_shard_of(k))
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
        s, off, n = loc
        with open(self.dir / f"shard-{s:02x}.bin", "rb") as fh:
            fh.seek(off)
            b = fh.read(n)
        if len(b) != n:
            raise VisualError(f"visual index {self.dir}: shard {s:02x} is truncated")
        if _shard_of(key) in self._dirty:
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
            have = sum(len(b[0]) for b in self._blocks)
            if have < len(self._delta_keys):
                if len(self._blocks) >= MAX_BLOCKS:  # merge the blocks into one
                    self._blocks, have = [], 0
                self._blocks.append(self._build(self._delta_keys[have:], idf)[:2])
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
