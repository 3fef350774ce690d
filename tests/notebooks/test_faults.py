"""Faults during ``framing run``: SIGKILL at observed milestones, a failing cell, unusable or full output folders.

Each run here is a real ``framing run`` subprocess in a project root of its own (``FRAMING_PROJECT_ROOT``: the
checkout's notebooks, raw corpus and gold data, and the package's shipped models, but an empty ``data/interim``),
so the run cache and the build cache start cold and no test touches the checkout's caches. The runs use the fast
actor model, fewer bootstrap resamples and three of the report's notebooks to stay short; the module's first run is
the reference every later run is compared with, byte for byte.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from framing.build import pipeline
from framing.config import PROJECT_ROOT
from framing.report.runs import list_runs

from ..conftest import RAW, kill_at

pytestmark = pytest.mark.slow
NOTEBOOKS = "00_findings.ipynb,01_corpus.ipynb,02_sentiment.ipynb"
PARAMS = "actor_mode: fast\nn_resamples: 200\n"


def make_root(folder: Path) -> Path:
    """A project root sharing the checkout's inputs (the models ship in the package), with its own empty caches."""
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_bytes((PROJECT_ROOT / "pyproject.toml").read_bytes())
    (folder / "notebooks").symlink_to(PROJECT_ROOT / "notebooks")
    (folder / "data" / "interim").mkdir(parents=True)
    for name in ("raw", "external"):
        (folder / "data" / name).symlink_to(PROJECT_ROOT / "data" / name)
    return folder


def framing_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "framing.cli", "-q", *args]


@pytest.fixture(scope="module")
def private_tmp():
    """A temporary folder for the runs' processes, removed afterwards: a SIGKILLed run cannot remove its kernels'
    socket folders (``framing-kernel-*``), and they should not pile up in the machine's /tmp."""
    folder = tempfile.mkdtemp(prefix="framing-faults-")  # short: a socket path has at most 107 bytes
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _runs_use_private_tmp(private_tmp, monkeypatch):
    monkeypatch.setenv("TMPDIR", private_tmp)  # read by env_for's copy of the environment


def env_for(root: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "FRAMING_PROJECT_ROOT": str(root), **extra}


class Study:
    """One isolated project root, its reports folder and the command that runs the short study there."""

    def __init__(self, base: Path):
        self.root = make_root(base / "root")
        self.reports = base / "reports"
        self.params = base / "params.yaml"
        self.params.write_text(PARAMS)
        self.interim = self.root / "data" / "interim"
        self.cache = self.interim / f"corpus-{pipeline.cache_key(RAW, actor_mode='fast')}"

    def cmd(self, *extra: str) -> list[str]:
        return framing_cmd("run", "--corpus", str(RAW), "--out", str(self.reports), "--params", str(self.params),
                           "--notebooks", NOTEBOOKS, *extra)

    def run(self, *extra: str, **kwargs) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.cmd(*extra), env=env_for(self.root), cwd=self.root, capture_output=True,
                              text=True, timeout=900, **kwargs)

    def latest(self) -> Path:
        return (self.reports / "latest").resolve()

    def snapshot(self) -> dict[str, bytes]:
        """Every file of the run ``latest`` points at."""
        run = self.latest()
        return {p.relative_to(run).as_posix(): p.read_bytes() for p in sorted(run.rglob("*")) if p.is_file()}


def partial_runs(reports: Path) -> list[Path]:
    return sorted(p for p in reports.iterdir() if p.name.endswith(".partial"))


def leftovers(folder: Path, pid: int | None = None) -> list[Path]:
    """Temporary files and folders under ``folder`` (of one process, when ``pid`` is given)."""
    found = [p for p in folder.rglob("*") if p.name.endswith((".part", ".deleting"))]
    return [p for p in found if pid is None or p.name.startswith(f".{pid}.")]


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Study:
    return Study(tmp_path_factory.mktemp("faults"))


