"""The warm helper's server side (:mod:`cli.warm` is the caller's side and the protocol).

``python -m cli.warm_serve [HOME]`` (started by :func:`cli.warm.start`, that is by
``cluegraph db start`` or ``cluegraph db warm``): import :data:`PRELOAD` once, listen on
``HOME/run/cli.sock`` and, for each caller, fork a waiter that forks the command
(:func:`_command`: the caller's streams, directory, environment and arguments, then
:func:`cli.root.main`) and reports its status. See :mod:`cli.warm` for when a command is
refused and runs in the caller's process instead.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import sys
from pathlib import Path
from typing import Any

from cli.warm import (
    MAX_SOCKET_PATH,
    PACKAGES,
    PROTOCOL,
    ROOT,
    SERVER,
    _recv_exact,
    _send,
    home,
    run_dir,
    socket_path,
)

#: What the helper imports before it serves: the modules of a one-picture ``load media``
#: with its visual pass and of the other short commands (measured with ``-X importtime``).
#: ``cli.root`` and ``cli.common`` are left out: they make rich consoles, which read the
#: terminal when they are made, and the helper has none.
PRELOAD = (
    "numpy",
    "PIL.Image",
    "PIL.JpegImagePlugin",
    "PIL.PngImagePlugin",
    "typer",
    "rich.console",
    "rich.progress",
    "rich.table",
    "pydantic_settings",
    "cv2",
    "faiss",
    "scipy.sparse",
    "scipy.sparse.csgraph",
    "babel.core",
    "graph.config",
    "graph.links",
    "graph.neardup",
    "graph.ndindex",
    "service.connect",
    "loaders.media",
    "loaders.media_pool",
    "loaders.visual",
    "loaders.visual_write",
    "media.mediafile",
    "media.visual.features",
    "media.visual.index",
    "media.visual.match",
    "media.visual.text",
    "media.visual.language",
)


def fingerprint() -> str:
    """What the helper's imports were made from: every source file of the project (path,
    size, modification time) and the environment's package directories (a ``pip install``
    changes them). Any change and the helper stands down (about 2 ms for the project)."""
    import hashlib
    import site

    h = hashlib.sha256()
    for pkg in PACKAGES:
        for dirpath, dirnames, files in os.walk(Path(ROOT) / pkg):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for f in sorted(files):
                if f.endswith(".py"):
                    st = os.stat(os.path.join(dirpath, f))
                    h.update(f"{dirpath}/{f}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    for d in site.getsitepackages():
        try:
            h.update(f"{d}:{os.stat(d).st_mtime_ns}\n".encode())
        except OSError:
            pass
    return h.hexdigest()


def preload() -> list[str]:
    """Import :data:`PRELOAD` (the driver without pandas, as the CLI imports it); the
    modules that could not be imported are returned (a command imports them itself)."""
    import importlib

    from graph import driver_lib

    driver_lib.import_lean()
    missing = []
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - logged; a command importing it fails loudly there
            missing.append(name)
    return missing


def _log(line: str) -> None:
    import time

    sys.stderr.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {line}\n")
    sys.stderr.flush()


def serve(base: Path | None = None) -> None:
    """Serve commands for this home until SIGTERM (``cluegraph db stop``)."""
    import signal

    base = base or home()
    rd = run_dir(base)
    rd.mkdir(parents=True, exist_ok=True)
    os.chmod(rd, 0o700)
    path = socket_path(base)
    if len(os.fsencode(str(path))) > MAX_SOCKET_PATH:
        _log(f"not serving: the socket path is longer than {MAX_SOCKET_PATH} bytes")
        return
    stamp = fingerprint()
    missing = preload()
    if missing:
        _log(f"not preloaded: {', '.join(missing)}")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
        _log("another helper serves this home")
        return
    except OSError:
        path.unlink(missing_ok=True)
    finally:
        probe.close()
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        srv.bind(str(path))
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    srv.listen(32)
    srv.settimeout(1.0)
    fd = os.open(rd / "cli.pid", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"{os.getpid()}\n")

    def stop(_signum: int, _frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _log(f"serving (pid {os.getpid()})")
    waiters: set[int] = set()
    restart = False
    try:
        while not restart:
            _reap(waiters)
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            restart = _take(conn, srv, stamp, waiters)
    finally:
        srv.close()
        if path.exists() and not restart:
            path.unlink(missing_ok=True)
        pid_file = rd / "cli.pid"
        if not restart and pid_file.exists() and pid_file.read_text().strip() == str(os.getpid()):
            pid_file.unlink(missing_ok=True)
    if restart:
        _log("the code or the packages changed: starting again")
        path.unlink(missing_ok=True)
        os.execv(sys.executable, [sys.executable, "-m", SERVER, str(base)])


def _reap(waiters: set[int]) -> None:
    for pid in list(waiters):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            waiters.discard(pid)


def _take(conn: socket.socket, srv: socket.socket, stamp: str, waiters: set[int]) -> bool:
    """Read one request and start its command; True when the helper must start again."""
    fds: list[int] = []
    try:
        conn.settimeout(5.0)
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _pid, uid, _gid = struct.unpack("3i", creds)
        if uid != os.getuid():
            _log("refused a caller of another user")
            return False
        head, fds, _flags, _addr = socket.recv_fds(conn, 4, 3)
        if len(head) < 4:
            return False
        (n,) = struct.unpack("!I", head)
        if n > 16 << 20:
            return False
        req = json.loads(_recv_exact(conn, n))
        if len(fds) != 3:
            _send(conn, {"refused": "streams"})
            return False
        if req.get("v") != PROTOCOL or req.get("prefix") != sys.prefix or req.get("root") != ROOT:
            _send(conn, {"refused": "another checkout or environment"})
            return False
        if fingerprint() != stamp:
            _send(conn, {"refused": "stale"})
            return True
        pid = os.fork()
        if pid == 0:
            srv.close()
            _waiter(conn, req, fds)  # never returns
        waiters.add(pid)
        return False
    except (OSError, ValueError, ConnectionError):
        return False
    finally:
        for fd in fds:
            os.close(fd)
        conn.close()


def _waiter(conn: socket.socket, req: dict[str, Any], fds: list[int]) -> None:
    """The fork that starts the command, tells the caller its pid and, when it ends, its
    status. A caller that goes away (killed) takes its command with it (SIGTERM)."""
    import select
    import signal
    import time

    code = 1
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        t = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            conn.close()  # the caller learns the end from the waiter alone
            _command(req, fds)  # never returns
        for fd in fds:
            os.close(fd)
        conn.settimeout(None)
        _send(conn, {"pid": pid})
        pidfd = os.pidfd_open(pid)
        poll = select.poll()
        poll.register(pidfd, select.POLLIN)
        poll.register(conn.fileno(), select.POLLIN | select.POLLHUP)
        while True:
            events = dict(poll.poll())
            if pidfd in events:
                break
            if conn.fileno() in events:  # the caller is gone (or wrote out of turn)
                os.kill(pid, signal.SIGTERM)
                poll.unregister(conn.fileno())
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        code = 128 - code if code < 0 else code  # killed by a signal: as a shell says it
        _log(f"command ended with status {code} in {time.perf_counter() - t:.2f} s")
        _send(conn, {"exit": code})
    except BaseException:  # noqa: BLE001 - a fork never unwinds into the server's loop
        pass
    finally:
        os._exit(0)


def _command(req: dict[str, Any], fds: list[int]) -> None:
    """Become the caller's command: its streams, directory, environment and arguments."""
    import io

    code = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        streams = req.get("streams") or [[None, None]] * 3
        for target, (name, mode) in enumerate((("stdin", "r"), ("stdout", "w"), ("stderr", "w"))):
            enc, errors = streams[target]
            raw = io.FileIO(target, mode, closefd=False)
            buffered = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
            stream = io.TextIOWrapper(
                buffered,
                encoding=enc or "utf-8",
                errors=errors or "strict",
                line_buffering=mode == "w" and os.isatty(target),
                write_through=name == "stderr",
            )
            setattr(sys, name, stream)
        os.chdir(req["cwd"])
        os.environ.clear()
        os.environ.update(req["env"])
        sys.argv = ["cluegraph", *req["argv"]]
        import signal

        signal.signal(signal.SIGINT, signal.default_int_handler)
        from graph.config import reset_settings

        reset_settings()  # made by nobody before the fork; never reused
        from cli import root

        root.main(prog_name=req.get("prog") or "cluegraph")  # leaves through cli.root.leave
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # noqa: BLE001 - shown to the caller like an uncaught error
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os._exit(code & 0xFF)


if __name__ == "__main__":
    serve(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
