"""Scale: peak memory of the chunked engine at growing corpus sizes, and the cost of a rerun after adding 1%.

``python benchmarks/bench_scale.py --sizes 10000 1000000`` generates seeded synthetic corpora (cached in
``benchmarks/.corpora/``), runs :func:`framing.build.engine.build_chunked` on each in a fresh process (fast actor mode),
and records the driver's peak RSS, the largest worker peak RSS, and their ratio across sizes. For the first size
listed under ``--incremental`` it then adds 1% new documents as a new file and reruns with the warm cache: the
incremental ratio is the rerun's wall time over the full run's. ``--no-features`` measures the streaming stages
alone (read, normalise, dedupe, segment, write), for sizes at which today's feature step would take hours.
Writes ``benchmarks/results/scale.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import machine_info, peak_rss_mb, write_result  # noqa: E402
from make_corpus import make_corpus  # noqa: E402

CORPORA = Path(__file__).parent / ".corpora"


def _vmhwm_mb(pid: int) -> float:
    """Peak resident memory of a live process, from /proc (0 when it cannot be read)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def child(spec: dict[str, object]) -> dict[str, object]:
    """One build in this process: wall time, the engine's summary, peak RSS of driver and workers."""
    from framing.build.engine import EngineSettings, build_chunked, make_engine

    settings = EngineSettings(engine=str(spec["engine"]), workers=int(spec["workers"]),  # type: ignore[arg-type]
                              chunk_docs=int(spec["chunk_docs"]))  # type: ignore[arg-type]
    start = time.perf_counter()
    engine = make_engine(settings)
    try:
        summary = build_chunked(Path(str(spec["corpus"])), Path(str(spec["out"])), actor_mode="fast",
                                settings=settings, cache_dir=Path(str(spec["cache"])), engine=engine,
                                features=bool(spec["features"]))
        workers = [_vmhwm_mb(pid) for pid in engine.worker_pids()]
    finally:
        engine.close()
    info = summary.as_dict()
    info["out"] = Path(info["out"]).name  # results stay free of machine-specific paths
    return {"seconds": round(time.perf_counter() - start, 2), "summary": info,
            "driver_peak_rss_mb": round(peak_rss_mb(), 1), "worker_peak_rss_mb": round(max(workers, default=0.0), 1)}


def _run_child(spec: dict[str, object]) -> dict[str, object]:
    proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True,
                          env=os.environ.copy())
    if proc.returncode:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"build failed for {spec}")
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(json.dumps({k: v for k, v in result.items() if k != "summary"}), flush=True)
    return result


def grown_corpus(base: Path, n_extra: int, *, seed: int) -> Path:
    """``base`` plus one file of ``n_extra`` new documents (links to the base files, which stay unchanged)."""
    from framing.synthetic import write_corpus

    grown = base.with_name(base.name + "-grown")
    if grown.exists():
        shutil.rmtree(grown)
    grown.mkdir(parents=True)
    for part in sorted(base.glob("part-*.jsonl")):
        (grown / part.name).symlink_to(part.resolve())
    extra = grown.with_name(grown.name + "-extra")
    write_corpus(extra, n_extra, seed=seed)
    (extra / "part-00000.jsonl").replace(grown / "part-99999.jsonl")
    shutil.rmtree(extra)
    return grown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000], help="corpus sizes (documents)")
    parser.add_argument("--incremental", type=int, nargs="*", default=None,
                        help="sizes at which to measure the +1%% rerun (default: the first size)")
    parser.add_argument("--engine", default="local", choices=["local", "dask"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-docs", type=int, default=None, help="documents per chunk (default: the engine's)")
    parser.add_argument("--no-features", action="store_true", help="streaming stages only (no feature scoring)")
    parser.add_argument("--name", default="scale", help="results/<name>.json")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.chunk_docs is None:
        from framing.build.engine import EngineSettings

        args.chunk_docs = EngineSettings().chunk_docs
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    incremental = args.sizes[:1] if args.incremental is None else args.incremental
    work = CORPORA / "runs"
    runs: dict[str, object] = {}
    for n in args.sizes:
        start = time.perf_counter()
        corpus = CORPORA / f"n{n}"
        make_corpus(n, corpus)
        print(f"corpus of {n} documents ready ({time.perf_counter() - start:.0f} s)", flush=True)
        cache = work / f"cache-{n}"
        shutil.rmtree(cache, ignore_errors=True)
        spec = {"corpus": str(corpus), "out": str(work / f"out-{n}"), "cache": str(cache), "engine": args.engine,
                "workers": args.workers, "chunk_docs": args.chunk_docs, "features": not args.no_features}
        full = _run_child(spec)
        entry: dict[str, object] = {"full": full}
        if n in incremental:
            grown = grown_corpus(corpus, max(1, n // 100), seed=n + 1)
            rerun = _run_child({**spec, "corpus": str(grown), "out": str(work / f"out-{n}-grown")})
            entry["rerun_plus_1pct"] = rerun
            entry["incremental_time_ratio"] = round(float(rerun["seconds"]) / float(full["seconds"]), 4)  # type: ignore[arg-type]
        runs[str(n)] = entry
    peaks = {n: e["full"]["driver_peak_rss_mb"] for n, e in runs.items()}  # type: ignore[index]
    workers = {n: e["full"]["worker_peak_rss_mb"] for n, e in runs.items()}  # type: ignore[index]
    sizes = [str(n) for n in args.sizes]
    result: dict[str, object] = {
        "machine": machine_info(),
        "settings": {"engine": args.engine, "workers": args.workers, "chunk_docs": args.chunk_docs,
                     "actor_mode": "fast", "features": not args.no_features},
        "driver_peak_rss_mb": peaks,
        "worker_peak_rss_mb": workers,
        "driver_peak_ratio_largest_to_smallest": round(peaks[sizes[-1]] / peaks[sizes[0]], 3),  # type: ignore[operator]
        "worker_peak_ratio_largest_to_smallest": round(workers[sizes[-1]] / max(workers[sizes[0]], 1e-9), 3),  # type: ignore[operator]
        "incremental_time_ratio": {n: e["incremental_time_ratio"] for n, e in runs.items()  # type: ignore[union-attr]
                                   if "incremental_time_ratio" in e},  # type: ignore[operator]
        "runs": runs,
    }
    write_result(args.name, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