@pytest.fixture(scope="module")
def first_run(study):
    """The reference: a complete short run from cold caches."""
    done = study.run()
    assert done.returncode == 0, done.stderr[-3000:]
    assert (study.cache / "COMPLETE").is_file()
    return study.latest(), study.snapshot()


def assert_latest_intact(study: Study, first_run) -> None:
    """``latest`` is the reference run, every file of it unchanged, and no interrupted run is published."""
    run, files = first_run
    assert study.latest() == run
    assert study.snapshot() == files
    assert not study.latest().name.endswith((".partial", ".failed"))


def assert_cache_whole(study: Study) -> None:
    """Every run cache folder under its real name is complete (a killed write never shows under it)."""
    for folder in study.interim.glob("corpus-*"):
        assert (folder / "COMPLETE").is_file(), folder
        assert {p.stem for p in folder.glob("*.csv")} == set(pipeline.StudyTables.TABLES), folder


# ---------------------------------------------------------------- a failing cell


def test_failing_cell_exits_non_zero_naming_notebook_cell_and_exception(study, first_run, tmp_path):
    """A cell that raises (here one added to a copy of the notebooks) fails the run; a bad parameter never starts it."""
    import nbformat

    root = tmp_path / "broken-root"
    make_root(root)
    (root / "notebooks").unlink()
    (root / "notebooks").mkdir()
    for nb in (PROJECT_ROOT / "notebooks").glob("*.ipynb"):
        (root / "notebooks" / nb.name).write_bytes(nb.read_bytes())
    target = root / "notebooks" / "02_sentiment.ipynb"
    book = nbformat.read(target, as_version=4)
    book.cells.append(nbformat.v4.new_code_cell("raise ValueError('a bug in a section')"))
    nbformat.write(book, target)
    before = {p.name for p in study.reports.iterdir()}
    done = subprocess.run(study.cmd(), env=env_for(root), cwd=root, capture_output=True, text=True, timeout=900)
    assert done.returncode == 1
    assert "framing: run failed: 02_sentiment.ipynb failed at cell" in done.stderr
    assert "(ValueError: a bug in a section)" in done.stderr
    new = {p.name for p in study.reports.iterdir()} - before
    assert len(new) == 1 and new.pop().endswith(".failed")
    failed = next(p for p in study.reports.iterdir() if p.name.endswith(".failed"))
    assert (failed / "notebooks" / "02_sentiment.ipynb").is_file()  # the partial executed notebook, kept
    assert json.loads((failed / "manifest.json").read_text())["status"] == "failed"
    assert_latest_intact(study, first_run)
    assert not partial_runs(study.reports)

    bad = study.params.with_name("bad.yaml")
    bad.write_text(PARAMS + "focus_topic: no-such-topic\n")
    done = subprocess.run(framing_cmd("run", "--corpus", str(RAW), "--out", str(study.reports), "--params", str(bad),
                                      "--notebooks", NOTEBOOKS), env=env_for(study.root), cwd=study.root,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 2
    assert "framing: error: parameter 'focus_topic' = 'no-such-topic': not a topic of lexicons/topics.yaml" in done.stderr
    assert {p.name for p in study.reports.iterdir()} - before == {failed.name}  # no run was started
    assert_latest_intact(study, first_run)


# ---------------------------------------------------------------- unusable output folders, found before work


@pytest.mark.parametrize(("where", "message"), [
    ("/proc/framing-no-such-dir/reports", "cannot be created"),  # not creatable, even by root
    ("FILE/reports", "cannot be created"),  # a file where a folder should be
    ("FILE", "cannot be created"),
    ("/sys/kernel", "is not writable"),  # an existing folder that refuses files, even to root
])
def test_unusable_output_folder_is_an_error_before_any_work(tmp_path, where, message):
    if where.startswith(("/proc", "/sys")) and not Path(where.split("/framing")[0]).is_dir():
        pytest.skip(f"no {where} on this system")
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder\n")
    out = where.replace("FILE", str(a_file))
    started = time.monotonic()
    done = subprocess.run(framing_cmd("run", "--corpus", str(RAW), "--out", out, "--notebooks", "01_corpus.ipynb"),
                          env=env_for(make_root(tmp_path / "root")), capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert f"framing: error: output folder {out} {message}" in done.stderr, done.stderr
    assert time.monotonic() - started < 60  # no tables were built
    assert not list((tmp_path / "root" / "data" / "interim").glob("corpus-*"))
    assert a_file.read_text() == "not a folder\n"


def test_free_space_is_checked_before_any_work(tmp_path, monkeypatch):
    """A nearly full disk, simulated by monkeypatching ``shutil.disk_usage`` (the check itself is real)."""
    import shutil
    from types import SimpleNamespace

    from framing.report import run_study
    from framing.safeio import OutputError

    monkeypatch.setattr(shutil, "disk_usage", lambda path: SimpleNamespace(total=10 << 30, used=10 << 30, free=5 << 20))
    out = tmp_path / "reports"
    with pytest.raises(OutputError, match=r"output folder .* has 5 MiB free; a run needs at least 200 MiB"):
        run_study(corpus_dir=RAW, out_dir=out, notebooks=("01_corpus.ipynb",), progress=False)
    assert sorted(p.name for p in out.iterdir()) == []  # no run folder was started
    with pytest.raises(OutputError, match="has 5 MiB free; a run needs at least 6 MiB"):
        run_study(corpus_dir=RAW, out_dir=out, notebooks=("01_corpus.ipynb",), progress=False, min_free_mb=6)
    from framing.cli import main

    assert main(["-q", "run", "--corpus", str(RAW), "--out", str(out), "--min-free-mb", "300"]) == 2


# ---------------------------------------------------------------- a write that fails half-way (EFBIG)


def _file_size_limit(limit: int) -> Callable[[], None]:
    def preexec() -> None:  # in the child: writes past ``limit`` bytes fail with EFBIG instead of killing it
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


def test_file_too_large_in_the_run_folder_fails_cleanly(study, first_run):
    """RLIMIT_FSIZE makes ``write()`` fail with EFBIG, as a full disk makes it fail with ENOSPC."""
    assert (study.cache / "COMPLETE").is_file()  # warm cache: the first big write is a table of the run folder
    before = {p.name for p in study.reports.iterdir()}
    proc = subprocess.Popen(study.cmd(), env=env_for(study.root), cwd=study.root, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_file_size_limit(64 << 10))
    _, err = proc.communicate(timeout=900)
    assert proc.returncode == 1, err[-3000:]
    assert "framing: run failed: disk full or file too large while writing" in err
    assert f"/tables/documents.csv ([Errno {errno.EFBIG}]" in err
    assert_latest_intact(study, first_run)
    new = {p.name for p in study.reports.iterdir()} - before
    assert len(new) == 1 and new.pop().endswith(".failed")
    failed = [r for r in list_runs(study.reports) if r.status == "failed" and "disk full" in (r.manifest["error"] or "")]
    assert failed and not (failed[0].path / "tables" / "documents.csv").exists()
    assert not partial_runs(study.reports)
    assert not leftovers(study.reports)
    assert_cache_whole(study)


def test_file_too_large_in_the_cache_fails_cleanly(study, first_run):
    """The same with cold caches: the first write past the limit happens before any table is written.

    It is py3langid's copy of its model into a temporary file (third-party code, so the message cannot name the
    file): the run must still fail cleanly, leaving no run cache, no temporary file and ``latest`` as it was.
    """
    import shutil

    shutil.rmtree(study.cache)
    shutil.rmtree(study.interim / "engine")
    proc = subprocess.Popen(study.cmd(), env=env_for(study.root), cwd=study.root, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_file_size_limit(24 << 10))
    _, err = proc.communicate(timeout=900)
    assert proc.returncode == 1, err[-3000:]
    assert f"framing: run failed: disk full or file too large while writing a file ([Errno {errno.EFBIG}]" in err
    assert_latest_intact(study, first_run)
    assert not partial_runs(study.reports)
    assert not leftovers(study.reports) and not leftovers(study.interim, proc.pid)
    assert not study.cache.exists()
    assert_cache_whole(study)


# ---------------------------------------------------------------- SIGKILL at observed milestones


def test_sigkill_while_the_build_cache_and_run_cache_are_written(study, first_run):
    import shutil

    shutil.rmtree(study.cache, ignore_errors=True)
    shutil.rmtree(study.interim / "engine", ignore_errors=True)
    chunks = study.interim / "engine" / "chunks"

    def store_writing() -> bool:  # the first feature tables of a chunk reach the build's cache
        return chunks.is_dir() and any(p.is_file() for p in chunks.glob("*/*/*.parquet"))

    kill_at(study.cmd(), env=env_for(study.root), cwd=study.root, milestone=store_writing)
    assert_latest_intact(study, first_run)
    assert_cache_whole(study)

    def cache_writing() -> bool:  # the run cache's CSV exports are written (the killed build left its store)
        return any(any(p.glob("*.csv")) for p in study.interim.glob(f".*.{study.cache.name}.part"))

    kill_at(study.cmd(), env=env_for(study.root), cwd=study.root, milestone=cache_writing)
    assert_latest_intact(study, first_run)
    assert_cache_whole(study)
    assert len(partial_runs(study.reports)) >= 2  # killed runs stay .partial: visible, never published


def test_sigkill_while_a_notebook_executes(study, first_run):
    known = set(partial_runs(study.reports))

    def first_cell_done() -> bool:  # papermill saves the output notebook after each cell
        for run in set(partial_runs(study.reports)) - known:
            for nb in (run / "notebooks").glob("*.ipynb"):
                try:
                    if b'"execution_count": 1' in nb.read_bytes():
                        return True
                except OSError:
                    pass
        return False

    kill_at(study.cmd(), env=env_for(study.root), cwd=study.root, milestone=first_cell_done)
    assert_latest_intact(study, first_run)
    assert_cache_whole(study)


def test_sigkill_while_the_report_is_rendered(study, first_run):
    """All notebooks done, the explorer page written: the run is rendering report.html, then publishes.

    (The moment between report.html and the rename is a manifest write, well under the 10 ms poll: not observable.)
    """
    known = set(partial_runs(study.reports))

    def rendering() -> bool:
        return any((run / "explorer.html").is_file() for run in set(partial_runs(study.reports)) - known)

    kill_at(study.cmd(), env=env_for(study.root), cwd=study.root, milestone=rendering)
    assert_latest_intact(study, first_run)
    assert_cache_whole(study)


def test_rerun_after_every_fault_gives_the_first_tables(study, first_run):
    """Runs last in this module: after the kills and failed writes above, the caches still give the same tables."""
    run, files = first_run
    done = study.run()
    assert done.returncode == 0, done.stderr[-3000:]
    rerun = study.latest()
    assert rerun != run and not rerun.name.endswith((".partial", ".failed"))
    tables = sorted(name for name in files if name.startswith("tables/"))
    assert len(tables) > 15
    for name in tables:
        assert (rerun / name).read_bytes() == files[name], name
    statuses = {r.path.name: r.status for r in list_runs(study.reports)}
    assert statuses[rerun.name] == "complete" and set(statuses.values()) <= {"complete", "failed", "interrupted"}
    index = (study.reports / "index.html").read_text(encoding="utf-8")
    assert all(name.split(".")[0] in index for name in statuses)
    assert not leftovers(study.reports)
    assert_cache_whole(study)
