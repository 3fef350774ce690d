"""The whole study as a newcomer and a scheduled rerun see it: ``framing run``, cold and after adding 1%.

Each scenario runs ``framing run`` in a fresh process against a fresh clone of this repository (``git clone`` of
HEAD, so uncommitted changes are not measured), with the installed venv and empty caches:

- ``first_report``: the bundled study (``notebooks/params/default.yaml``), as ``make report`` runs it on a fresh
  clone whose venv is installed. Target: at most 180 s.
- ``seed_rerun``: the same clone after adding 1% new documents (one synthetic document, as a new file) and
  rerunning. Target: at most 25% of ``first_report``.
- ``synthetic_rerun``: a seeded synthetic corpus of ``--synthetic`` documents (default 10^4) in fast actor mode,
  cold, then after adding 1% new documents. Target: the rerun at most 25% of the cold run.

- ``scale``: ``framing run`` in fast mode on seeded synthetic corpora of ``--scale`` sizes (e.g. 100000), against
  the build alone (``framing build`` with the same engine settings, cold, in its own process) on the same corpus.
  Targets: the run at most 2× the build, its largest process at most 2 GB (4 GB from 10^6 documents), and
  ``report.html`` under 10 MB. Memory is each process's peak RSS, sampled every half second: the driver, every
  notebook kernel, every worker.

It also checks that the seed run's tables are byte-identical to those of ``--baseline RUN_DIR`` (a run folder
made by the code before a change, e.g. ``reports/<run_id>``), and that the report's validation table shows the
figures stored with the models (``framing train``'s, which ``framing validate all`` recomputes). Writes
``benchmarks/results/study.json`` and prints each target with its verdict.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import TreeMemory, machine_info, write_result  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FIRST_REPORT_MAX_S = 180.0
RERUN_MAX_RATIO = 0.25
SCALE_MAX_RATIO = 2.0  # framing run / the build alone
REPORT_MAX_MB = 10.0


def scale_max_mb(n_docs: int) -> float:
    """The memory target of a run at ``n_docs`` documents: 2 GB, or 4 GB from 10^6 documents."""
    return 4096.0 if n_docs >= 1_000_000 else 2048.0


def fresh_clone(dest: Path) -> Path:
    """A clone of HEAD: what a newcomer gets (no caches, no reports, no untracked files)."""
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(dest)], check=True)
    return dest


def framing_run(root: Path, *args: str) -> tuple[float, Path]:
    """``framing run ARGS`` in a fresh process against the checkout ``root``; seconds and the run folder."""
    env = {**os.environ, "FRAMING_PROJECT_ROOT": str(root), "PYTHONPATH": str(root / "src")}
    out = root / "reports"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "framing.cli", "-q", "run", "--out", str(out), *args], cwd=root,
                          env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"framing run {' '.join(args)} failed (rc {proc.returncode})")
    return round(seconds, 2), (out / "latest").resolve()


def measured(root: Path, argv: list[str]) -> tuple[float, dict[str, float], subprocess.CompletedProcess[str]]:
    """``python -m framing.cli ARGV`` in a fresh process: seconds, peak RSS per role (MB), the finished process."""
    env = {**os.environ, "FRAMING_PROJECT_ROOT": str(root), "PYTHONPATH": str(root / "src")}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "framing.cli", "-q", *argv], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = TreeMemory(proc.pid)
    out, err = proc.communicate()
    seconds = round(time.perf_counter() - start, 2)
    peaks = memory.stop()
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    if done.returncode:
        sys.stderr.write(out[-3000:] + err[-3000:])
        raise SystemExit(f"framing {' '.join(argv)} failed (rc {done.returncode})")
    return seconds, peaks, done


def scale_run(root: Path, work: Path, n_docs: int) -> dict[str, object]:
    """``framing run`` in fast mode on ``n_docs`` synthetic documents against the build alone, cold, each measured."""
    from framing.build.pipeline import default_settings
    from framing.synthetic import write_corpus

    corpus = work / f"synthetic-{n_docs}"
    write_corpus(corpus, n_docs, seed=20190123)
    settings = default_settings(corpus)
    build_s, build_mem, _ = measured(root, ["build", "--corpus", str(corpus), "--out", str(work / f"build-{n_docs}"),
                                            "--cache-dir", str(work / f"build-cache-{n_docs}"), "--actor-mode", "fast",
                                            "--workers", str(settings.workers)])
    shutil.rmtree(work / f"build-{n_docs}", ignore_errors=True)
    shutil.rmtree(work / f"build-cache-{n_docs}", ignore_errors=True)
    params = work / "fast.yaml"
    params.write_text("actor_mode: fast\n")
    run_s, run_mem, done = measured(root, ["run", "--corpus", str(corpus), "--params", str(params), "--out",
                                           str(work / f"reports-{n_docs}")])
    run = Path(done.stdout.strip().splitlines()[-1]).parent
    manifest = json.loads((run / "manifest.json").read_text())
    report_mb = round((run / "report.html").stat().st_size / 2**20, 2)
    largest = max(run_mem.values())
    result = {"documents": n_docs, "build_workers": settings.workers, "build_alone_s": build_s,
              "build_alone_peak_rss_mb": build_mem, "run_s": run_s, "run_peak_rss_mb": run_mem,
              "run_to_build": round(run_s / build_s, 3), "largest_process_mb": largest, "report_html_mb": report_mb,
              "timings_s": manifest["timings_s"]}
    print(f"scale {n_docs}: run {run_s:.1f} s, build alone {build_s:.1f} s ({run_s / build_s:.2f}x); largest "
          f"process {largest:.0f} MB {run_mem}; report.html {report_mb} MB", flush=True)
    shutil.rmtree(corpus, ignore_errors=True)
    return result


def add_documents(corpus: Path, n: int, *, seed: int) -> None:
    """Add ``n`` seeded synthetic documents to ``corpus`` as one new file."""
    from framing.synthetic import write_corpus

    with tempfile.TemporaryDirectory() as tmp:
        (part,) = write_corpus(Path(tmp), n, seed=seed)
        shutil.move(str(part), corpus / f"added-{seed}.jsonl")


def identical_tables(run: Path, baseline: Path) -> dict[str, object]:
    """Which of the baseline's table files the run reproduces byte for byte, and which tables are new in the run."""
    def tables(folder: Path) -> list[Path]:
        return sorted(p.relative_to(folder / "tables") for p in (folder / "tables").rglob("*") if p.is_file())

    base = tables(baseline)
    differ = [str(p) for p in base
              if not (run / "tables" / p).is_file() or not filecmp.cmp(run / "tables" / p, baseline / "tables" / p,
                                                                        shallow=False)]
    new = [str(p) for p in tables(run) if p not in set(base)]
    return {"files": len(base), "differ": differ, "new": new, "identical": not differ}


