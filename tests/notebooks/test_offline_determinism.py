"""The whole study offline, and twice from cold caches with the same bytes.

Two complete ``framing run`` subprocesses (every notebook, the default parameters, the accurate models), each in a
project root of its own with an empty ``data/interim``, so the second computes everything again rather than reading
the first's cache. The first runs with every socket refused except loopback (the notebooks' kernels talk to
papermill over Unix domain sockets, which the blocker leaves alone).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import RAW
from .test_faults import env_for, framing_cmd, make_root

pytestmark = pytest.mark.slow

# Loaded by every Python process started with this folder first on PYTHONPATH (the CLI, and each notebook
# kernel, which inherits the environment): refuses and logs any connection or name lookup off the machine.
SITECUSTOMIZE = '''
import ipaddress
import os
import socket
import sys

_LOG = os.environ.get("FRAMING_NET_LOG")
_MARKS = os.environ.get("FRAMING_NET_MARKS")
if _MARKS:
    with open(os.path.join(_MARKS, str(os.getpid())), "w") as _f:
        _f.write(" ".join(sys.argv))


def _loopback(host):
    if host is None or host in ("localhost", b"localhost"):
        return True
    if isinstance(host, bytes):
        host = host.decode()
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what, where):
    if _LOG:
        with open(_LOG, "a") as f:
            f.write(f"{os.getpid()} {what} {where!r}\\n")
    raise OSError(f"network blocked by the test: {what} {where!r}")


def _inet(sock):
    return sock.family in (socket.AF_INET, socket.AF_INET6)


_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
_getaddrinfo, _create_connection = socket.getaddrinfo, socket.create_connection


def connect(self, address):
    if _inet(self) and not _loopback(address[0]):
        _refuse("connect", address)
    return _connect(self, address)


def connect_ex(self, address):
    if _inet(self) and not _loopback(address[0]):
        _refuse("connect_ex", address)
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    if not _loopback(host):
        _refuse("getaddrinfo", host)
    return _getaddrinfo(host, *args, **kwargs)


def create_connection(address, *args, **kwargs):
    if not _loopback(address[0]):
        _refuse("create_connection", address)
    return _create_connection(address, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
socket.getaddrinfo, socket.create_connection = getaddrinfo, create_connection
'''


def offline_env(root: Path, site: Path) -> dict[str, str]:
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    (site / "marks").mkdir()
    path = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env_for(root, PYTHONPATH=path, FRAMING_NET_LOG=str(site / "network.log"),
                   FRAMING_NET_MARKS=str(site / "marks"))


def run_full(base: Path, env: dict[str, str] | None = None) -> Path:
    root = make_root(base / "root")
    done = subprocess.run(framing_cmd("run", "--corpus", str(RAW), "--out", str(base / "reports")),
                          env=env or env_for(root), cwd=root, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    return (base / "reports" / "latest").resolve()


@pytest.fixture(scope="module")
def offline_run(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("offline")
    env = offline_env(base / "root", base / "site")
    return run_full(base, env), base / "site"


@pytest.fixture(scope="module")
def second_run(tmp_path_factory) -> Path:
    return run_full(tmp_path_factory.mktemp("again"))


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
