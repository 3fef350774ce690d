"""A network blocker for end-to-end runs: every process started with it on PYTHONPATH refuses off-machine I/O."""

from __future__ import annotations

import os
from pathlib import Path

from .test_faults import env_for

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