def validation_matches_stored(run: Path) -> bool:
    """The report's validation table: every re-scored figure equals the one stored with its model."""
    import pandas as pd

    table = pd.read_csv(run / "tables" / "validation_sources.csv")
    checked = table["stored_value"].notna()
    return bool(checked.any() and (table.loc[checked, "value"] == table.loc[checked, "stored_value"]).all())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic", type=int, default=10_000, help="documents of the synthetic corpus (0: skip)")
    parser.add_argument("--baseline", type=Path, default=None, help="run folder whose tables the seed run must equal")
    parser.add_argument("--keep", action="store_true", help="keep the clones (printed) for inspection")
    parser.add_argument("--scale", type=int, nargs="*", default=[],
                        help="sizes of synthetic corpora for the scale scenario (e.g. 100000 1000000)")
    parser.add_argument("--only-scale", action="store_true", help="run the scale scenario alone")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="framing-bench-study-"))
    result: dict[str, object] = {"machine": machine_info()}
    try:
        root = fresh_clone(work / "clone")
        if args.scale:
            result["scale"] = [scale_run(root, work, n) for n in args.scale]
        if args.only_scale:
            return _report_scale(result)
        cold, run = framing_run(root, "--params", "notebooks/params/default.yaml")
        print(f"first report (fresh clone, venv installed): {cold:.1f} s", flush=True)
        add_documents(root / "data" / "raw", 1, seed=1)  # 1% of the 97 seed documents
        rerun, run2 = framing_run(root, "--params", "notebooks/params/default.yaml")
        print(f"seed rerun after +1 document: {rerun:.1f} s ({rerun / cold:.0%} of the first)", flush=True)
        manifest = json.loads((run2 / "manifest.json").read_text())
        result["seed"] = {"first_report_s": cold, "rerun_plus_1pct_s": rerun,
                          "rerun_ratio": round(rerun / cold, 4), "timings_first": json.loads(
                              (run / "manifest.json").read_text())["timings_s"],
                          "timings_rerun": manifest["timings_s"],
                          "computed_docs_rerun": manifest.get("computed_docs"),
                          "validation_equals_stored": validation_matches_stored(run)}
        if args.baseline:
            result["seed"]["tables_vs_baseline"] = identical_tables(run, args.baseline)  # type: ignore[index]
        if args.synthetic:
            from framing.synthetic import write_corpus

            corpus = work / "synthetic"
            write_corpus(corpus, args.synthetic, seed=20190123)
            params = work / "fast.yaml"
            params.write_text("actor_mode: fast\n")
            s_cold, syn1 = framing_run(root, "--corpus", str(corpus), "--params", str(params))
            add_documents(corpus, max(1, args.synthetic // 100), seed=2)
            s_rerun, syn2 = framing_run(root, "--corpus", str(corpus), "--params", str(params))
            print(f"synthetic {args.synthetic}: cold {s_cold:.1f} s, rerun after +1% {s_rerun:.1f} s "
                  f"({s_rerun / s_cold:.0%})", flush=True)
            result["synthetic"] = {"documents": args.synthetic, "cold_s": s_cold, "rerun_plus_1pct_s": s_rerun,
                                   "rerun_ratio": round(s_rerun / s_cold, 4),
                                   "timings_cold": json.loads((syn1 / "manifest.json").read_text())["timings_s"],
                                   "timings_rerun": json.loads((syn2 / "manifest.json").read_text())["timings_s"]}
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    seed: dict[str, object] = result["seed"]  # type: ignore[assignment]
    targets = {
        "first report <= 180 s": float(seed["first_report_s"]) <= FIRST_REPORT_MAX_S,  # type: ignore[arg-type]
        "seed rerun <= 25% of cold": float(seed["rerun_ratio"]) <= RERUN_MAX_RATIO,  # type: ignore[arg-type]
        "validation table = stored figures": bool(seed["validation_equals_stored"]),
    }
    if "tables_vs_baseline" in seed:
        targets["seed tables byte-identical to baseline"] = bool(seed["tables_vs_baseline"]["identical"])  # type: ignore[index]
    if "synthetic" in result:
        ratio = float(result["synthetic"]["rerun_ratio"])  # type: ignore[index]
        targets[f"synthetic {args.synthetic} rerun <= 25% of cold"] = ratio <= RERUN_MAX_RATIO
    targets.update(_scale_targets(result))
    result["targets"] = targets
    write_result("study", result)
    for name, ok in targets.items():
        print(f"{'met ' if ok else 'MISSED'}  {name}")
    return 0


def _scale_targets(result: dict[str, object]) -> dict[str, bool]:
    targets = {}
    for entry in result.get("scale", []):  # type: ignore[attr-defined]
        n = entry["documents"]
        targets[f"run <= {SCALE_MAX_RATIO:g}x build at {n}"] = entry["run_to_build"] <= SCALE_MAX_RATIO
        targets[f"largest process <= {scale_max_mb(n):.0f} MB at {n}"] = entry["largest_process_mb"] <= scale_max_mb(n)
        targets[f"report.html < {REPORT_MAX_MB:g} MB at {n}"] = entry["report_html_mb"] < REPORT_MAX_MB
    return targets


def _report_scale(result: dict[str, object]) -> int:
    result["targets"] = targets = _scale_targets(result)
    write_result("study_scale", result)
    for name, ok in targets.items():
        print(f"{'met ' if ok else 'MISSED'}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
