"""``cluegraph serve``: run the Streamlit app on loopback (``--host`` to expose it)."""

from __future__ import annotations

import os
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
) -> None:
    """Start the ClueGraph app (Streamlit) on loopback and print its URL."""
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
    typer.echo(f"ClueGraph app at http://{shown}:{port}  (Ctrl-C to stop)")
    try:
        proc = subprocess.run(command(port, host), env=env, cwd=APP.parent.parent, check=False)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    raise typer.Exit(proc.returncode)
