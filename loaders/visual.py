"""The visual pass: scene features and text of every loaded picture, and what they suggest.

``cluegraph analyse visual [--case ID] [--series ID]`` (and ``cluegraph load media``,
unless ``--no-visual``) runs :func:`run_pass`:

1. **Which files.** Every ``Media`` of the case/series whose ``path`` is reachable: a
   picture is one key (its sha256), a video ``visual_video_frames`` keys
   ``sha256@ms`` (frames spread over the clip). A file marked in the graph with the
   current :data:`VERSION` (``visualVersion``) is done: a second run does nothing.
2. **Analysis** in a process pool (both cores), in chunks (memory stays bounded): local
   features (:mod:`media.visual.features`) go into the :class:`~media.visual.index.
   VisualIndex` under ``CLUEGRAPH_HOME/visual`` (dir 0700, files 0600, never in Neo4j,
   bundles or exports), text read in the picture (:mod:`media.visual.text`) into the pass's
   state file beside it (``pass-state.jsonl``, 0600); the main process guesses each
   picture's language (:mod:`media.visual.language`) when it writes the graph. After each
   chunk the index is saved and the state file fsynced, so a killed pass resumes where it
   stopped.
   Each new key's candidates (retrieval in this process) are verified in the pool too,
   each pair once per chunk; the next chunk's analysis is queued behind them, so the
   workers keep busy while this process writes the graph. Fewer than
   :data:`POOL_MIN_KEYS` keys: no pool at all (the one-picture exhibit).
3. **Graph** (:mod:`loaders.visual_write`): same-scene and shared-object pairs, text and
   language suggestions, saved object clues seen again; then the file is marked done and
   the links of the series concerned are updated.

Pictures too small or too flat, huge, truncated or gone since the load each get a note
in the report (and on the ``Media`` as ``visualNote``); the pass goes on. A file gone
since the load is tried again by the next pass; the others are not (their note stays).
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import neo4j

from graph import audit, db, links, queries
from graph.config import get_settings
from loaders import visual_write
from loaders.base import LoadReport, begin_load, finish_load, make_load_id, now_iso
from loaders.media_pool import regular_files
from loaders.visual_state import (  # noqa: F401  (the pass's public names)
    CLUE_PREFIX,
    LOCK_FILE,
    PASS_VERSION,
    STATE_FILE,
    VERSION,
    Note,
    PassReport,
    PassState,
    _Todo,
    language_of,
    media_key,
)
from media import blas
from media.visual import features as vf
from media.visual.index import VisualIndex
from media.visual.match import SceneMatch, compare
from media.visual.text import read_text

log = logging.getLogger("cluegraph.visual")


def visual_dir() -> Path:
    """Where the visual index and the pass's state live: ``CLUEGRAPH_HOME/visual``."""
    return get_settings().home / "visual"


def remove_index() -> bool:
    """Delete the visual index and state (``db reset``); True when there was one."""
    d = visual_dir()
    if not d.exists():
        return False
    shutil.rmtree(d)
    return True


