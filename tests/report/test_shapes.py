"""The corpus-shape matrix: every generated shape through every report section, in-process (fast actor mode).

Each section must either render or give one plain sentence saying what the corpus lacks; the tables it writes must
match their declared schemas; every input unit must be a document or a ledger row. Some of them run through real
``framing run`` (papermill and nbconvert) too, those whose report path differs: tests/notebooks/test_any_corpus.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from framing.build import pipeline
from framing.report import TABLE_SCHEMAS, ReportSettings, Study, check_schema, sections

from ..shapes import SHAPES, write_shape

SKIP = {"validation_figures", "model_tuning"}  # about the gold data, not the corpus (tests/test_validate*)
SECTIONS = [name for name in sections.SECTIONS if name not in SKIP]


def _settings(shape):
    return ReportSettings.from_params({"actor_mode": "fast", "n_resamples": 200, **shape.params})


def _run_shape(job: tuple[str, Path]):
    """One shape: write it, build its tables, run every section (in a forked process of the fixture's pool)."""
    name, base = job
    shape = SHAPES[name]
    units = write_shape(shape, base / name)
    tables = pipeline.build(base / name, actor_mode="fast", progress=False)
    study = Study(tables, _settings(shape), output_dir=str(base / "out" / name))
    return units, tables, {section: sections.SECTIONS[section](study) for section in SECTIONS}


@pytest.fixture(scope="module")
def shape_runs(tmp_path_factory):
    """Per shape: its tables, the study, and what every section returned (built once per module).

    The shapes are independent, so they run on two forked processes (the rest of the suite leaves the second core
    idle here); each study is opened again here on the tables its process built.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    base = tmp_path_factory.mktemp("shapes")
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        done = list(pool.map(_run_shape, [(name, base) for name in SHAPES]))
    runs = {}
    for (name, shape), (units, tables, shown) in zip(SHAPES.items(), done, strict=True):
        study = Study(tables, _settings(shape), output_dir=str(base / "out" / name))
        runs[name] = (units, tables, study, shown, base / "out" / name)
    return runs


def test_there_are_enough_shapes():
    assert len(SHAPES) >= 25


@pytest.mark.parametrize("name", list(SHAPES))
def test_every_section_renders_or_says_why_not(shape_runs, name):
    _, _, _, shown, _ = shape_runs[name]
    for section, result in shown.items():
        assert result.rendered != (result.reason is not None), (section, result)
        if result.reason is not None:
            reason = result.reason
            assert reason.strip() and "\n" not in reason and reason.endswith("."), (section, reason)
            assert "Traceback" not in reason and "Error" not in reason, (section, reason)
        for note in result.notes:
            assert note.endswith(".") and "\n" not in note, (section, note)


@pytest.mark.parametrize("name", list(SHAPES))
def test_tables_written_match_their_schemas(shape_runs, name):
    _, _, _, shown, out = shape_runs[name]
    written = {p.stem: p for p in (out / "tables").glob("*.csv")} if (out / "tables").is_dir() else {}
    written.pop("coding_sheet_issue_frames.codebook", None)
    for stem, path in written.items():
        header = pd.read_csv(path, nrows=0)
        check_schema(header, stem)  # raises on undeclared tables and on other columns
    claimed = {t for r in shown.values() for t in r.tables}
    assert claimed == set(written), (claimed ^ set(written))
    assert set(written) <= set(TABLE_SCHEMAS)


@pytest.mark.parametrize("name", list(SHAPES))
def test_units_are_conserved(shape_runs, name):
    units, tables, study, _, out = shape_runs[name]
    docs, rejects, files = tables.documents, tables.rejects, tables.files
    assert len(docs) == files["n_records"].sum() and len(rejects) == files["n_rejects"].sum()
    if units is not None:
        assert len(docs) + len(rejects) == units
    overview = out / "tables" / "corpus_overview.csv"
    if len(docs):
        table = pd.read_csv(overview)
        assert table["n_docs"].sum() + table["n_duplicates"].sum() == len(study.selection)
        langs = pd.read_csv(out / "tables" / "languages.csv")
        assert langs["n_docs"].sum() == len(study.unique)
    copies = set(docs.loc[docs["duplicate_of"].notna(), "doc_id"])
    for table in pipeline.SENTENCE_TABLES:  # sentence-level features keep one copy of each text
        assert not set(getattr(tables, table)["doc_id"]) & copies, table


def reasons(shape_runs, name):
    return {s: r.reason for s, r in shape_runs[name][3].items()}


def test_what_the_sections_say_for_particular_shapes(shape_runs):
    r = reasons(shape_runs, "no_focus_documents")
    assert re.fullmatch(r"No document matches the focus topic 'venezuela'; set `focus_topic` to one of: .*, or "
                        r"null\.", r["tone_focus"]) or r["tone_focus"].startswith(
        "No document matches the focus topic 'venezuela'; no document here carries"), r["tone_focus"]
    assert r["actor_portrayal"].startswith("No actor of lexicons/actors.yaml is mentioned")

    r = reasons(shape_runs, "one_document")
    assert "needs at least 2" in r["key_findings"] and "(daily-example)" in r["key_findings"]
    assert r["topics"].startswith("These measures are English-only and need at least 10 English documents")

    for shape in ("only_spanish", "only_russian", "spanish_headlines"):
        r = reasons(shape_runs, shape)
        assert r["tone_by_outlet"].startswith("These measures are English-only"), (shape, r["tone_by_outlet"])
        assert r["corpus_overview"] is None and r["languages"] is None

    r = reasons(shape_runs, "windows_without_documents")
    assert r["tone_over_time"].startswith("No dated document falls in the event windows (1990s)")
    r = reasons(shape_runs, "no_dates")
    assert r["attention_over_time"].startswith("No document has a published date")
    r = reasons(shape_runs, "min_docs_above_every_group")
    assert r["key_findings"].startswith("No comparison could be tested: a test needs at least 1000 documents")
    r = reasons(shape_runs, "only_quoted_voice")
    assert r["actor_portrayal_quoted"] is None and r["issue_frames_quoted"] is None
    assert "author voice" in r["key_findings"]
    assert reasons(shape_runs, "nothing_readable")["corpus_overview"].startswith("This needs at least 1 unique")
    r = reasons(shape_runs, "typical_small_study")
    # its articles report what officials said, so the quoted-voice actor matrix now has cells
    assert {s for s, why in r.items() if why} == {"actor_roles", "issue_frames_quoted"}


def test_copies_are_counted_once_and_shown_once(shape_runs):
    _, tables, study, shown, out = shape_runs["all_copies_of_one"]
    dups = pd.read_csv(out / "tables" / "duplicates.csv")
    assert dups["n_copies"].tolist() == [12]
    evidence = pd.read_csv(out / "tables" / "sentiment_evidence.csv")
    assert evidence["doc_id"].nunique() == 1 and (evidence["n_copies"] == 12).all()
    assert (tables.sentence_sentiment["n_copies"] == 12).all()


def test_hostile_outlet_names_stay_text(shape_runs):
    _, _, _, shown, _ = shape_runs["hostile_outlet_names"]
    page = "".join(r._repr_html_() for r in shown.values())
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_adaptive_topic_count_follows_the_corpus(shape_runs):
    small = pd.read_csv(shape_runs["typical_small_study"][4] / "tables" / "topic_terms.csv")
    big = pd.read_csv(shape_runs["lopsided_outlets"][4] / "tables" / "topic_terms.csv")
    assert small["topic"].nunique() == ReportSettings().topics_for(75)
    assert big["topic"].nunique() == ReportSettings().topics_for(len(shape_runs["lopsided_outlets"][2].docs(
        english=True)))
