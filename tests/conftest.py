from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from framing.build import pipeline
from framing.config import PROJECT_ROOT
from framing.ingest import read_corpus

RAW = PROJECT_ROOT / "data" / "raw"
FORUM = "000_d159b8c2e40e4b06.txt"
SUBSTACK = "001_92a904c3a085f43c.txt"
SOTT = "002_488a665a99055364.txt"
FEED = "003_72d4c2db9f8cfb1a.txt"
POLL_S = 0.01  # how often kill_at looks for its milestone


@pytest.fixture(scope="session")
def seed_ingest():
    return read_corpus(RAW)


@pytest.fixture(scope="session")
def seed_tables():
    return pipeline.build(RAW, progress=False)


@pytest.fixture()
def corpus_dir(tmp_path: Path):
    """An empty corpus folder to write small hand-made files into."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    return folder


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (read from /proc): a notebook kernel runs in a session of its own."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_at(cmd: list[str], *, env: dict[str, str], cwd: Path, milestone: Callable[[], bool],
            timeout: float = 900) -> float:
    """Start ``cmd``, poll every 10 ms until ``milestone()`` holds, then SIGKILL it (and its kernel); seconds taken.

    Fails if the process ends before the milestone: the kill must land where the test says it does.
    """
    log = cwd / f"killed-{time.monotonic_ns()}.log"
    with log.open("w") as err:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    start = time.monotonic()
    try:
        while not milestone():
            if proc.poll() is not None:
                pytest.fail(f"ended (rc {proc.returncode}) before the milestone: {log.read_text()[-2000:]}")
            if time.monotonic() - start > timeout:
                pytest.fail("milestone not reached in time")
            time.sleep(POLL_S)
    finally:
        below = descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)  # the run itself first, then whatever it started (kernel, workers)
        for pid in below:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    return time.monotonic() - start


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium through playwright (``make browser`` installs it); skips saying how, without it."""
    import shutil

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed: the browser tests need it (make browser, or apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield b
        b.close()