@contextlib.contextmanager
def index_lock(directory: Path | None = None) -> Iterator[None]:
    """One writer of the visual index at a time (a pass, a rebuild of the pairs, or a
    saved object clue). A writer that has to wait says so first: a pass started by a
    ``load media`` while ``analyse visual --rebuild`` runs waits for the rebuild's end."""
    d = directory or visual_dir()
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(d, 0o700)
    fd = os.open(d / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning(
                "the visual index is in use (another pass, a rebuild of the pairs or a saved "
                "object): waiting for it"
            )
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def open_index() -> VisualIndex:
    return VisualIndex.open(visual_dir())


def frame_times(duration: float | None, n: int) -> list[int]:
    """Milliseconds of the ``n`` frames analysed in a clip: the middles of ``n`` equal
    stretches (no black first frame, no end card).

    >>> frame_times(10.0, 4)
    [1250, 3750, 6250, 8750]
    >>> frame_times(None, 3)
    [0]
    """
    if n <= 0:
        return []
    if not duration or duration <= 0:
        return [0]
    return sorted({int(round((i + 0.5) / n * duration * 1000)) for i in range(n)})


# ----------------------------------------------------------------------------- state file


# ----------------------------------------------------------------------------- workers


#: Seconds one file may take in a worker; then it gets a "timeout" note (the pass goes on).
FILE_TIME_LIMIT = 300
_in_worker = False


class _FileTimeout(Exception):
    pass


def _on_alarm(signum: int, frame: Any) -> None:
    raise _FileTimeout


def _worker_init() -> None:
    import signal

    import cv2

    global _in_worker
    cv2.setNumThreads(1)
    blas.one_thread()  # the pool keeps the cores busy: no spinning BLAS threads
    signal.signal(signal.SIGALRM, _on_alarm)
    _in_worker = True


def _note(key: str, note: str) -> dict[str, Any]:
    return {"key": key, "v": VERSION, "status": "note", "note": note}


def _text_of(image: Any) -> list[dict[str, Any]]:
    """The lines of text read in a picture (its language is guessed by the main process:
    the detector's models take ~40 s to load, once per process, not once per worker)."""
    return [
        {
            "text": r.text,
            "box": [int(v) for v in r.box],
            "confidence": round(float(r.confidence), 3),
            "script": r.script,
        }
        for r in read_text(image)
    ]


def analyse_picture(sha: str, path: str) -> list[dict[str, Any]]:
    """Features, text and language of one picture file: one state record (+ features)."""
    if not os.path.exists(path):
        return [_note(sha, "gone: the file is no longer where it was loaded from")]
    try:
        im, w, h = vf.open_image(Path(path), work_side=1 << 30)  # full size, for reading
        feats = vf.extract(im, original_size=(w, h))
    except vf.VisualError as e:
        return [_note(sha, str(e))]
    except MemoryError:
        return [_note(sha, "too large: out of memory while decoding")]
    return [
        {
            "key": sha,
            "v": VERSION,
            "status": "ok",
            "reads": _text_of(im),
            "_features": feats.to_bytes(),
        }
    ]


def analyse_video(sha: str, path: str, times_ms: list[int]) -> list[dict[str, Any]]:
    """Features and text of a few frames of one clip (``sha256@ms`` keys)."""
    import av

    from media.video import _open

    if not os.path.exists(path):
        return [
            _note(f"{sha}@{ms}", "gone: the file is no longer where it was loaded from")
            for ms in times_ms
        ]
    out: list[dict[str, Any]] = []
    try:
        container = _open(Path(path), get_settings().video_time_limit)
    except Exception as e:  # noqa: BLE001 - MediaError and FFmpeg's own: a note, the pass goes on
        return [_note(f"{sha}@{ms}", f"unreadable: {e}") for ms in times_ms]
    with container:
        stream = container.streams.video[0] if container.streams.video else None
        for ms in times_ms:
            key = f"{sha}@{ms}"
            if stream is None:
                out.append(_note(key, "unreadable: no video stream"))
                continue
            try:
                frame = _frame_at(container, stream, ms / 1000.0)
                if frame is None:
                    out.append(_note(key, "truncated: no frame at this time"))
                    continue
                image = frame.to_image()
                feats = vf.extract(image)
                reads = _text_of(image)  # a sign in a clip is a clue like one in a photo
            except vf.VisualError as e:
                out.append(_note(key, str(e)))
                continue
            except (av.FFmpegError, ValueError) as e:
                out.append(_note(key, f"unreadable: {type(e).__name__}"))
                continue
            out.append(
                {
                    "key": key,
                    "v": VERSION,
                    "status": "ok",
                    "reads": reads,
                    "_features": feats.to_bytes(),
                }
            )
    return out


def _frame_at(container: Any, stream: Any, t: float) -> Any:
    """The first decoded frame at or after ``t`` seconds (the last one before the end)."""
    tb = stream.time_base
    start = stream.start_time or 0
    container.seek(int(t / tb) + start, stream=stream, backward=True, any_frame=False)
    last = None
    for frame in container.decode(stream):
        last = frame
        if frame.pts is None or float((frame.pts - start) * tb) >= t - 1e-3:
            return frame
    return last


def _work(task: tuple[str, str, str, list[int]]) -> list[dict[str, Any]]:
    import signal

    sha, path, kind, times = task
    keys = [f"{sha}@{ms}" for ms in times] if kind == "video" else [sha]
    if _in_worker:
        signal.alarm(FILE_TIME_LIMIT)
    try:
        if kind == "video":
            return analyse_video(sha, path, times)
        return analyse_picture(sha, path)
    except _FileTimeout:
        return [_note(k, f"timeout: took longer than {FILE_TIME_LIMIT} s") for k in keys]
    except Exception as e:  # noqa: BLE001 - one bad file never stops the pass
        return [_note(k, f"unreadable: {type(e).__name__}: {str(e)[:200]}") for k in keys]
    finally:
        if _in_worker:
            signal.alarm(0)


class Prefetch:
    """The analysis of a few picture files (:func:`analyse_picture`) in a thread, started
    while their load runs, for the visual pass that follows it (``run_pass(prefetch=)``).

    A one-picture ``load media`` spends about 0.6 s hashing, writing and updating links,
    much of it waiting on Neo4j, and then 0.25 s in the pass extracting the picture's
    features and reading its text; OpenCV and Tesseract (a subprocess) leave the GIL
    while they work, so the second core does that during the load. Only for a folder the
    load analyses in its own process (a few files: ``loaders.media_pool.INLINE_MAX_FILES``);
    files over ``visual_max_bytes`` are left to the pass (it notes them ``huge``).

    The pass takes a result by the file's path (as the pass itself reads a Media's file
    by path) when the file's size and modification time are those seen before it was
    read; otherwise, or for a file the thread did not reach, it analyses the file itself.
    """

    def __init__(self, paths: list[str]) -> None:
        self._paths = [os.path.realpath(p) for p in paths]
        self._done: dict[str, tuple[tuple[int, int], list[dict[str, Any]]]] = {}
        self._thread = threading.Thread(target=self._run, name="cluegraph-visual-prefetch")
        self._thread.daemon = True
        self._thread.start()

    @classmethod
    def of_folder(cls, root: str | os.PathLike[str], limit: int) -> Prefetch | None:
        """A prefetch of the regular files below ``root`` (links not followed), or None
        when there are more than ``limit`` (the pass's own workers do those)."""
        cap = get_settings().visual_max_bytes
        paths: list[str] = []
        for n, e in enumerate(regular_files(root)):
            if n >= limit:
                return None
            try:
                if e.stat(follow_symlinks=False).st_size <= cap:
                    paths.append(e.path)
            except OSError:
                continue
        return cls(paths) if paths else None

    def _run(self) -> None:
        for p in self._paths:
            try:
                st = os.stat(p)
                recs = analyse_picture("", p)
            except Exception:  # noqa: BLE001 - the pass analyses this file itself
                continue
            self._done[p] = ((st.st_size, st.st_mtime_ns), recs)

    def take(self, sha: str, path: str) -> list[dict[str, Any]] | None:
        """The records of ``path`` under key ``sha``, or None (the pass analyses it)."""
        self._thread.join()
        got = self._done.pop(os.path.realpath(path), None)
        if got is None:
            return None
        stamp, recs = got
        try:
            st = os.stat(path)
        except OSError:
            return None
        if (st.st_size, st.st_mtime_ns) != stamp:
            return None
        return [{**r, "key": sha} for r in recs]

    def wait(self) -> None:
        self._thread.join()


_VerifyTask = tuple[str, vf.SceneFeatures, list[tuple[str, vf.SceneFeatures]]]


def _verify(task: _VerifyTask) -> list[SceneMatch]:
    """Scene verification of one new key against its candidates (in a worker: the costly
    part of the pass once the index holds more than a few pictures, ~18 ms per pair)."""
    key, feats, others = task
    out = []
    for other, of in others:
        m = compare(feats, of, key, other)
        if m is not None:
            out.append(m)
    return out


# ----------------------------------------------------------------------------- the pass

#: Fewer keys than this to analyse: no process pool (its start-up, imports and Tesseract
#: models in each worker, costs more than it saves on a handful of files).
POOL_MIN_KEYS = 16


def worker_pool(workers: int, keys: int) -> ProcessPoolExecutor | None:
    """The process pool for ``keys`` keys on ``workers`` processes (OpenCV and BLAS
    single-threaded in each, :func:`_worker_init`); None with one worker or fewer than
    :data:`POOL_MIN_KEYS` keys (the caller then works in its own process)."""
    if workers > 1 and keys >= POOL_MIN_KEYS:
        return ProcessPoolExecutor(
            workers, mp_context=get_context("forkserver"), initializer=_worker_init
        )
    return None


def _plan(
    driver: neo4j.Driver,
    case_id: str | None,
    series_id: str | None,
    sha256s: list[str] | None,
    rep: PassReport,
) -> list[_Todo]:
    s = get_settings()
    # from the case's (or series') own media, not a read of every media of the store
    if case_id is not None:
        query = queries.visual_media_todo_case()
    elif series_id is not None:
        query = queries.visual_media_todo_series()
    else:
        query = queries.visual_media_todo()
    rows = db.records(
        driver, query, name="visual.todo", caseId=case_id, seriesId=series_id, sha256s=sha256s
    )
    todo: list[_Todo] = []
    for r in rows:
        if r["kind"] not in ("image", "video"):
            continue
        rep.files += 1
        if r["visualVersion"] == VERSION:
            rep.already_done += 1
            continue
        path = r["path"] or ""
        if r["kind"] == "video":
            times = frame_times(r["durationSeconds"], s.visual_video_frames)
            keys = [f"{r['sha256']}@{ms}" for ms in times]
        else:
            times, keys = [], [r["sha256"]]
        if not keys:
            continue
        todo.append(
            _Todo(
                r["sha256"],
                r["kind"],
                path,
                r["fileName"],
                keys,
                times,
                r["visualVersion"] is not None,
            )
        )
        if r["kind"] == "image" and (r["bytes"] or 0) > s.visual_max_bytes:
            todo[-1].kind = "huge"
    return todo


def run_pass(
    driver: neo4j.Driver,
    *,
    case_id: str | None = None,
    series_id: str | None = None,
    sha256s: list[str] | None = None,
    workers: int | None = None,
    chunk: int = 64,
    user: Any = None,
    progress: Callable[[int, int], None] | None = None,
    prefetch: Prefetch | None = None,
) -> PassReport:
    """Analyse what is not analysed yet and write what it suggests (see the module doc).

    ``workers``: analysis processes (default: CPUs; 1 analyses in this process).
    ``prefetch``: pictures already analysed while their load ran (:class:`Prefetch`).
    ``progress(done, total)`` is called after each chunk of files. Audited as
    ``analyse.visual``.
    """

    t0 = time.perf_counter()
    rep = PassReport()
    params = {
        "caseId": case_id,
        "seriesId": series_id,
        "files": None if sha256s is None else len(sha256s),
    }
    with (
        audit.track(driver, user or "cli", "analyse.visual", params) as tr,
        index_lock(),
        blas.one_thread(),
    ):
        todo = _plan(driver, case_id, series_id, sha256s, rep)
        total = len(todo)
        if progress:
            progress(0, total)
        if todo:
            lr = LoadReport(
                kind="visual",
                source=f"visual pass {case_id or series_id or 'all'}",
                started_at=now_iso(),
            )
            lr.load_id = make_load_id(
                "visual", "", started=lr.started_at, case=case_id, series=series_id
            )
            rep.load_id = lr.load_id
            begin_load(driver, lr, params)
            idx = open_index()
            state = PassState(idx.dir, keys=[k for t in todo for k in t.keys])
            writer = visual_write.Writer(driver, idx, rep.load_id, get_settings())
            n = max(1, workers or os.cpu_count() or 1)
            pool = worker_pool(n, sum(len(t.keys) for t in todo if t.kind != "huge"))
            touched: set[str] = set()
            chunks = [todo[i : i + chunk] for i in range(0, total, chunk)]
            try:
                done = 0
                pending = _submit_analysis(chunks[0], idx, state, pool, rep, prefetch)
                for ci, part in enumerate(chunks):
                    _collect_analysis(pending, idx, state, rep)
                    nxt = chunks[ci + 1] if ci + 1 < len(chunks) else None

                    def submit_next(nxt: list[_Todo] | None = nxt) -> Any:
                        return (
                            _submit_analysis(nxt, idx, state, pool, rep, prefetch) if nxt else None
                        )

                    # the next chunk's analysis is queued behind this chunk's verification,
                    # so that the workers keep busy while this process writes the graph
                    matches, pending = _verify_chunk(part, idx, state, pool, n, submit_next)
                    touched |= writer.write_chunk(part, state, rep, matches)
                    done += len(part)
                    if progress:
                        progress(done, total)
            finally:
                if pool is not None:
                    pool.shutdown(cancel_futures=True)
            # the inverted file the verification built (or the block it added) is saved,
            # so that the next command maps it instead of building it again
            idx.save()
            lr.read = total
            lr.written = rep.analysed + rep.resumed
            lr.finished_at = now_iso()
            finish_load(driver, lr)
            if touched:
                touched_series = links.series_of_media(driver, touched)
                updated = links.after_write(driver, series=touched_series)
                rep.links = updated.summary() if updated is not None else None
        tr.count = rep.analysed
        tr.params["notes"] = len(rep.notes)
    rep.seconds = time.perf_counter() - t0
    log.info("visual pass: %s", rep.summary())
    return rep


def _submit_analysis(
    part: list[_Todo],
    idx: VisualIndex,
    state: PassState,
    pool: ProcessPoolExecutor | None,
    rep: PassReport,
    prefetch: Prefetch | None = None,
) -> Any:
    """Start extracting what the chunk lacks (in the pool; lazily without one); a picture
    the prefetch already analysed is taken from it."""
    tasks = []
    ready: list[list[dict[str, Any]]] = []
    for t in part:
        need = [
            k
            for k in t.keys
            if not (state.done(k) and (state.records[k]["status"] == "note" or k in idx))
        ]
        if t.kind == "huge":
            state.append(
                [_note(k, f"huge: over {get_settings().visual_max_bytes:,} bytes") for k in need]
            )
            continue
        rep.resumed += len(t.keys) - len(need)
        if not need:
            continue
        if prefetch is not None and t.kind == "image":
            got = prefetch.take(t.sha256, t.path)
            if got is not None:
                ready.append(got)
                continue
        times = [media_key(k)[1] or 0 for k in need] if t.kind == "video" else []
        tasks.append((t.sha256, t.path, t.kind, times))
    if pool is not None:
        return [*ready, *(pool.submit(_work, x) for x in tasks)]
    return itertools.chain(ready, map(_work, tasks))


def _collect_analysis(pending: Any, idx: VisualIndex, state: PassState, rep: PassReport) -> None:
    """Add the chunk's features to the index; save the index, then the state (in that order)."""
    recs: list[dict[str, Any]] = []
    for res in pending or []:
        for r in res.result() if isinstance(res, Future) else res:
            feats = r.pop("_features", None)
            if feats is not None:
                idx.add(r["key"], vf.SceneFeatures.from_bytes(feats))
                rep.analysed += 1
            recs.append(r)
    if recs:
        idx.save()
        state.append(recs)


def _verify_tasks(
    part: list[_Todo], idx: VisualIndex, state: PassState, k: int
) -> Iterator[_VerifyTask]:
    """Per analysed key of the chunk: its candidates from the index (retrieval), never a
    frame of the same clip, a saved object clue, or a pair already verified in this chunk."""
    seen: set[tuple[str, str]] = set()
    for t in part:
        for key in t.keys:
            rec = state.records.get(key)
            if rec is None or rec.get("v") != VERSION or rec["status"] != "ok" or key not in idx:
                continue
            feats = idx.get(key)
            others = []
            for other, _ in idx.scene_candidates(feats, k=k + 1):
                if other == key or other.startswith(CLUE_PREFIX):
                    continue
                if media_key(other)[0] == t.sha256:
                    continue  # two frames of one clip
                pair = (min(key, other), max(key, other))
                if pair in seen:
                    continue
                seen.add(pair)
                others.append((other, idx.get(other)))
            if others:
                yield key, feats, others


def _verify_chunk(
    part: list[_Todo],
    idx: VisualIndex,
    state: PassState,
    pool: ProcessPoolExecutor | None,
    workers: int,
    submit_next: Callable[[], Any],
) -> tuple[list[SceneMatch], Any]:
    """The chunk's verified scene matches (in the pool: a few tasks in flight, memory
    bounded), and the next chunk's analysis, submitted once the last verification is."""
    tasks = _verify_tasks(part, idx, state, get_settings().visual_scene_candidates)
    return verify_all(tasks, pool, workers, submit_next)


def verify_all(
    tasks: Iterator[_VerifyTask],
    pool: ProcessPoolExecutor | None,
    workers: int,
    when_submitted: Callable[[], Any] = lambda: None,
) -> tuple[list[SceneMatch], Any]:
    """Every task's verified matches (in ``pool`` when there is one: at most
    ``2 * workers + 2`` tasks in flight, so memory stays bounded) and what
    ``when_submitted`` returned, called once the last task is submitted (the pass queues
    its next chunk's analysis there, behind this chunk's verification)."""
    out: list[SceneMatch] = []
    if pool is None:
        for task in tasks:
            out.extend(_verify(task))
        return out, when_submitted()
    window = 2 * workers + 2
    running: set[Future[list[SceneMatch]]] = set()
    after = None
    exhausted = False
    while True:
        while not exhausted and len(running) < window:
            nxt = next(tasks, None)
            if nxt is None:
                exhausted = True
                after = when_submitted()
            else:
                running.add(pool.submit(_verify, nxt))
        if not running:
            break
        finished, running = wait(running, return_when=FIRST_COMPLETED)
        for f in finished:
            out.extend(f.result())
    return out, after
