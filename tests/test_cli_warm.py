"""The warm helper (cli/warm.py): a command handed to it runs as it would in the caller's
process (the caller's directory, environment, streams, exit status and Ctrl-C), on the
real test server; what it refuses runs in the caller's process instead."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cli import warm
from graph import db
from graph.config import get_settings
from tests.loaders import visual_world as vw

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "cli"]


def _served() -> int:
    """Commands the helper has run so far (its log's lines)."""
    log = warm.run_dir(get_settings().home) / "cli.log"
    return log.read_text().count("command ended") if log.exists() else 0


@pytest.fixture
def helper(driver):
    home = get_settings().home
    warm.stop(home)
    (warm.run_dir(home) / "cli.log").unlink(missing_ok=True)  # this test's lines only
    assert warm.start(home), (warm.run_dir(home) / "cli.log").read_text()
    yield home
    assert warm.stop(home)
    assert not warm.running(home)


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "CLUEGRAPH_WARM": "1", **extra}


def _picture(path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = (rng.random((240, 320, 3)) * 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(a).save(path, quality=90)


def test_load_media_runs_in_the_helper_with_the_callers_directory_user_and_output(
    helper, driver, tmp_path
):
    vw.fresh_world(driver)
    _picture(tmp_path / "exhibit" / "IMG_1.jpg", 1)
    user = f"warm-{uuid.uuid4().hex[:8]}"
    before = _served()
    p = subprocess.run(
        [*CLI, "load", "media", "exhibit", "--case", "C-FR", "--no-visual"],
        cwd=tmp_path,  # a path relative to the caller's directory
        env=_env(USER=user, LOGNAME=user),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert _served() == before + 1  # the helper ran it
    assert "written" in p.stdout  # the load's report reached the caller's stdout
    rows = db.records(
        driver,
        "MATCH (:Case {id: 'C-FR'})-[:CONTAINS|HOLDS*1..2]->(m:Media) RETURN m.sha256",
        name="t",
    )
    assert len(rows) == 1
    # a read is audited under the caller's account (its environment), not the helper's
    q = subprocess.run(
        [*CLI, "query", "RETURN 41 + 1 AS answer", "--format", "json"],
        env=_env(USER=user, LOGNAME=user),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert q.returncode == 0, q.stderr
    assert json.loads(q.stdout) == [{"answer": 42}]
    assert _served() == before + 2
    users = db.records(driver, "MATCH (e:AuditEvent) RETURN e.user AS u", name="t")
    assert f"cli:{user}" in {r["u"] for r in users}


def test_an_error_gives_the_same_status_and_message_with_and_without_the_helper(helper, tmp_path):
    cmd = [*CLI, "load", "media", str(tmp_path / "missing"), "--case", "X"]
    before = _served()
    warm_p = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=60)
    cold_p = subprocess.run(
        cmd, env=_env(CLUEGRAPH_WARM="0"), capture_output=True, text=True, timeout=60
    )
    assert _served() == before + 1
    assert warm_p.returncode == cold_p.returncode == 2
    assert "Error" in warm_p.stderr and "missing" in warm_p.stderr
    assert warm_p.stderr == cold_p.stderr
    assert warm_p.stdout == cold_p.stdout


def _ctrl_c_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _until(p: subprocess.Popen, text: bytes, limit: float = 120) -> bytes:
    """What ``p`` wrote on stdout until ``text`` (a prompt without a newline)."""
    seen = b""
    end = time.monotonic() + limit
    while text not in seen:
        assert time.monotonic() < end, seen
        ready, _, _ = select.select([p.stdout], [], [], 1.0)
        if ready:
            chunk = os.read(p.stdout.fileno(), 4096)
            assert chunk, (seen, p.wait())
            seen += chunk
    return seen


@pytest.mark.parametrize("answer", ["n", None])
def test_the_callers_stdin_and_ctrl_c_reach_the_command_as_without_the_helper(helper, answer):
    """``demo reset`` asks on stdin: an answer typed, or Ctrl-C at the prompt, ends it the
    same way with and without the helper."""
    results = []
    for on in ("1", "0"):
        before = _served()
        p = subprocess.Popen(
            [*CLI, "demo", "reset"],
            env=_env(CLUEGRAPH_WARM=on),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            # as from a terminal, even when this run inherited Ctrl-C ignored (a background
            # job): Python then leaves SIGINT ignored, with or without the helper
            preexec_fn=_ctrl_c_default,
        )
        _until(p, b"reload the demo?")
        if answer is None:
            p.send_signal(signal.SIGINT)
            p.wait(timeout=30)  # stdin stays open: only Ctrl-C ends the prompt
            out, err = p.communicate(timeout=30)
        else:
            out, err = p.communicate(answer.encode() + b"\n", timeout=30)
        results.append((p.returncode, err))
        assert _served() == before + (on == "1")
    assert results[0] == results[1]
    assert results[0][0] != 0  # nothing deleted either way


def _ask(home: Path, **overrides: object) -> dict:
    """A request as the caller sends it, with some fields changed; the helper's answer."""
    req = {
        "v": warm.PROTOCOL,
        "argv": ["query", "RETURN 1"],
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "prefix": sys.prefix,
        "root": warm.ROOT,
        "streams": [["utf-8", "strict"]] * 3,
        **overrides,
    }
    data = json.dumps(req).encode()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(str(warm.socket_path(home)))
        devnull = os.open(os.devnull, os.O_RDWR)
        try:
            s.sendmsg(
                [struct.pack("!I", len(data)) + data],
                [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("3i", *[devnull] * 3))],
            )
        finally:
            os.close(devnull)
        return warm._recv(s)


def test_a_caller_that_ignores_ctrl_c_leaves_it_ignored_for_its_command(helper):
    """``nohup`` or a background job: Ctrl-C does not reach the command, as without the
    helper (the caller passes on only the signals it does not ignore)."""
    p = subprocess.Popen(
        [*CLI, "demo", "reset"],
        env=_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    _until(p, b"reload the demo?")
    p.send_signal(signal.SIGINT)
    time.sleep(1.5)
    assert p.poll() is None  # still at its prompt
    out, err = p.communicate(b"n\n", timeout=30)
    assert p.returncode != 0 and b"Traceback" not in err


def test_the_helper_refuses_another_checkout_or_environment(helper):
    assert _ask(helper, root="/elsewhere/cluegraph") == {
        "refused": "another checkout or environment"
    }
    assert "refused" in _ask(helper, prefix="/other/venv")
    assert "refused" in _ask(helper, v=warm.PROTOCOL + 1)
    assert "pid" in _ask(helper)  # the same request, unchanged, runs


def test_a_changed_source_file_makes_the_helper_stand_down_and_start_again(helper):
    src = ROOT / "app" / "__init__.py"  # not imported by the command below
    st = src.stat()
    log = warm.run_dir(helper) / "cli.log"
    cmd = [*CLI, "query", "RETURN 1 AS one"]
    before = _served()
    try:
        os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        p = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        assert _served() == before  # refused (stale): it ran in the caller's process
        end = time.monotonic() + 60
        while time.monotonic() < end and log.read_text().count("serving") < 2:
            time.sleep(0.2)
        assert "starting again" in log.read_text()
        p = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        assert _served() == before + 1  # the helper started on the new code serves it
    finally:
        os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_commands_that_stay_with_the_caller(helper, monkeypatch):
    monkeypatch.setenv("CLUEGRAPH_WARM", "1")
    assert warm.forward(["db", "status"]) is None  # manages servers
    assert warm.forward(["users", "add"]) is None  # prompts for a password
    assert warm.forward([]) is None
    monkeypatch.setenv("CLUEGRAPH_WARM", "0")
    assert warm.forward(["query", "RETURN 1"]) is None
    monkeypatch.setenv("CLUEGRAPH_WARM", "1")
    monkeypatch.setenv("CLUEGRAPH_HOME", "/nonexistent/home")
    assert warm.forward(["query", "RETURN 1"]) is None  # no helper for that home


def test_the_socket_and_its_directory_are_private(helper):
    assert warm.socket_path(helper).stat().st_mode & 0o777 == 0o600
    assert warm.run_dir(helper).stat().st_mode & 0o777 == 0o700
    assert (warm.run_dir(helper) / "cli.pid").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("value", [None, "/tmp/some-home"])
def test_the_callers_home_is_the_settings_home(monkeypatch, tmp_path, value):
    monkeypatch.chdir(tmp_path)
    if value is None:
        monkeypatch.delenv("CLUEGRAPH_HOME", raising=False)
    else:
        monkeypatch.setenv("CLUEGRAPH_HOME", value)
    from graph.config import reset_settings

    reset_settings()
    try:
        assert warm.home() == get_settings().home
    finally:
        monkeypatch.undo()
        reset_settings()
