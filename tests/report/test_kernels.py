"""The report's kernel manager: IPC sockets in a private folder that goes with the kernel, started or not."""

from __future__ import annotations

import asyncio
import os

import pytest
from jupyter_client.kernelspec import NoSuchKernel

from framing.report.kernels import IpcKernelManager


def test_a_kernel_that_cannot_start_leaves_no_socket_folder():
    km = IpcKernelManager(kernel_name="no-such-kernel")
    folder = os.path.dirname(km.ip)
    assert os.path.isdir(folder)
    with pytest.raises(NoSuchKernel):
        asyncio.run(km.start_kernel())
    assert not os.path.exists(folder)


def _folders() -> set[str]:
    import glob
    import tempfile

    return set(glob.glob(os.path.join(tempfile.gettempdir(), "framing-kernel-*")))


def test_a_kernel_started_ahead_runs_the_notebook_as_a_fresh_kernel_would(tmp_path):
    import nbformat

    from framing.report import kernels

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import sys\nprint('framing.report.sections' in sys.modules, len(In))"),
                nbformat.v4.new_code_cell("x = 1")]
    source = tmp_path / "nb.ipynb"
    nbformat.write(nb, source)
    before = _folders()
    kernels.warm(str(tmp_path))
    km = kernels._ready[0]
    result = kernels.execute(str(source), str(tmp_path / "out.ipynb"), parameters={}, cwd=str(tmp_path))
    assert not result.failed and kernels._ready is None
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    code = [c for c in out.cells if c.cell_type == "code"]
    # the start-up imports ran (the module is loaded) outside the history: counts start at 1, nothing printed
    assert [c.execution_count for c in code] == [1, 2]
    assert code[0].outputs[0]["text"] == "True 2\n"
    assert not asyncio.run(km.is_alive()) and _folders() == before  # stopped, sockets gone


@pytest.mark.parametrize("ahead", [True, False], ids=["started-ahead", "started-by-papermill"])
def test_every_report_kernel_drops_only_the_closed_socket_traceback_of_its_shutdown(tmp_path, ahead):
    import nbformat

    from framing.report import kernels

    cell = ("import logging, sys, zmq\n"
            "def record(exc):\n"
            "    try:\n"
            "        raise exc\n"
            "    except zmq.ZMQError:\n"
            "        return logging.makeLogRecord({'exc_info': sys.exc_info()})\n"
            "log = logging.getLogger('tornado.general')\n"
            "print(bool(log.filter(record(zmq.ZMQError(zmq.ENOTSOCK)))), bool(log.filter(record(zmq.ZMQError(zmq.EAGAIN)))),"
            " len(In))")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(cell)]
    nbformat.write(nb, tmp_path / "nb.ipynb")
    if ahead:
        kernels.warm(str(tmp_path))
    result = kernels.execute(str(tmp_path / "nb.ipynb"), str(tmp_path / "out.ipynb"), parameters={}, cwd=str(tmp_path))
    assert not result.failed
    (code,) = nbformat.read(tmp_path / "out.ipynb", as_version=4).cells
    assert code.execution_count == 1 and code.outputs[0]["text"] == "False True 2\n"


def test_a_kernel_started_ahead_for_another_folder_is_not_used(tmp_path):
    from framing.report import kernels

    before = _folders()
    kernels.warm(str(tmp_path))
    km = kernels._ready[0]
    assert kernels._take_ready(str(tmp_path / "elsewhere")) is None and kernels._ready is None
    assert not asyncio.run(km.is_alive()) and _folders() == before


def test_pool_workers_stop_the_kernels_they_did_not_use():
    from framing.report.run import notebook_pool

    before = _folders()
    pool = notebook_pool(2)
    pool.submit(int).result()
    pool.shutdown(wait=True)  # both warmed a kernel and ran no notebook
    assert _folders() == before
