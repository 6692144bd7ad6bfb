"""How ``cluegraph`` ends: exit handlers run, output arrives, the status is kept, and the
interpreter's teardown is skipped only when nothing else is running (cli.leave)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: A script around cli.main: an exit handler, and an object whose finaliser runs only in
#: the interpreter's teardown (what cli.leave skips).
SCRIPT = r"""
import atexit, os, sys, threading, time

class Teardown:
    def __del__(self, write=os.write):  # bound now: the module may be gone by then
        write(1, b"teardown ran\n")

KEEP = Teardown()
atexit.register(lambda: print("exit handler ran"))
if {thread!r}:
    def late():  # still running when main() ends; done once the main thread has ended
        while threading.main_thread().is_alive():
            time.sleep(0.01)
        os.write(1, b"thread finished\n")
    threading.Thread(target=late).start()
sys.argv = ["cluegraph", *{argv!r}]
from cli import main, leave
{call}
"""


def run(
    argv: list[str], *, thread: bool = False, call: str = "main()"
) -> subprocess.CompletedProcess:
    code = textwrap.dedent(SCRIPT).format(argv=argv, thread=thread, call=call)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


@pytest.mark.parametrize(
    ("argv", "status", "says"),
    [(["--help"], 0, "Usage"), (["no-such-command"], 2, "No such command")],
)
def test_status_output_and_exit_handlers_survive_the_quick_exit(argv, status, says):
    p = run(argv)
    assert p.returncode == status, p.stderr
    assert says in p.stdout + p.stderr
    assert "exit handler ran" in p.stdout
    # nothing else was running: the teardown (0.15-0.3 s of a short command) is skipped
    assert "teardown ran" not in p.stdout


def test_a_running_thread_gets_the_ordinary_exit_that_waits_for_it():
    p = run(["--help"], thread=True)
    assert p.returncode == 0, p.stderr
    assert "thread finished" in p.stdout
    assert "exit handler ran" in p.stdout
    assert "teardown ran" in p.stdout


def test_a_message_exit_prints_it_and_returns_one():
    p = run([], call="leave('could not go on')")
    assert p.returncode == 1
    assert "could not go on" in p.stderr
    assert "exit handler ran" in p.stdout
