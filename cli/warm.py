"""A warm helper for short commands: the interpreter and its libraries already loaded.

Units receive exhibits one at a time, and ``cluegraph load media DIR`` of one picture
spends most of its second starting: the interpreter, the Neo4j driver, OpenCV, faiss,
scipy, typer and the project's modules (issue 13, docs/ingestion.md "Many small
exhibits"). ``cluegraph db start`` therefore also starts a helper process that has
imported all of that once (:func:`cli.warm_serve.serve`). The ``cluegraph`` entry point
(:func:`forward`, stdlib only) hands a command to it over a Unix socket in
``CLUEGRAPH_HOME/run/`` (directory 0700, socket 0600, the caller's user id checked); the
helper forks a copy of itself that takes the caller's terminal (its stdin, stdout and
stderr, passed as file descriptors), working directory, environment and arguments, and
runs the command as :mod:`cli.root` would in the caller's process. The caller waits,
passes on the signals it gets (Ctrl-C) and leaves with the command's exit status.

Nothing is shared between commands: each runs in its own fresh fork, reads its settings
from its own environment (``.env`` of its own directory included) and opens its own
connection. The helper itself never connects to Neo4j, reads no settings and logs no
arguments (only that a command ran, its status and its seconds, in ``run/cli.log``).

A command runs in the caller's own process instead when:

- ``CLUEGRAPH_WARM=0`` (or ``off``/``no``/``false``), or the command is not one of
  :data:`COMMANDS` (``db``, ``serve`` and ``users`` stay with the caller: they manage
  servers or prompt for a password on the terminal);
- no helper listens for this home (none started, stopped, or gone);
- the helper runs another checkout or environment (``sys.prefix`` and the project's
  directory differ);
- the project's source or the environment's installed packages changed since the helper
  started (:func:`cli.warm_serve.fingerprint`): the helper refuses, starts itself again
  on the new code, and this command runs in the caller's process;
- a standard stream is closed.

The figures: docs/ingestion.md, "A warm helper" (``bench/bench_small_exhibits.py
--warm``).
"""

from __future__ import annotations

import array
import json
import os
import socket
import struct
import sys
from pathlib import Path
from typing import Any

#: Command groups a helper runs. Not ``db`` (it starts and stops the servers, this one
#: included), ``serve`` (the app runs for hours in the caller's session) or ``users`` (its
#: password prompt reads the terminal the helper does not have).
COMMANDS = frozenset(
    {
        "load",
        "analyse",
        "search",
        "clues",
        "leads",
        "links",
        "query",
        "export",
        "import",
        "audit",
        "hashsets",
        "demo",
    }
)
#: Version of the messages between caller and helper.
PROTOCOL = 1
#: The project's directory (where ``cli/`` is): a helper serves callers of the same tree.
ROOT = str(Path(__file__).resolve().parent.parent)
#: The project's packages: their sources make the fingerprint, the helper imports them.
PACKAGES = ("app", "cli", "graph", "loaders", "media", "service")
#: Longest path a Unix socket address takes (108 bytes on Linux, with its terminating 0).
MAX_SOCKET_PATH = 107
OFF = frozenset({"0", "off", "no", "false"})
#: The server's module, run with ``python -m`` (a process of its own, not an import here).
SERVER = __name__ + "_serve"


def home() -> Path:
    """``CLUEGRAPH_HOME`` as :func:`graph.config.get_settings` finds it without ``.env`` (the
    caller does not parse it; a home named only there finds no helper and runs locally)."""
    return Path(os.environ.get("CLUEGRAPH_HOME", Path.cwd() / ".cluegraph"))


def run_dir(base: Path | None = None) -> Path:
    return (base or home()) / "run"


def socket_path(base: Path | None = None) -> Path:
    return run_dir(base) / "cli.sock"


def _send(sock: socket.socket, msg: dict[str, Any]) -> None:
    data = json.dumps(msg).encode()
    sock.sendall(struct.pack("!I", len(data)) + data)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        part = sock.recv(n - len(buf))
        if not part:
            raise ConnectionError("closed")
        buf += part
    return buf


def _recv(sock: socket.socket) -> dict[str, Any]:
    (n,) = struct.unpack("!I", _recv_exact(sock, 4))
    return json.loads(_recv_exact(sock, n))


