"""One report notebook through papermill, on a kernel that talks to it over Unix domain sockets.

:func:`execute` is what :func:`framing.report.run.run_study` runs for each notebook, in its own process when the
notebooks run in parallel (papermill changes the process's working folder while it runs, so two runs may not share
a process). It imports only papermill, so a worker process starts quickly, and it returns plain values that pickle:
a failed cell is a result, not an exception from third-party code.

In a pool, each worker starts its first notebook's kernel ahead (:func:`warm`), while the run builds its tables:
the kernel's start-up and its imports (:data:`PRELOAD`, about 2 s) overlap the pipeline instead of adding to the
notebook's time. The imports run as the kernel's start-up lines, outside the notebook's history, so execution
counts and outputs are those of a fresh kernel. Later kernels are not started ahead: on two cores that only moved
the same work into the other worker's notebook (a seed rerun's notebooks took 12.4 s that way, 10.2 s without).

The kernel's ZeroMQ sockets are IPC sockets (files in a private folder, mode 0700) rather than TCP ports on
127.0.0.1: nothing else on the machine can connect to them, and ipykernel has no reason to warn that the kernel
"is running over TCP without encryption".
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from jupyter_client.manager import AsyncKernelManager

KERNEL_MANAGER = "framing.report.kernels.IpcKernelManager"  # by name: papermill's engine takes a class or its path
# What every report notebook imports first, run as a pre-started kernel's start-up lines. Modules only: importing
# them has no effect on what a notebook computes.
PRELOAD = ("import matplotlib.pyplot, scipy.stats, sklearn.decomposition, sklearn.feature_extraction.text; "
           "import framing.build.pipeline, framing.report.plots, framing.analysis.compare, framing.analysis.findings; "
           "import framing.handcoding.coding; "
           "import framing.report.sections")
# Run first in every report kernel: see :func:`quiet_teardown`.
QUIET = "import framing.report.kernels; framing.report.kernels.quiet_teardown()"


def _closed_socket_error(record: logging.LogRecord) -> bool:
    """Whether ``record`` is ZMQStream's "uncaught exception" for a socket that was already closed (ENOTSOCK)."""
    import zmq

    exc = record.exc_info[1] if record.exc_info else None
    return isinstance(exc, zmq.ZMQError) and exc.errno == zmq.ENOTSOCK


def quiet_teardown() -> None:
    """Drop the traceback ipykernel's control thread can log as its sockets close at shutdown.

    ipykernel may still be answering the shutdown request when the kernel closes its sockets; pyzmq's stream then
    logs "Uncaught exception in ZMQStream callback ... Socket operation on non-socket" on the kernel's stderr, which
    is the run's. The notebook is done by then, so the record says nothing about it; every other record is kept.

    Example:
        >>> import sys, zmq
        >>> quiet_teardown()
        >>> try:
        ...     raise zmq.ZMQError(zmq.ENOTSOCK)
        ... except zmq.ZMQError:
        ...     record = logging.makeLogRecord({"exc_info": sys.exc_info()})
        >>> logging.getLogger("tornado.general").filter(record), logging.getLogger("tornado.general").filter(
        ...     logging.makeLogRecord({"msg": "something else"})) is not False
        (False, True)

    """
    log = logging.getLogger("tornado.general")
    if not any(getattr(f, "__name__", None) == "_keep" for f in log.filters):
        def _keep(record: logging.LogRecord) -> bool:
            return not _closed_socket_error(record)
        log.addFilter(_keep)


class IpcKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel listens on IPC sockets in a private temporary folder, removed at shutdown.

    Example:
        >>> km = IpcKernelManager(kernel_name="python3")
        >>> km.transport, os.path.basename(km.ip), oct(os.stat(os.path.dirname(km.ip)).st_mode & 0o777)
        ('ipc', 'kernel', '0o700')
        >>> km.cleanup_ipc_folder()

    """

    def __init__(self, **kwargs: Any):
        self._ipc_folder = tempfile.mkdtemp(prefix="framing-kernel-")  # 0700; socket paths stay short
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", os.path.join(self._ipc_folder, "kernel"))
        super().__init__(**kwargs)

    def cleanup_ipc_folder(self) -> None:
        """Remove the folder of the kernel's sockets (they are removed with the kernel; this takes the folder)."""
        shutil.rmtree(self._ipc_folder, ignore_errors=True)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self.cleanup_ipc_folder()

    async def _async_interrupt_kernel(self) -> None:
        # jupyter_client interrupts a kernel before asking it to shut down; papermill shuts a kernel down only once
        # its notebook is done, and a SIGINT that lands while the kernel finishes its last reply makes it log
        # "KeyboardInterrupt caught in kernel" on the run's stderr. A busy kernel still stops: it is sent
        # SIGTERM, then SIGKILL, when it does not answer the shutdown request in time.
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()

    async def _async_start_kernel(self, **kw: Any) -> None:
        kw["extra_arguments"] = [f"--IPKernelApp.exec_lines={QUIET}", *kw.get("extra_arguments", [])]
        try:
            await super()._async_start_kernel(**kw)
        except BaseException:  # no kernel, so no shutdown will clean up: the folder goes now
            self.cleanup_ipc_folder()
            raise

    # AsyncKernelManager binds the parent's functions to these names, not methods looked up on the instance.
    cleanup_resources = _async_cleanup_resources
    interrupt_kernel = _async_interrupt_kernel
    start_kernel = _async_start_kernel


