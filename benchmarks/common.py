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
