"""One writer of the visual index at a time; one that has to wait says so."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from pathlib import Path

import pytest

from loaders import visual
from loaders.visual_state import LOCK_FILE


def test_a_writer_that_must_wait_says_so_then_gets_the_index(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tmp_path.mkdir(exist_ok=True)
    fd = os.open(tmp_path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)  # a rebuild holds the index
    entered = threading.Event()

    def writer() -> None:
        with visual.index_lock(tmp_path):
            entered.set()

    with caplog.at_level(logging.WARNING, logger="cluegraph.visual"):
        t = threading.Thread(target=writer)
        t.start()
        assert not entered.wait(0.5)  # still waiting
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
        assert entered.wait(10)
        t.join(10)
    assert any("visual index is in use" in r.getMessage() for r in caplog.records)


def test_a_free_index_is_taken_without_a_word(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="cluegraph.visual"):
        with visual.index_lock(tmp_path):
            pass
    assert not caplog.records
