"""What every benchmark shares: best-of-n rates, machine info, and writing results/<name>.json."""

from __future__ import annotations

import json
import os
import platform
import resource
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def best_rate(fn: Callable[[], object], n: int, repeat: int = 3) -> float:
    """Items per second of the fastest of ``repeat`` calls of ``fn`` (which processes ``n`` items)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine_info() -> dict[str, object]:
    """Enough to compare results across machines."""
    return {"python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(),
            "cpus_allowed": len(os.sched_getaffinity(0)),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def write_result(name: str, result: dict[str, object]) -> Path:
    """Write ``results/<name>.json`` and print it."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return path


class TreeMemory:
    """Peak RSS of a process and each of its descendants, sampled every ``interval`` seconds in a thread.

    ``peaks()`` maps each process seen to (its role, its peak RSS in MB); the role comes from its command line:
    ``kernel`` (a notebook kernel), ``worker`` (the build's or a notebook pool's processes), else ``driver``.
    """

    def __init__(self, pid: int, interval: float = 0.5):
        import threading

        import psutil

        self._root = psutil.Process(pid)
        self._interval = interval
        self._peaks: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    @staticmethod
    def _role(cmdline: list[str]) -> str:
        line = " ".join(cmdline)
        if "ipykernel" in line:
            return "kernel"
        if "multiprocessing" in line or "spawn_main" in line or "distributed" in line:
            return "worker"
        return "driver"

    def _sample(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                procs = [self._root, *self._root.children(recursive=True)]
            except psutil.Error:
                return
            for proc in procs:
                try:
                    rss = proc.memory_info().rss / 2**20
                    role = self._peaks.get(proc.pid, (None, 0.0))[0] or self._role(proc.cmdline())
                except psutil.Error:
                    continue
                if rss > self._peaks.get(proc.pid, (role, 0.0))[1]:
                    self._peaks[proc.pid] = (role, rss)
            self._stop.wait(self._interval)

    def stop(self) -> dict[str, float]:
        """Stop sampling; the largest peak of each role, in MB."""
        self._stop.set()
        self._thread.join()
        out: dict[str, float] = {}
        for role, rss in self._peaks.values():
            out[role] = round(max(out.get(role, 0.0), rss), 1)
        return out
