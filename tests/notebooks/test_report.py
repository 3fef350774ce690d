"""End-to-end: notebooks through real papermill, the report through nbconvert, publishing."""

import json
import re
import shutil

import nbformat
import papermill
import pytest

from framing.config import NOTEBOOKS_DIR
from framing.corpus import DOCUMENT_COLUMNS, REJECT_COLUMNS, SENTENCE_COLUMNS
from framing.report import REPORT_NOTEBOOKS, ParameterError, RunFailed, check_params, run_study

from ..conftest import RAW

pytestmark = pytest.mark.slow
NOTEBOOKS = [NOTEBOOKS_DIR / n for n in REPORT_NOTEBOOKS]


@pytest.mark.parametrize("name", REPORT_NOTEBOOKS)
def test_every_notebook_ran_without_error_and_wrote_its_outputs(finished_run, name):
    _, run = finished_run
    nb = nbformat.read(run / "notebooks" / name, as_version=4)
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert "output_dir" in nb.metadata["papermill"]["parameters"]  # it wrote into the run folder


def test_the_run_wrote_figures_and_tables(finished_run):
    _, run = finished_run
    assert list((run / "figures").glob("*.png")) and list((run / "figures").glob("*.svg"))
    assert len(list((run / "tables").glob("*.csv"))) > 20


def test_unknown_or_mistyped_parameters_are_errors():
    with pytest.raises(ParameterError, match="unknown parameters"):
        check_params({"corpus_dri": "data/raw"}, NOTEBOOKS)
    with pytest.raises(ParameterError, match="must be int"):
        check_params({"min_docs": "five"}, NOTEBOOKS)
    with pytest.raises(ParameterError, match="list of strings"):
        check_params({"outlets": [1, 2]}, NOTEBOOKS)
    assert check_params({"seed": 1}, NOTEBOOKS)[NOTEBOOKS_DIR / "02_sentiment.ipynb"] == {"seed": 1}
    assert check_params({"seed": 1}, NOTEBOOKS)[NOTEBOOKS_DIR / "01_corpus.ipynb"] == {}


@pytest.fixture(scope="module")
def hostile_corpus(hostile_study):
    return hostile_study["corpus"]


@pytest.fixture(scope="module")
def finished_run(hostile_study):
    """The suite's one complete run on the bundled corpus plus hostile files (tests/notebooks/conftest.py)."""
    return hostile_study["out"], hostile_study["run"]


