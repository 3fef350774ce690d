"""End-to-end: ``framing run`` on corpora unlike the bundled one, as a new user runs it (real papermill, nbconvert).

Generated shapes (tests/shapes.py) and two real corpora nobody on the project wrote (data/external/corpora) must each
give a complete report with exit 0 and no traceback anywhere; a corpus where no file gives a document must exit
non-zero naming the rejects ledger. One run uses no params file at all (the accurate default); the others use the
fast actor mode and fewer resamples to stay short. Every other shape (only forum comments, fifty outlets, ...) goes
through every section in-process in tests/report/test_shapes.py; the runs here are the ones whose papermill and
nbconvert path differs: no params file, broken files, another language, hostile names, notes instead of sections,
real corpora, and no document at all. The validation notebook does not depend on the corpus and runs in
tests/notebooks/test_report.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

from ..real_corpora import MEDIACLOUD, NYT, derive
from ..shapes import SHAPES, write_shape

pytestmark = pytest.mark.slow
NOTEBOOKS = "00_findings.ipynb,01_corpus.ipynb,02_sentiment.ipynb,03_actors.ipynb,05_frames.ipynb"
FAST = {"actor_mode": "fast", "n_resamples": 200}
RUNS: dict[str, dict | None] = {  # shape or corpus -> params (None: no params file at all)
    "one_document": None,
    "three_documents_and_broken_files": FAST,
    "only_spanish": FAST,
    "hostile_outlet_names": FAST,
    "no_focus_documents": {**FAST, "focus_topic": "venezuela"},
    "windows_without_documents": {**FAST, "windows": {"1990s": ["1990-01-01", "1999-12-31"]}},
    "narrative_frames_mediacloud": FAST,
    "nyt_editorials": FAST,
    "nothing_readable": FAST,
}
REAL = {"narrative_frames_mediacloud": MEDIACLOUD, "nyt_editorials": NYT}


def run_one(name: str, base: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    corpus = REAL.get(name) or base / "corpora" / name
    if name not in REAL:
        write_shape(SHAPES[name], corpus)
    out = base / "reports" / name
    cmd = [sys.executable, "-m", "framing.cli", "-q", "run", "--corpus", str(corpus), "--out", str(out),
           "--notebooks", NOTEBOOKS]
    params = RUNS[name]
    if params is not None:
        path = base / f"{name}.yaml"
        path.write_text(yaml.safe_dump(params), encoding="utf-8")
        cmd += ["--params", str(path)]
    env = {**os.environ, "FRAMING_WORKERS": "1"}  # two runs at a time already keep both cores busy
    return subprocess.run(cmd, capture_output=True, text=True, timeout=1500, env=env), out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("any_corpus")
    with ThreadPoolExecutor(max_workers=2) as pool:  # two runs at a time: a run is mostly one kernel on one core
        done = dict(zip(RUNS, pool.map(lambda n: run_one(n, base), RUNS), strict=True))
    return done


@pytest.mark.parametrize("name", [n for n in RUNS if n != "nothing_readable"])
def test_every_corpus_gives_a_complete_report(runs, name):
    done, out = runs[name]
    assert done.returncode == 0, done.stderr[-3000:]
    run = (out / "latest").resolve()
    page = re.sub(r"<style.*?</style>", "", (run / "report.html").read_text(encoding="utf-8"), flags=re.S)
    assert "Traceback" not in page and not re.search(r"\w+Error\b:", page), name
    assert "application/vnd.jupyter.stderr" not in page
    for nb_path in (run / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(nb_path, as_version=4)
        outputs = [o for c in nb.cells for o in c.get("outputs", [])]
        assert not [o for o in outputs if o.get("output_type") == "error"], nb_path.name
        assert not [o for o in outputs if o.get("name") == "stderr"], (nb_path.name, "log lines in the report")
    assert json.loads((run / "manifest.json").read_text())["status"] == "complete"


def notes(run: Path) -> list[str]:
    page = (run / "report.html").read_text(encoding="utf-8")
    return re.findall(r'<p class="framing-note">(.*?)</p>', page, flags=re.S)


def test_small_corpora_say_what_is_missing(runs):
    one = notes((runs["one_document"][1] / "latest").resolve())
    assert any("needs at least 2" in n for n in one), one
    spanish = notes((runs["only_spanish"][1] / "latest").resolve())
    assert any("English-only" in n for n in spanish)
    focus = notes((runs["no_focus_documents"][1] / "latest").resolve())
    assert any(n.startswith("No document matches the focus topic") for n in focus), focus
    windows = notes((runs["windows_without_documents"][1] / "latest").resolve())
    assert any(n.startswith("No dated document falls in the event windows") for n in windows)


def test_the_default_run_uses_the_corpus_neutral_defaults(runs):
    run = (runs["one_document"][1] / "latest").resolve()
    params = json.loads((run / "manifest.json").read_text())["parameters"]
    assert "focus_topic" not in params and "windows" not in params  # nothing of the bundled study leaks in
    nb = nbformat.read(run / "notebooks" / "02_sentiment.ipynb", as_version=4)
    assert 'focus_topic: "Optional[str]" = None' in nb.cells[1].source


def test_real_corpora_keep_every_unit_and_their_outlets(runs):
    stories = pd.read_csv(MEDIACLOUD / "stories.csv")
    run = (runs["narrative_frames_mediacloud"][1] / "latest").resolve()
    docs = pd.read_csv(run / "tables" / "documents.csv")
    rejects = pd.read_csv(run / "tables" / "rejects.csv")
    assert len(docs) + len(rejects) == len(stories)
    assert docs["outlet"].nunique() >= 40 and docs["published_date"].notna().mean() > 0.9
    nyt = (runs["nyt_editorials"][1] / "latest").resolve()
    docs = pd.read_csv(nyt / "tables" / "documents.csv")
    assert docs["outlet"].nunique() == 1 and len(docs) + len(pd.read_csv(nyt / "tables" / "rejects.csv")) == 498
    assert any("needs at least 2" in n for n in notes(nyt))  # one outlet: nothing to compare


def test_the_real_corpora_are_derived_from_the_gold_files():
    for path, text in derive().items():
        assert path.read_text(encoding="utf-8") == text, path


def test_a_corpus_with_no_document_is_an_error_naming_the_ledger(runs):
    done, out = runs["nothing_readable"]
    assert done.returncode == 1
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith("framing: run failed: no document could be read from"), message
    ledger = Path(message.rsplit(", ", 1)[1])
    assert ledger.is_file() and ledger.parent.parent.name.endswith(".failed")
    assert len(pd.read_csv(ledger)) == 3
    assert not (out / "latest").exists()
