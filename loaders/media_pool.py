"""The crash-tolerant worker pool of the media load: files in, analyses out.

Workers are fresh interpreters (``python -m loaders.media_pool --worker``) talking over
pipes: nothing is forked from the loader (which runs driver threads) and the caller's
``__main__`` is never re-imported. Each worker has at most a couple of files queued, so
memory stays bounded whatever the folder size. A file that takes longer than ``timeout``
seconds, or kills its worker (a decoder crash), becomes a per-file error; the worker is
replaced and the work goes on. A worker sets an address-space limit, so a hostile file
meets ``MemoryError``, not the OOM killer.

This module imports only the standard library at the top: a worker loads
:mod:`media.mediafile` and nothing of the driver or the graph.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

#: Extensions that claim to be an image or a video: such a file whose content is not
#: media is an error (``photo.jpg`` holding text); any other non-media file is ignored.
MEDIA_EXTENSIONS = frozenset(
    ".jpg .jpeg .jpe .jfif .png .gif .bmp .dib .tif .tiff .webp .heic .heif .avif "
    ".ico .cur .ppm .pgm .pbm .pnm .pam .tga .sgi .rgb .bw .jp2 .j2k .jpf .jpx .icns "
    ".fli .flc .pcx .dcx .dds .qoi .psd .xbm .xpm .ras .blp .ftex .fits .im .msp .pcd "
    ".mp4 .m4v .mov .qt .avi .mkv .webm .3gp .3g2 .wmv .asf .flv .mpg .mpeg .ts".split()
)

DEFAULT_TIMEOUT = 300.0
#: Address-space limit of a worker (MiB): a hostile file meets MemoryError, not the OOM killer.
DEFAULT_WORKER_MEMORY_MB = 4096
#: Files queued per worker: enough to hide the round trip, small enough to bound memory.
PREFETCH = 2
#: Seconds a new worker may take to import its libraries.
STARTUP_TIMEOUT = 120.0
#: A load of at most this many files analyses them in its own process (no worker pool,
#: :class:`InlineAnalysis`): a worker costs a fresh interpreter, its imports and a
#: warm-up analysis (about 0.6 s of CPU), more than analysing a few photos (0.1-0.3 s
#: each). Many small exhibits are folders of one picture (issue 13).
INLINE_MAX_FILES = 4


# ============================================================================ workers
def _worker_init(memory_mb: int | None) -> None:
    try:
        import cv2

        cv2.setNumThreads(1)
    except Exception:  # noqa: BLE001 - optional tuning only
        pass
    if memory_mb:
        lim = memory_mb * 1024 * 1024
        try:
            resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
        except (ValueError, OSError):  # a hard limit below ours: keep the hard limit
            pass


def _warm_up() -> None:
    """Analyse a tiny picture once, so that the libraries' lazy imports and first-call
    set-up happen at start-up, not on the first real file (and its time limit)."""
    try:
        import numpy as np
        from PIL import Image

        from media import mediafile

        fd, tmp = tempfile.mkstemp(suffix=".png", prefix="cluegraph-warm-")
        os.close(fd)
        try:
            ramp = np.add.outer(np.arange(64), np.arange(64)).astype("uint8")
            Image.fromarray(np.dstack([ramp, ramp.T, 255 - ramp])).save(tmp, "PNG")
            mediafile.analyse(tmp)
        finally:
            os.unlink(tmp)
        import av  # noqa: F401 - PyAV's import is the first video's largest fixed cost
    except Exception:  # noqa: BLE001 - only an optimisation
        pass


def analyse_file(
    path: str, rel: str, max_pixels: int, reduced_decode: bool = False
) -> tuple[str, Any]:
    """Analyse one file in a worker: ``('ok', info dict)``, ``('ignored', type)`` for a
    non-media file (``type`` names what it is: "PDF document", "text" ...), or
    ``('error', (reason, message))``. ``reduced_decode``: see
    :func:`loaders.mediafile.analyse`."""
    from media import mediafile, sniffing

    name = os.path.basename(path)
    claims_media = os.path.splitext(name)[1].lower() in MEDIA_EXTENSIONS
    try:
        try:
            size = os.stat(path).st_size
            kind = sniffing.sniff(path) if size else None
        except OSError as e:
            return "error", ("unreadable", f"cannot be read ({e.strerror})")
        if kind is None and not claims_media:
            return "ignored", sniffing.describe(path) if size else "empty file"
        info = mediafile.analyse(path, max_pixels=max_pixels, reduced_decode=reduced_decode)
    except mediafile.MediaError as e:
        msg = str(e)
        if msg.startswith(name + ": "):
            msg = msg[len(name) + 2 :]
        return "error", (e.reason, msg)
    except MemoryError:
        return "error", ("too_large", "not enough memory to analyse it")
    except Exception as e:  # noqa: BLE001 - a file must never stop the load
        return "error", ("internal", f"analysis failed ({type(e).__name__})")
    d = asdict(info)
    d.pop("path", None)
    return "ok", d


def _worker_main(
    rfd: int, wfd: int, max_pixels: int, memory_mb: int | None, reduced_decode: bool = False
) -> None:
    """The worker loop: ``(idx, path, rel)`` in, ``(idx, status, payload)`` out; None ends."""
    try:  # die with the loader, even in the middle of a long decode (Linux)
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort; EOF on the pipe ends us otherwise
        pass
    _worker_init(memory_mb)
    rconn, wconn = Connection(rfd, writable=False), Connection(wfd, readable=False)
    _warm_up()
    wconn.send(("ready", os.getpid()))
    while True:
        try:
            msg = rconn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if msg is None:
            return
        idx, path, rel = msg
        try:
            status, payload = analyse_file(path, rel, max_pixels, reduced_decode)
        except BaseException as e:  # noqa: BLE001
            status, payload = "error", ("internal", f"analysis failed ({type(e).__name__})")
        try:
            wconn.send((idx, status, payload))
        except (BrokenPipeError, OSError):
            return


# Worker processes run this module and stop here, before the imports below (the driver,
# the loader contract): a worker needs only loaders.mediafile, and starts faster without.
def regular_files(root: str | os.PathLike[str]) -> Iterator[os.DirEntry[str]]:
    """The regular files below ``root`` a load reads (links not followed, ``media.csv``
    left out, unreadable folders skipped), in no particular order, streamed."""
    stack = [os.fspath(root)]
    while stack:
        try:
            with os.scandir(stack.pop()) as it:
                for e in it:
                    if e.is_dir(follow_symlinks=False):
                        stack.append(e.path)
                    elif e.is_file(follow_symlinks=False) and e.name != "media.csv":
                        yield e
        except OSError:
            continue


def count_files(root: str | os.PathLike[str], limit: int) -> int:
    """Regular files below ``root`` (links not followed), counting stops at ``limit``: how
    many workers a folder can keep busy, known before the walk of the load."""
    if limit <= 0:
        return 0
    n = 0
    for _ in regular_files(root):
        n += 1
        if n >= limit:
            break
    return n


def workers_for(root: str | os.PathLike[str], workers: int | None) -> int:
    """Workers for a load of ``root``: ``workers`` (default: one per core), never more than
    files to analyse (a one-picture exhibit starts one worker)."""
    n = max(1, workers or os.cpu_count() or 1)
    return max(1, min(n, count_files(root, n)))


def analysis_for(
    roots: Sequence[str | os.PathLike[str]],
    workers: int | None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_pixels: int | None = None,
    memory_mb: int | None = DEFAULT_WORKER_MEMORY_MB,
    reduced_decode: bool = False,
) -> InlineAnalysis | AnalysisPool:
    """What analyses the files below ``roots``: in this process when they are at most
    :data:`INLINE_MAX_FILES` and no worker count was asked for; otherwise a pool of
    ``workers`` (default: one per core, never more than files), spawned now so that the
    workers' start-up overlaps the caller's next steps."""
    if workers is None:
        n, limit = 0, INLINE_MAX_FILES + 1
        for root in roots:
            n += count_files(root, limit - n)
            if n >= limit:
                break
        if n <= INLINE_MAX_FILES:
            return InlineAnalysis(max_pixels=max_pixels, reduced_decode=reduced_decode)
    cap = max(1, workers or os.cpu_count() or 1)
    n = 0
    for root in roots:
        n += count_files(root, cap - n)
        if n >= cap:
            break
    return AnalysisPool(
        max(1, min(cap, n)),
        timeout=timeout,
        max_pixels=max_pixels,
        memory_mb=memory_mb,
        reduced_decode=reduced_decode,
    ).spawn()


class InlineAnalysis:
    """The pool's interface (``spawn``/``start``/``run``/``close``), analysing each file in
    the caller's own process, one after the other: for a load of a few files, where
    starting a worker costs more than the analysis (:data:`INLINE_MAX_FILES`).

    Same analysis, same results (:func:`analyse_file`; tested against a pool). What it
    gives up for those few files: the per-file time limit and the worker's address-space
    limit (the pixel limit still refuses a decompression bomb before decoding, and a
    ``MemoryError`` is still a per-file error), and a decoder that crashes the process
    takes the command with it; the load is then run again (same load id, idempotent)."""

    n = 1

    def __init__(self, *, max_pixels: int | None = None, reduced_decode: bool = False) -> None:
        self.max_pixels = max_pixels or 100_000_000
        self.reduced_decode = reduced_decode

    def spawn(self) -> InlineAnalysis:
        return self

    def start(self) -> InlineAnalysis:
        return self

    def close(self) -> None:
        pass

    def __enter__(self) -> InlineAnalysis:
        return self

    def __exit__(self, *_exc: object) -> None:
        pass

    def run(self, tasks: Iterator[Any]) -> Iterator[tuple[Any, str, Any]]:
        for task in tasks:
            try:
                status, payload = analyse_file(
                    task.path, task.rel, self.max_pixels, self.reduced_decode
                )
            except Exception as e:  # noqa: BLE001 - as a worker: a file never stops the load
                status, payload = "error", ("internal", f"analysis failed ({type(e).__name__})")
            yield task, status, payload


@dataclass
class _Worker:
    proc: subprocess.Popen
    send: Connection
    recv: Connection
    queue: deque = field(default_factory=deque)
    head_started: float = 0.0


class AnalysisPool:
    """Worker processes that analyse files, with a per-file timeout and crash recovery.

    See the module's text. ``run(tasks)`` yields ``(task, status, payload)``
    in completion order; at most ``workers * prefetch`` tasks are in flight.

    Used as a context manager (or after :meth:`start`), the workers start once and serve
    every ``run`` until :meth:`close`: a world of many case folders pays the start-up
    (about 0.5 s a worker: imports and a warm-up analysis) once. Otherwise each ``run``
    starts its own workers and stops them at its end.
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_pixels: int | None = None,
        memory_mb: int | None = DEFAULT_WORKER_MEMORY_MB,
        prefetch: int = PREFETCH,
        reduced_decode: bool = False,
    ) -> None:
        self.n = max(1, workers or os.cpu_count() or 1)
        self.timeout = timeout
        self.max_pixels = max_pixels or 100_000_000
        self.memory_mb = memory_mb
        self.prefetch = max(1, prefetch)
        self.reduced_decode = reduced_decode
        self.workers: list[_Worker] = []
        self._spawned: list[_Worker] = []

    def spawn(self) -> AnalysisPool:
        """Launch the workers without waiting for them (they import their libraries while
        the caller does something else); :meth:`start` or :meth:`run` waits."""
        if not self.workers and not self._spawned:
            self._spawned = [self._spawn() for _ in range(self.n)]  # they import in parallel
        return self

    def start(self) -> AnalysisPool:
        """Start the workers (in parallel) unless they are running; wait until ready."""
        if not self.workers:
            self.spawn()
            spawned, self._spawned = self._spawned, []
            self.workers = [self._ready(w) for w in spawned]
        return self

    def __enter__(self) -> AnalysisPool:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _start(self) -> _Worker:
        return self._ready(self._spawn())

    def _spawn(self) -> _Worker:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = "1"
        cmd = [
            sys.executable,
            "-m",
            "loaders.media_pool",
            "--worker",
            str(to_child_r),
            str(from_child_w),
            str(self.max_pixels),
            str(self.memory_mb or 0),
            "1" if self.reduced_decode else "0",
        ]
        try:
            proc = subprocess.Popen(
                cmd,
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
                close_fds=True,
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        return _Worker(
            proc,
            Connection(to_child_w, readable=False),
            Connection(from_child_r, writable=False),
        )

    def _ready(self, w: _Worker) -> _Worker:
        """Wait for a new worker's hello (its libraries are imported)."""
        try:
            ok = w.recv.poll(STARTUP_TIMEOUT) and w.recv.recv()[0] == "ready"
        except (EOFError, OSError):
            ok = False
        if not ok:
            self._stop(w, kill=True)
            raise RuntimeError(
                f"the media analysis worker did not start ({sys.executable} -m loaders.media_pool)"
            )
        return w

    def _stop(self, w: _Worker, kill: bool = False) -> None:
        try:
            if kill:
                w.proc.kill()
            else:
                try:
                    w.send.send(None)
                except OSError:
                    pass
            try:
                w.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                w.proc.kill()
                w.proc.wait(timeout=5)
        finally:
            w.send.close()
            w.recv.close()

    def close(self) -> None:
        for w in self._spawned:
            self._stop(w, kill=True)
        for w in self.workers:
            self._stop(w, kill=bool(w.queue))
        self.workers, self._spawned = [], []

    def run(self, tasks: Iterator[Any]) -> Iterator[tuple[Any, str, Any]]:
        """Tasks are objects with ``path`` and ``rel``. A pool started by the caller stays
        up afterwards; one started here stops at the end."""
        owned = not self.workers and not self._spawned
        self.start()
        retry: deque = deque()
        exhausted = False
        idx = 0
        try:
            while True:
                now = time.monotonic()
                for w in self.workers:
                    while len(w.queue) < self.prefetch:
                        if retry:
                            task = retry.popleft()
                        elif not exhausted:
                            task = next(tasks, None)
                            if task is None:
                                exhausted = True
                                break
                        else:
                            break
                        idx += 1
                        try:
                            w.send.send((idx, task.path, task.rel))
                        except OSError:  # the worker died while idle: replace it
                            retry.appendleft(task)
                            retry.extend(w.queue)
                            w.queue.clear()
                            w = self._replace(w, kill=True)
                            continue
                        if not w.queue:
                            w.head_started = now
                        w.queue.append(task)
                busy = [w for w in self.workers if w.queue]
                if not busy:
                    if exhausted and not retry:
                        return
                    continue
                deadline = min(w.head_started for w in busy) + self.timeout
                ready = wait([w.recv for w in busy], timeout=max(0.0, deadline - now))
                now = time.monotonic()
                by_conn = {id(w.recv): w for w in busy}
                for conn in ready:
                    w = by_conn[id(conn)]
                    try:
                        _i, status, payload = w.recv.recv()
                    except (EOFError, OSError):
                        task = w.queue.popleft()
                        code = w.proc.poll()
                        yield (
                            task,
                            "error",
                            ("crashed", f"analysis crashed (worker exit code {code})"),
                        )
                        retry.extend(w.queue)
                        w.queue.clear()
                        self._replace(w, kill=True)
                        continue
                    task = w.queue.popleft()
                    w.head_started = now
                    yield task, status, payload
                for w in self.workers:
                    if w.queue and now - w.head_started > self.timeout:
                        task = w.queue.popleft()
                        yield (
                            task,
                            "error",
                            ("timeout", f"analysis took longer than {self.timeout:g} s"),
                        )
                        retry.extend(w.queue)
                        w.queue.clear()
                        self._replace(w, kill=True)
        finally:
            if owned:
                self.close()
            else:
                # Left early (an error, a closed generator): answers still in flight
                # would reach the next run, so a worker with queued files is replaced.
                for w in list(self.workers):
                    if w.queue:
                        w.queue.clear()
                        self._replace(w, kill=True)

    def _replace(self, w: _Worker, kill: bool) -> _Worker:
        i = self.workers.index(w)
        self._stop(w, kill=kill)
        self.workers[i] = self._start()
        return self.workers[i]


if __name__ == "__main__" and len(sys.argv) == 7 and sys.argv[1] == "--worker":
    _worker_main(
        int(sys.argv[2]),
        int(sys.argv[3]),
        int(sys.argv[4]),
        int(sys.argv[5]) or None,
        sys.argv[6] == "1",
    )