def test_run_publishes_report_tables_and_manifest(finished_run):
    out, run = finished_run
    assert (out / "latest").resolve() == run.resolve()
    assert (run / "report.html").stat().st_size > 10_000
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert {"pandas", "vaderSentiment", "papermill", "framing"} <= set(manifest["versions"])
    assert {f["source_file"] for f in manifest["corpus"]["files"]} >= {"zz_hostile.txt", "manifest.yaml"} - {"manifest.yaml"}
    assert all(len(f["sha256"]) == 64 for f in manifest["corpus"]["files"])
    assert set(manifest["timings_s"]) >= {"pipeline", *REPORT_NOTEBOOKS, "render"}
    for name, cols in (("documents", DOCUMENT_COLUMNS), ("sentences", SENTENCE_COLUMNS), ("rejects", REJECT_COLUMNS)):
        header = (run / "tables" / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == list(cols)
    assert len(list((run / "notebooks").glob("*.ipynb"))) == len(REPORT_NOTEBOOKS)
    explorer = (run / "explorer.html").read_text(encoding="utf-8")
    assert 'href="explorer.html"' in (run / "report.html").read_text(encoding="utf-8")
    assert explorer.count("</script>") == 2 and "<script>window.__pwned" not in explorer  # hostile text stays data


def test_report_shows_outlets_ci_and_evidence(finished_run):
    _, run = finished_run
    page = (run / "report.html").read_text(encoding="utf-8")
    for outlet in ("rt", "sott", "telesur", "the-canary", "dissident-voice", "forum", "substack-rurik"):
        assert outlet in page
    assert "ci_low" in page and "most negative" in page and "Contents" in page
    assert "def " not in page.split("<body", 1)[1] or "framing.report" not in page  # code cells are hidden


def test_the_report_is_free_of_logs_warnings_and_local_paths(finished_run):
    """Methods printed a tqdm warning with a local .venv path and model-training logs into the page."""
    _, run = finished_run
    page = re.sub(r"<style.*?</style>", "", (run / "report.html").read_text(encoding="utf-8"), flags=re.S)
    for text in (".venv", "TqdmWarning", "IProgress", "training the", "on first use", "application/vnd.jupyter.stderr"):
        assert text not in page, text
    for path in (run / "notebooks").glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            for out in cell.get("outputs", []):
                if out.get("name") == "stderr":
                    assert "Tqdm" not in out["text"] and "framing." not in out["text"], (path.name, out["text"])
    assert "CI checks" not in page and "The test suite checks this table" in page


def test_article_text_is_escaped_in_the_report(finished_run):
    _, run = finished_run
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in page
    assert "<img src=x onerror" not in page
    assert "&lt;script&gt;window.__pwned" in page


def test_a_bad_parameter_is_an_error_before_any_run(finished_run, hostile_corpus):
    out, run = finished_run
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(ParameterError, match="not a topic of lexicons/topics.yaml"):
        run_study(corpus_dir=hostile_corpus, out_dir=out, progress=False, extra_params={"focus_topic": "no-such-topic"})
    with pytest.raises(ParameterError, match="outlets not in the corpus: \\['no-such-outlet'\\]"):
        run_study(corpus_dir=hostile_corpus, out_dir=out, progress=False, notebooks=("01_corpus.ipynb",),
                  extra_params={"outlets": ["no-such-outlet"]})
    assert (out / "latest").resolve() == run.resolve()
    assert not [p for p in out.iterdir() if p.name.endswith(".partial")]
    assert len(sorted(p.name for p in out.iterdir())) <= len(before) + 1  # at most the .failed of the outlets run


def test_cli_run_on_any_folder(hostile_corpus, tmp_path):
    from framing.cli import main

    assert main(["-q", "run", "--corpus", str(hostile_corpus), "--out", str(tmp_path), "--notebooks",
                 "01_corpus.ipynb"]) == 0  # the whole report on this corpus: finished_run
    assert (tmp_path / "latest" / "report.html").is_file()
    assert main(["-q", "run", "--corpus", str(tmp_path / "missing"), "--out", str(tmp_path)]) == 2


def test_diff_reports_new_documents_and_shifts(tmp_path):
    from framing.report.runs import diff_runs, format_diff

    def make(name, ids, mean, low, high, survives):
        run = tmp_path / name / "tables"
        run.mkdir(parents=True)
        import pandas as pd

        pd.DataFrame({"doc_id": ids, "outlet": ["rt"] * len(ids)}).to_csv(run / "documents.csv", index=False)
        pd.DataFrame({"outlet": ["rt"], "n_docs": [len(ids)], "mean": [mean], "ci_low": [low], "ci_high": [high],
                      "small_n": [False]}).to_csv(run / "sentiment_by_outlet.csv", index=False)
        pd.DataFrame({"measure": ["tone"], "outlet": ["rt"], "comparison": ["vs all"], "survives": [survives]}).to_csv(
            run / "comparisons.csv", index=False)
        return run.parent

    a = make("20260101T000000Z-00001", ["x", "y"], -0.1, -0.2, 0.0, False)
    b = make("20260102T000000Z-00002", ["x", "y", "z"], -0.4, -0.5, -0.3, True)
    d = diff_runs(a, b)
    assert d["documents"]["added"] == 1 and d["documents"]["added_per_outlet"] == {"rt": 1}
    assert [s["outlet"] for s in d["shifts_beyond_ci"]] == ["rt"]
    assert d["findings"]["new"] == [["tone", "rt", "vs all"]]
    assert "moved beyond" in format_diff(d)
    assert diff_runs(a, a)["shifts_beyond_ci"] == [] and diff_runs(a, a)["documents"]["added"] == 0
