"""``cluegraph serve``: run the Streamlit app on loopback (``--host`` to expose it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from graph.config import get_settings

APP = Path(__file__).resolve().parent.parent / "app" / "main.py"


def command(port: int, host: str) -> list[str]:
    """The ``streamlit run`` command line.

    >>> command(8502, "127.0.0.1")[-6:]
    ['--server.port', '8502', '--server.headless', 'true', '--browser.gatherUsageStats', 'false']
    """
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


def serve(
    port: Annotated[int, typer.Option("--port", "-p", help="Port to listen on.")] = 8501,
    host: Annotated[
        str,
        typer.Option("--host", help="Address to bind; the default keeps the app on this machine."),
    ] = "127.0.0.1",
    open_browser: Annotated[
        bool,
        typer.Option(
            "--open/--no-open", help="Open the app in a browser, where this machine has one."
        ),
    ] = False,
) -> None:
    """Start the ClueGraph app (Streamlit) on loopback and print its URL.

    SIGTERM and SIGINT are passed on to the Streamlit process, and this command waits for
    it to end, so that stopping ``serve`` never leaves an orphan serving the port."""
    settings = get_settings()
    env = dict(os.environ)
    # The app reads the same settings as this command, whatever directory Streamlit runs in.
    env["CLUEGRAPH_HOME"] = str(settings.home)
    env.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(
            f"warning: serving on {host}: anyone who can reach this address can use the app",
            err=True,
        )
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    url = f"http://{shown}:{port}"
    typer.echo(f"\n  ClueGraph app: {url}\n  (open it in a browser; Ctrl-C to stop)\n")
    proc = subprocess.Popen(command(port, host), env=env, cwd=APP.parent.parent)

    def forward(signum, _frame) -> None:
        if proc.poll() is None:
            proc.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if open_browser:
            _open_when_up(url, proc)
        code = _wait(proc)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    raise typer.Exit(130 if code in (-signal.SIGINT, 130) else code)


def _wait(proc: subprocess.Popen, grace: float = 10.0) -> int:
    """The child's exit code; a child that ignores a forwarded signal for ``grace`` seconds
    after it is killed."""
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:  # only if the handler was not installed
            proc.terminate()
            try:
                return proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()


def _open_when_up(url: str, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """Open ``url`` in this machine's browser once the app answers; say so when there is
    no browser (a server, a container)."""
    import socket
    import time
    import webbrowser
    from urllib.parse import urlparse

    u = urlparse(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection((u.hostname or "127.0.0.1", u.port or 80), 0.5):
                break
        except OSError:
            time.sleep(0.3)
    try:
        webbrowser.get()
    except webbrowser.Error:
        typer.echo(f"no browser on this machine: open {url} in yours")
        return
    if not webbrowser.open(url):
        typer.echo(f"could not open a browser: open {url} yourself")
