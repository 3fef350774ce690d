"""The cache of the validation notebook (keys, entries) and the run's worker count, without running a notebook."""

from __future__ import annotations

import shutil

import pytest

from framing.cli import build_parser
from framing.config import EXTERNAL_DIR, NOTEBOOKS_DIR
from framing.report import nbcache
from framing.report.params import ParameterError
from framing.report.run import default_workers

VERSIONS = {"python": "3.11.9", "pandas": "2.2.3"}


@pytest.fixture()
def roots(tmp_path, monkeypatch):
    """Copies of two small roots standing for src/framing and data/external, made the key's roots."""
    code, gold = tmp_path / "framing", tmp_path / "external"
    shutil.copytree(EXTERNAL_DIR / "vader_icwsm2014", gold / "vader_icwsm2014")
    (code / "lexicons").mkdir(parents=True)
    (code / "__init__.py").write_text('__version__ = "0.1.0"\n')
    (code / "lexicons" / "frames.yaml").write_text("version: 1\n")
    monkeypatch.setattr(nbcache, "KEY_ROOTS", (code, gold))
    monkeypatch.setattr(nbcache, "CACHE_DIR", tmp_path / "cache")
    return code, gold


def key(params=None, versions=VERSIONS):
    return nbcache.notebook_key(NOTEBOOKS_DIR / "04_validation.ipynb", params or {}, versions=versions)


def test_the_key_is_stable_and_ignores_where_the_run_writes(roots):
    assert key() == key({"output_dir": "/reports/a.partial"}) == key({"output_dir": "/reports/b.partial"})
    assert len(key()) == 64


@pytest.mark.parametrize("change", [
    "edit a gold file", "add a gold file", "rename a gold file", "edit the code", "add a shipped model artefact",
])
def test_a_change_under_either_root_changes_the_key(roots, change):
    code, gold = roots
    before = key()
    tsv = next(gold.rglob("*.txt"))
    if change == "edit a gold file":
        tsv.write_bytes(tsv.read_bytes() + b"\n")
    elif change == "add a gold file":
        (gold / "new_gold.tsv").write_text("a\tb\n")
    elif change == "rename a gold file":
        tsv.rename(tsv.with_name("renamed.txt"))
    elif change == "edit the code":
        (code / "lexicons" / "frames.yaml").write_text("version: 2\n")
    else:
        (code / "models" / "shipped").mkdir(parents=True)
        (code / "models" / "shipped" / "frames.npz").write_bytes(b"\x00\x01")
    assert key() != before


def test_byte_code_caches_are_not_part_of_the_key(roots):
    code, _ = roots
    before = key()
    (code / "__pycache__").mkdir()
    (code / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"compiled")
    assert key() == before


def test_parameters_versions_and_the_notebook_are_part_of_the_key(roots, tmp_path):
    assert key({"seed": 1}) != key()
    assert key(versions={**VERSIONS, "pandas": "3.0.0"}) != key()
    copy = tmp_path / "04_validation.ipynb"
    copy.write_bytes((NOTEBOOKS_DIR / "04_validation.ipynb").read_bytes() + b"\n")
    assert nbcache.notebook_key(copy, {}, versions=VERSIONS) != key()


def _executed(tmp_path):
    notebook = tmp_path / "executed.ipynb"
    notebook.write_text('{"cells": []}')
    outputs = tmp_path / "out"
    (outputs / "tables").mkdir(parents=True)
    (outputs / "tables" / "validation.csv").write_text("measure,value\nvader,0.5\n")
    (outputs / "run.log").write_text("INFO about this execution\n")
    return notebook, outputs


def test_store_lookup_restore(roots, tmp_path):
    notebook, outputs = _executed(tmp_path)
    k = key()
    assert nbcache.lookup(k) is None
    entry = nbcache.store(k, notebook=notebook, outputs=outputs, run_id="20260101T000000Z-00001",
                          name="04_validation.ipynb")
    found = nbcache.lookup(k)
    assert found is not None and found.about == entry.about
    assert found.about["from_run"] == "20260101T000000Z-00001" and found.about["files"] == ["tables/validation.csv"]
    restored, into = tmp_path / "restored.ipynb", tmp_path / "into"
    nbcache.restore(found, notebook=restored, outputs=into)
    assert restored.read_bytes() == notebook.read_bytes()
    assert sorted(p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file()) == ["tables/validation.csv"]
    assert [p.name for p in nbcache.CACHE_DIR.iterdir()] == [k]  # no temporary folder left


