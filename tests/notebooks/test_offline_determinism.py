"""The whole study offline, and twice from cold caches with the same bytes.

Two complete ``framing run`` subprocesses on the hostile corpus (every notebook, the default parameters, the
accurate models), each in a project root of its own with an empty ``data/interim``, so the second computes
everything again rather than reading the first's cache. The first is the suite's shared study
(tests/notebooks/conftest.py), run with every socket refused except loopback (the notebooks' kernels talk to
papermill over Unix domain sockets, which the blocker leaves alone; tests/notebooks/offline.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .offline import offline_env
from .test_faults import env_for, framing_cmd, make_root

pytestmark = pytest.mark.slow


def run_full(base: Path, corpus: Path, env: dict[str, str] | None = None) -> Path:
    root = make_root(base / "root")
    done = subprocess.run(framing_cmd("run", "--corpus", str(corpus), "--out", str(base / "reports")),
                          env=env or env_for(root), cwd=root, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    return (base / "reports" / "latest").resolve()


@pytest.fixture(scope="module")
def offline_run(hostile_study) -> tuple[Path, Path]:
    """The suite's shared study (tests/notebooks/conftest.py) is the first cold run, with the network blocked."""
    return hostile_study["run"], hostile_study["site"]


@pytest.fixture(scope="module")
def second_run(tmp_path_factory, hostile_study) -> Path:
    """The same corpus again, from cold caches in a project root of its own."""
    return run_full(tmp_path_factory.mktemp("again"), hostile_study["corpus"])


def test_the_network_blocker_refuses_and_logs(tmp_path):
    """The blocker itself: loopback connects, anything else is refused and logged (else the test below proves nothing)."""
    env = offline_env(make_root(tmp_path / "root"), tmp_path / "site")
    probe = ("import socket\n"
             "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
             "socket.create_connection(s.getsockname(), timeout=5).close()\n"
             "for call in (lambda: socket.create_connection(('192.0.2.1', 80), timeout=1),\n"
             "             lambda: socket.getaddrinfo('example.org', 443),\n"
             "             lambda: socket.socket(socket.AF_INET6).connect(('2001:db8::1', 80))):\n"
             "    try:\n"
             "        call()\n"
             "    except OSError as exc:\n"
             "        assert 'blocked' in str(exc), exc\n"
             "    else:\n"
             "        raise SystemExit('not blocked')\n")
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    log = (tmp_path / "site" / "network.log").read_text().splitlines()
    assert [line.split()[1] for line in log] == ["create_connection", "getaddrinfo", "connect"]


def test_whole_study_runs_without_network(offline_run):
    run, site = offline_run
    assert (run / "report.html").is_file() and not run.name.endswith((".partial", ".failed"))
    log = site / "network.log"
    assert not log.exists() or log.read_text() == "", log.read_text()
    marks = {p.name: p.read_text() for p in (site / "marks").iterdir()}
    assert len(marks) >= 2  # the CLI and at least one notebook kernel loaded the blocker
    # sys.argv as sitecustomize sees it (before -m's module is named): the CLI's options, a kernel's connection file
    assert any(" run --corpus " in argv for argv in marks.values()), marks
    assert any(" -f " in argv and ".json" in argv for argv in marks.values()), marks


def test_two_cold_runs_give_byte_identical_tables(offline_run, second_run):
    first, _ = offline_run
    names = sorted(p.name for p in (first / "tables").glob("*.csv"))
    assert len(names) > 25  # the pipeline's tables and every notebook's
    assert names == sorted(p.name for p in (second_run / "tables").glob("*.csv"))
    differ = [n for n in names if (first / "tables" / n).read_bytes() != (second_run / "tables" / n).read_bytes()]
    assert differ == []
