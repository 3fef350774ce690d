"""End-to-end (real papermill): notebooks in parallel give the serial run's files, the validation notebook is cached.

The parallel and serial runs use a small generated corpus, the fast actor model, fewer resamples and three
notebooks; the cache test runs the validation notebook alone, once for real (about two minutes) and once from cache,
with the cache and the key's roots (``src/framing``, ``data/external``) on copies in a temporary folder.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest
import yaml

from framing.config import EXTERNAL_DIR, NOTEBOOKS_DIR, PACKAGE_DIR
from framing.report import nbcache, run_study
from framing.report.run import package_versions

from ..shapes import SHAPES, write_shape

pytestmark = pytest.mark.slow
NOTEBOOKS = ("01_corpus.ipynb", "02_sentiment.ipynb", "03_actors.ipynb")
FAST = {"actor_mode": "fast", "n_resamples": 200}
UNENCRYPTED = "without encryption"


@pytest.fixture(scope="module")
def small_study(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("small")
    shape = SHAPES["typical_small_study"]
    write_shape(shape, base / "corpus")
    params = base / "params.yaml"
    params.write_text(yaml.safe_dump({**FAST, **shape.params}), encoding="utf-8")
    return base / "corpus", params


def files(run: Path, folder: str) -> dict[str, bytes]:
    return {p.relative_to(run).as_posix(): p.read_bytes() for p in sorted((run / folder).rglob("*")) if p.is_file()}


def headings(run: Path) -> list[str]:
    return re.findall(r"<h[23][^>]*>([^<]+)", (run / "report.html").read_text(encoding="utf-8"))


def kernel_folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("framing-kernel-*")}


def test_parallel_run_gives_the_serial_runs_files_and_order(small_study, tmp_path, capfd, monkeypatch):
    corpus, params = small_study
    private = tmp_path / "tmp"  # the kernels' socket folders go here, apart from other processes' on the machine
    private.mkdir()
    monkeypatch.setenv("TMPDIR", str(private))  # the spawned workers
    monkeypatch.setattr(tempfile, "tempdir", str(private))  # this process (the serial run)
    folders = kernel_folders()
    serial = run_study(corpus_dir=corpus, out_dir=tmp_path / "serial", params_file=params, notebooks=NOTEBOOKS,
                       progress=False, workers=1)
    quiet = capfd.readouterr()
    assert quiet.out == "" and quiet.err == ""  # progress=False prints nothing, kernels included

    parallel = run_study(corpus_dir=corpus, out_dir=tmp_path / "parallel", params_file=params, notebooks=NOTEBOOKS,
                         progress=True, workers=3)
    shown = capfd.readouterr()
    lines = shown.err.splitlines()
    stages = [m.groups() for m in (re.match(r"\[(\d)/4\] (\w+)", line) for line in lines) if m]
    assert stages == [("1", "corpus"), ("2", "tables"), ("3", "notebooks"), ("4", "rendered")], shown.err
    assert "[3/4] notebooks: 3 on 3 workers" in shown.err
    assert sorted(re.findall(r"^ +(\S+\.ipynb) done in [\d.]+ s$", shown.err, flags=re.M)) == sorted(NOTEBOOKS)
    assert "Executing" not in shown.err  # papermill's per-cell bars are off
    assert shown.out == "" and all(re.match(r"\[\d/4\] |      \S+\.ipynb done in ", line) for line in lines), lines
    assert UNENCRYPTED not in shown.err and "KeyboardInterrupt" not in shown.err

    for run, workers in ((serial, 1), (parallel, 3)):
        manifest = json.loads((run / "manifest.json").read_text())
        assert manifest["status"] == "complete" and manifest["workers"] == workers
        assert manifest["notebooks"] == list(NOTEBOOKS)
        assert [k for k in manifest["timings_s"] if k.endswith(".ipynb")] == list(NOTEBOOKS)
        assert sorted(p.name for p in (run / "notebooks").iterdir()) == list(NOTEBOOKS)
        assert not (run / ".outputs").exists()
        assert UNENCRYPTED not in (run / "run.log").read_text(encoding="utf-8")
    tables = files(serial, "tables")
    assert len(tables) > 15 and files(parallel, "tables") == tables
    figures = files(serial, "figures")
    assert files(parallel, "figures").keys() == figures.keys()
    assert {k: v for k, v in files(parallel, "figures").items() if not k.endswith(".svg")} == {
        k: v for k, v in figures.items() if not k.endswith(".svg")}  # matplotlib's SVG ids differ from run to run
    assert headings(parallel) == headings(serial) and len(headings(serial)) > 5
    for name in NOTEBOOKS:  # the same cells and outputs (papermill's timings and the injected run folder aside)
        a, b = ([c for c in nbformat.read(run / "notebooks" / name, as_version=4).cells
                 if "injected-parameters" not in c.metadata.get("tags", [])] for run in (serial, parallel))
        assert [c.source for c in a] == [c.source for c in b]
        assert [[o.get("data", o.get("text")) for o in c.get("outputs", [])] for c in a] == \
            [[o.get("data", o.get("text")) for o in c.get("outputs", [])] for c in b]
    assert kernel_folders() <= folders  # every kernel's socket folder was removed


def test_validation_notebook_is_cached(small_study, hostile_study, tmp_path, monkeypatch):
    """The suite's full run executed the validation notebook (or took it from the cache); a later run takes it."""
    corpus, params = small_study
    monkeypatch.setattr(nbcache, "CACHE_DIR", hostile_study["root"] / "data" / "interim" / "validation")
    key = nbcache.notebook_key(NOTEBOOKS_DIR / "04_validation.ipynb", {}, versions=package_versions())
    entry = nbcache.lookup(key)
    assert entry is not None  # written by the full run, whose caches started empty
    full = json.loads((hostile_study["run"] / "manifest.json").read_text())
    assert full["cached_notebooks"] == {} and entry.about["from_run"] == hostile_study["run"].name
    second = run_study(corpus_dir=corpus, out_dir=tmp_path / "reports", params_file=params,
                       notebooks=("04_validation.ipynb",), progress=False)
    about = json.loads((second / "manifest.json").read_text())
    assert about["status"] == "complete"
    assert about["cached_notebooks"]["04_validation.ipynb"]["key"] == key
    assert about["cached_notebooks"]["04_validation.ipynb"]["from_run"] == entry.about["from_run"]
    assert about["timings_s"]["04_validation.ipynb"] < 5
    name = "notebooks/04_validation.ipynb"
    assert files(second, "notebooks")[name] == files(hostile_study["run"], "notebooks")[name]
    assert files(second, "tables")["tables/validation.csv"] == files(hostile_study["run"], "tables")[
        "tables/validation.csv"]


def test_any_change_to_the_code_or_gold_files_misses_the_cache(tmp_path, monkeypatch):
    code, gold = tmp_path / "roots" / "framing", tmp_path / "roots" / "external"
    shutil.copytree(PACKAGE_DIR, code, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(EXTERNAL_DIR, gold)
    monkeypatch.setattr(nbcache, "KEY_ROOTS", (code, gold))

    def key() -> str:
        return nbcache.notebook_key(NOTEBOOKS_DIR / "04_validation.ipynb", {}, versions=package_versions())

    before = key()
    readme = gold / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nA line added.\n", encoding="utf-8")
    assert key() != before
    readme.write_text(readme.read_text(encoding="utf-8").removesuffix("\nA line added.\n"), encoding="utf-8")
    assert key() == before
    (code / "models" / "shipped" / "fast.json").write_bytes((code / "models" / "shipped" / "fast.json").read_bytes()
                                                            + b"\n")
    assert key() != before