@dataclass(frozen=True)
class Executed:
    """What became of one notebook: its seconds, and the failed cell's details when it failed."""

    notebook: str
    seconds: float
    failed: bool = False
    exec_count: int | None = None
    ename: str | None = None
    evalue: str | None = None


# A pool worker's pre-started kernel, with the folder it was started in (see :func:`warm`).
_ready: tuple[IpcKernelManager, str] | None = None


def start_kernel(cwd: str) -> IpcKernelManager:
    """Start a python3 kernel in ``cwd`` that has imported :data:`PRELOAD`; it is ready when its client is."""
    from jupyter_core.utils import run_sync

    km = IpcKernelManager(kernel_name="python3")
    # nbclient starts its kernels with an in-memory history; a pre-started kernel is started the same way
    run_sync(km.start_kernel)(cwd=cwd, extra_arguments=["--HistoryManager.hist_file=:memory:",
                                                        f"--IPKernelApp.exec_lines={PRELOAD}"])
    return km


def stop_kernel(km: IpcKernelManager, *, now: bool = False) -> None:
    """Shut ``km``'s kernel down (``now``: kill it, for one that ran nothing) and remove its socket folder."""
    from jupyter_core.utils import run_sync

    try:
        if run_sync(km.is_alive)():
            # a kernel asked to shut down while it still starts up warns about an unawaited coroutine on stderr
            run_sync(km.shutdown_kernel)(now=now)
    finally:
        run_sync(km.cleanup_resources)()


def _discard_ready() -> None:
    global _ready
    if _ready is not None:
        km, _ready = _ready[0], None
        stop_kernel(km, now=True)


def warm(cwd: str | None = None) -> None:
    """Import what :func:`execute` needs, look up the kernel and, given ``cwd``, start the first notebook's kernel.

    :func:`framing.report.run.run_study` starts its notebook workers with this before it builds the study's tables,
    so their seconds of imports (papermill, nbclient, the kernel spec) and the first kernel's start-up overlap the
    pipeline instead of adding to the notebooks' time.
    """
    global _ready
    import papermill  # noqa: F401 - the import is the work
    from jupyter_client.kernelspec import KernelSpecManager
    from papermill.engines import papermill_engines

    papermill_engines.get_engine(None)
    KernelSpecManager().get_kernel_spec("python3")
    if cwd is not None and _ready is None:
        from multiprocessing.util import Finalize

        _ready = (start_kernel(cwd), cwd)
        Finalize(None, _discard_ready, exitpriority=10)  # a worker that exits with it unused stops it


def _take_ready(cwd: str) -> IpcKernelManager | None:
    """The pre-started kernel if it was started in ``cwd`` and is alive; else None (and it is stopped)."""
    global _ready
    if _ready is None:
        return None
    (km, folder), _ready = _ready, None
    from jupyter_core.utils import run_sync

    if folder == cwd and run_sync(km.is_alive)():
        return km
    stop_kernel(km, now=True)
    return None


def execute(notebook: str, target: str, *, parameters: dict[str, Any], cwd: str) -> Executed:
    """Execute ``notebook`` into ``target`` with papermill (no progress bar, no output echoed).

    On the kernel :func:`warm` started ahead, when there is one (a pool worker's first notebook).

    Args:
        notebook: The notebook to run.
        target: Where the executed notebook is written (after every cell, so a failed one is kept).
        parameters: Values injected after its ``parameters`` cell.
        cwd: The kernel's working folder.

    Returns:
        The notebook's name, seconds taken and, if a cell raised, its execution count, exception name and value.
        Any other failure (the kernel died, a write failed) is raised.

    """
    import papermill

    start = time.monotonic()
    name = os.path.basename(notebook)
    km = _take_ready(cwd)
    try:
        papermill.execute_notebook(notebook, target, parameters=parameters, kernel_name="python3", cwd=cwd,
                                   progress_bar=False, log_output=False, kernel_manager_class=KERNEL_MANAGER,
                                   **({"km": km} if km is not None else {}))
    except papermill.PapermillExecutionError as exc:
        return Executed(name, round(time.monotonic() - start, 3), failed=True, exec_count=exc.exec_count,
                        ename=str(exc.ename), evalue=str(exc.evalue))
    finally:
        seconds = round(time.monotonic() - start, 3)
        if km is not None:  # a kernel papermill did not start, it does not stop
            stop_kernel(km)
    return Executed(name, seconds)