def test_an_entry_is_kept_unless_replaced(roots, tmp_path):
    notebook, outputs = _executed(tmp_path)
    k = key()
    nbcache.store(k, notebook=notebook, outputs=outputs, run_id="first", name="04_validation.ipynb")
    nbcache.store(k, notebook=notebook, outputs=outputs, run_id="second", name="04_validation.ipynb")
    assert nbcache.lookup(k).about["from_run"] == "first"
    nbcache.store(k, notebook=notebook, outputs=outputs, run_id="third", name="04_validation.ipynb", replace=True)
    assert nbcache.lookup(k).about["from_run"] == "third"
    assert [p.name for p in nbcache.CACHE_DIR.iterdir()] == [k]


def test_a_folder_without_its_entry_file_is_no_entry(roots, tmp_path):
    notebook, outputs = _executed(tmp_path)
    k = key()
    nbcache.store(k, notebook=notebook, outputs=outputs, run_id="first", name="04_validation.ipynb")
    (nbcache.CACHE_DIR / k / nbcache.ENTRY).unlink()  # what a killed write would leave, were it not renamed last
    assert nbcache.lookup(k) is None
    (nbcache.CACHE_DIR / k / nbcache.ENTRY).write_text("{not json")
    assert nbcache.lookup(k) is None


@pytest.mark.parametrize(("env", "given", "n", "expected"), [
    (None, None, 1, 1), ("1", None, 6, 1), ("4", None, 6, 4), ("4", None, 2, 2), ("3", 2, 6, 2), (None, 5, 6, 5),
])
def test_workers(monkeypatch, env, given, n, expected):
    if env is None:
        monkeypatch.delenv("FRAMING_WORKERS", raising=False)
    else:
        monkeypatch.setenv("FRAMING_WORKERS", env)
    assert default_workers(n, given) == expected


def test_bad_workers_are_errors(monkeypatch):
    monkeypatch.setenv("FRAMING_WORKERS", "many")
    with pytest.raises(ParameterError, match="FRAMING_WORKERS='many'"):
        default_workers(6)
    with pytest.raises(ParameterError, match="at least 1"):
        default_workers(6, 0)


def test_cli_options():
    args = build_parser().parse_args(["run", "--workers", "1", "--no-cache-validation"])
    assert args.workers == 1 and args.no_cache_validation
    args = build_parser().parse_args(["report"])
    assert args.workers is None and not args.no_cache_validation
    assert "--no-cache-validation" in build_parser()._subparsers._group_actions[0].choices["run"].format_help()


def test_an_entry_that_lost_a_file_is_a_miss(tmp_path):
    notebook, outputs = tmp_path / "run.ipynb", tmp_path / "out"
    notebook.write_text("{}")
    (outputs / "tables").mkdir(parents=True)
    (outputs / "tables" / "validation.csv").write_text("measure,value\nvader,0.5\n")
    entry = nbcache.store("k1", notebook=notebook, outputs=outputs, run_id="r", name="04_validation.ipynb",
                          cache_dir=tmp_path / "cache")
    assert nbcache.lookup("k1", cache_dir=tmp_path / "cache") is not None
    (entry.outputs / "tables" / "validation.csv").unlink()  # a damaged entry: the run would lack the table
    assert nbcache.lookup("k1", cache_dir=tmp_path / "cache") is None


def test_notebook_parameters_are_papermills_and_kept_by_the_notebooks_bytes(tmp_path, monkeypatch):
    import shutil

    import papermill

    from framing import config
    from framing.config import NOTEBOOKS_DIR
    from framing.report import params

    monkeypatch.setattr(config, "INTERIM_DIR", tmp_path / "interim")
    nb = tmp_path / "00_findings.ipynb"
    shutil.copy(NOTEBOOKS_DIR / "00_findings.ipynb", nb)
    params._inspect.cache_clear()
    first = params.notebook_parameters(nb)
    assert list(first.items()) == list(papermill.inspect_notebook(str(nb)).items())  # same names, order, values
    (kept,) = (tmp_path / "interim" / "notebook-parameters").glob("*.json")
    params._inspect.cache_clear()
    assert list(params.notebook_parameters(nb).items()) == list(first.items())  # read back, in order
    kept.write_text("{not json", encoding="utf-8")
    params._inspect.cache_clear()
    assert params.notebook_parameters(nb) == first  # unreadable: inspected again
    text = nb.read_text(encoding="utf-8").replace('\\"data/raw\\"', '\\"data/elsewhere\\"', 1)
    nb.write_text(text, encoding="utf-8")
    params._inspect.cache_clear()
    assert params.notebook_parameters(nb)["corpus_dir"]["default"] == '"data/elsewhere"'  # edited: a new key