# ---------------------------------------------------------------------------- the caller


def enabled() -> bool:
    """False when ``CLUEGRAPH_WARM`` turns the helper off (``0``, ``off``, ``no``, ``false``)."""
    return os.environ.get("CLUEGRAPH_WARM", "1").strip().lower() not in OFF


def forward(args: list[str]) -> int | None:
    """Run ``cluegraph ARGS`` in this home's warm helper and return its exit status, or
    ``None`` when the helper does not take it (nothing ran: run it here)."""
    if not enabled():
        return None
    if not args or args[0] not in COMMANDS:
        return None
    try:
        path = socket_path()
        cwd = os.getcwd()
        for fd in (0, 1, 2):
            os.fstat(fd)
    except OSError:  # the directory is gone, a stream is closed
        return None
    if len(os.fsencode(str(path))) > MAX_SOCKET_PATH:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
        streams = [sys.stdin, sys.stdout, sys.stderr]
        data = json.dumps(
            {
                "v": PROTOCOL,
                "argv": args,
                "cwd": cwd,
                "env": dict(os.environ),
                "prefix": sys.prefix,
                "root": ROOT,
                "prog": program_name(),
                "streams": [
                    [getattr(s, "encoding", None), getattr(s, "errors", None)] for s in streams
                ],
            }
        ).encode()
        fds = array.array("i", [0, 1, 2])
        sock.sendmsg(
            [struct.pack("!I", len(data)) + data],
            [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)],
        )
        first = _recv(sock)
    except (OSError, ConnectionError, ValueError):
        sock.close()
        return None
    if "pid" not in first:  # refused: stale, another tree
        sock.close()
        return None
    return _wait(sock, int(first["pid"]))


def program_name() -> str:
    """The name this process's usage lines show, by Click's rule: ``python -m PKG`` when
    run with ``-m``, else the script's file name (``cluegraph``)."""
    main = sys.modules.get("__main__")
    path = sys.argv[0] if sys.argv and sys.argv[0] else "cluegraph"
    package = getattr(main, "__package__", None)
    if not package:
        return os.path.basename(path)
    name = os.path.splitext(os.path.basename(path))[0]
    module = package if name == "__main__" else f"{package}.{name}"
    return f"python -m {module.lstrip('.')}"


def _wait(sock: socket.socket, pid: int) -> int:
    """Wait for the command's status, passing on the signals this process gets."""
    import signal

    def pass_on(signum: int, _frame: object) -> None:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        if signal.getsignal(sig) != signal.SIG_IGN:  # ignored here (nohup, a background
            signal.signal(sig, pass_on)  # job's Ctrl-C): ignored for the command too
    try:
        return int(_recv(sock)["exit"])
    except (OSError, ConnectionError, ValueError, KeyError):
        print("cluegraph: the warm helper stopped before the command ended", file=sys.stderr)
        return 1
    finally:
        sock.close()


def stop(base: Path | None = None, *, wait: float = 5.0) -> bool:
    """Stop this home's helper (SIGTERM to the pid in ``run/cli.pid``); True if one ran.
    Commands it started run to their end."""
    import signal
    import time

    pid_file = run_dir(base) / "cli.pid"
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        socket_path(base).unlink(missing_ok=True)
        return False
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return True


def start(base: Path | None = None, *, wait: float = 30.0) -> bool:
    """Start this home's helper in the background (its own session, output in
    ``run/cli.log``) and wait until it answers; True when it does."""
    import subprocess
    import time

    base = base or home()
    rd = run_dir(base)
    rd.mkdir(parents=True, exist_ok=True)
    os.chmod(rd, 0o700)
    if running(base):
        return True
    fd = os.open(rd / "cli.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        subprocess.Popen(
            [sys.executable, "-m", SERVER, str(base)],
            stdin=subprocess.DEVNULL,
            stdout=fd,
            stderr=fd,
            start_new_session=True,
            cwd=ROOT,
        )
    finally:
        os.close(fd)
    end = time.monotonic() + wait
    while time.monotonic() < end:
        if running(base):
            return True
        time.sleep(0.1)
    return False


def running(base: Path | None = None) -> bool:
    """Whether a helper answers on this home's socket."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(socket_path(base)))
        return True
    except OSError:
        return False
    finally:
        probe.close()
