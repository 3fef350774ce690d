"""The report layer's contracts: thin notebooks, one default per parameter, needs documented as declared."""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from framing.config import NOTEBOOKS_DIR, PROJECT_ROOT, RAW_DIR
from framing.report import DEFAULTS, REPORT_NOTEBOOKS, ReportSettings, check_params, load_params, sections
from framing.report.params import notebook_parameters

NOTEBOOKS = [NOTEBOOKS_DIR / n for n in REPORT_NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_are_one_call_per_cell(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    setup, *calls = code
    assert "open_report(" in setup.source and "def " not in setup.source
    for cell in calls:
        body = [n for n in ast.parse(cell.source).body]
        assert len(body) == 1 and isinstance(body[0], ast.Expr), cell.source  # one expression: one call
        call = body[0].value
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "print":  # the checked headline cell
            call = call.args[0]
        assert isinstance(call, ast.Call) and ast.unparse(call.func).startswith("sections."), cell.source
        assert [ast.unparse(a) for a in call.args] == ["study"] and not call.keywords, cell.source


def test_every_section_is_called_once_in_its_own_notebook():
    called: dict[str, list[str]] = {}
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            for name in re.findall(r"sections\.(\w+)\(study\)", cell.source):
                called.setdefault(name, []).append(path.name)
    for name, sec in sections.SECTIONS.items():
        assert called.get(name) == [sec.notebook], name
    assert called.get("headline") == ["00_findings.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_defaults_are_the_corpus_neutral_defaults(path):
    declared = notebook_parameters(path)
    for name, spec in declared.items():
        if name == "output_dir":
            assert ast.literal_eval(spec["default"]) is None
            continue
        assert ast.literal_eval(spec["default"]) == getattr(DEFAULTS, name), (path.name, name)
    assert DEFAULTS.focus_topic is None and DEFAULTS.windows is None and DEFAULTS.n_topics is None


def test_the_bundled_study_keeps_its_settings_in_its_params_file():
    params = load_params(NOTEBOOKS_DIR / "params" / "default.yaml")
    assert params["focus_topic"] == "venezuela" and set(params["windows"]) == {"2019 crisis", "2026 capture of Maduro"}
    check_params(params, NOTEBOOKS)  # every key is declared by some notebook and valid
    settings = ReportSettings.from_params(params)
    assert settings.n_topics == 8 and settings.compare.min_docs == 5
    for path in NOTEBOOKS:  # no notebook repeats the study's choices
        text = path.read_text(encoding="utf-8")
        assert '"venezuela"' not in text and "2026-01-01" not in text, path.name


def test_every_declared_parameter_is_used():
    """A notebook declares only what its sections read (the review found focus_topic and min_docs unused)."""
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        setup = next(c for c in nb.cells if c.cell_type == "code" and "open_report(" in c.source).source
        for name in notebook_parameters(path):
            assert re.search(rf"\b{name}\b", setup), (path.name, name)


def test_readme_lists_each_sections_needs_as_declared():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- needs-table: start -->\n", 1)[1].split("\n<!-- needs-table: end -->", 1)[0]
    assert table == sections.needs_table()
    assert "## What the report does with a small or unusual corpus" in readme


def test_a_section_says_why_it_cannot_render_in_one_sentence():
    from framing.build import pipeline
    from framing.report import Study

    study = Study(pipeline.empty_tables(), ReportSettings(focus_topic="venezuela"))
    for name, sec in sections.SECTIONS.items():
        if sec.needs.docs == 0:
            continue
        shown = sec(study)
        assert not shown.rendered and shown.reason.endswith(".") and "\n" not in shown.reason, name
    assert sections.headline(study).startswith("This needs at least")


def test_the_caption_names_the_actor_model_in_use():
    from framing.build import pipeline
    from framing.report import Study

    tables = pipeline.build(RAW_DIR, actor_mode="fast", progress=False)
    tables.meta["actor_mode"] = "fast"
    shown = sections.actor_portrayal(Study(tables, ReportSettings(actor_mode="fast")))
    assert "fast target-dependent model" in shown._repr_html_()
    tables.meta["actor_mode"] = "accurate"
    assert "accurate target-dependent model" in sections.actor_portrayal(Study(tables, ReportSettings()))._repr_html_()


def test_the_validation_section_says_when_a_rescored_figure_moved(monkeypatch):
    import pandas as pd

    from framing.analysis import validate
    from framing.report import open_report

    row = {"measure": "sentiment toward actor: fast model", "gold": "NewsMTSC devtest_rw", "metric": "macro-F1",
           "value": 0.6491, "anchor": 0.831, "anchor_source": "GRU-TSC", "computed": validate.NOW,
           "stored_value": 0.6491}
    monkeypatch.setattr(validate, "summary", lambda: pd.DataFrame([row], columns=validate.SUMMARY_COLUMNS))
    study = open_report(None)
    assert sections.validation_figures(study).notes == []
    monkeypatch.setattr(validate, "summary", lambda: pd.DataFrame([{**row, "value": 0.61}],
                                                                   columns=validate.SUMMARY_COLUMNS))
    (note,) = sections.validation_figures(study).notes
    assert note.startswith("1 re-scored figure differs from the one stored with its model (sentiment toward actor")


# ---------------------------------------------------------------- frames

@pytest.fixture(scope="module")
def frame_tables():
    """The seed study's tables (fast mode), with the issue-frame tables as topic-scoped, stance-coded functions give."""
    import dataclasses

    from framing.build import pipeline
    from framing.features import issue_frames

    tables = pipeline.build(RAW_DIR, actor_mode="fast", progress=False)
    tables.meta["actor_mode"] = "fast"
    english = tables.sentences[tables.sentences["doc_id"].isin(tables.doc_frames["doc_id"])]
    hits = issue_frames.detect(english, doc_topics=tables.doc_topics, units=getattr(tables, "sentence_voice", None))
    shares = issue_frames.document_shares(hits, english, tables.documents[tables.documents["doc_id"].isin(
        english["doc_id"])], doc_topics=tables.doc_topics)
    return dataclasses.replace(tables, issue_frame_sentences=hits, issue_frame_docs=shares)


def test_issue_frames_show_used_reported_and_rebutted_per_outlet(frame_tables):
    from framing.analysis import compare
    from framing.report import Study

    study = Study(frame_tables, ReportSettings(actor_mode="fast"))
    shown = sections.issue_frames(study)
    assert shown.rendered and "issue_frames_heatmap_author" in shown.figures
    assert "n_rebutted" in shown._repr_html_() and "n_reported" in shown._repr_html_()
    stances = compare.issue_frame_stances(study.feature("issue_frame_docs"), study.feature("issue_frame_sentences"),
                                          study.selection, voice="author")
    author = study.docs(voice="author")
    hits = frame_tables.issue_frame_sentences.merge(author[["doc_id"]], on="doc_id")
    assert stances[["n_used", "n_reported", "n_rebutted"]].to_numpy().sum() == len(hits)
    assert stances["n_rebutted"].sum() > 0
    assert (stances["n_docs_used"] <= stances["n_docs"]).all()
    assert ((stances["ci_low"] <= stances["share_used"]) & (stances["share_used"] <= stances["ci_high"])).all()
    on_topic = set(frame_tables.doc_topics.loc[frame_tables.doc_topics["topic"] == "venezuela", "doc_id"])
    n_docs = stances.groupby("outlet")["n_docs"].first()
    assert n_docs.to_dict() == author[author["doc_id"].isin(on_topic) & author["doc_id"].isin(
        frame_tables.issue_frame_docs["doc_id"])].groupby("outlet").size().to_dict()  # the outlet's on-topic docs


def test_issue_frames_say_so_when_no_document_is_on_the_codebooks_topic(frame_tables):
    from framing.report import Study

    study = Study(frame_tables, ReportSettings(actor_mode="fast", outlets=["the-canary"]))
    for sec in (sections.issue_frames, sections.issue_frames_quoted):
        shown = sec(study)
        if sec is sections.issue_frames_quoted and shown.reason.startswith("No quoted text"):
            continue  # the Canary quotes no block
        assert not shown.rendered and shown.reason.endswith(".") and "\n" not in shown.reason
        assert "Venezuela" in shown.reason and "issue-frame codebook" in shown.reason


def test_generic_frame_evidence_comes_from_positive_documents_with_a_cue_or_a_near_certain_score(frame_tables,
                                                                                                   tmp_path):
    import pandas as pd

    from framing.analysis import compare
    from framing.report import Study
    from framing.report.sections.frames import EVIDENCE_MIN_PROB

    study = Study(frame_tables, ReportSettings(actor_mode="fast"), output_dir=str(tmp_path))
    assert sections.generic_frame_evidence(study).rendered
    ev = pd.read_csv(tmp_path / "tables" / "generic_frames_evidence_author.csv", dtype={"cues": str},
                     keep_default_na=False)
    assert len(ev) and (ev["cues"].ne("") | (ev["score"].astype(float) >= EVIDENCE_MIN_PROB)).all()
    flags = study.feature("doc_frames")
    present = set(zip(flags.loc[flags["frame_present"], "doc_id"], flags.loc[flags["frame_present"], "frame"],
                      strict=True))
    assert all((d, f) in present for d, f in zip(ev["doc_id"], ev["frame"], strict=True))
    # the rule matters here: by score alone, some cells would show sentences without a cue below the bar
    scores = study.feature("sentence_frames")
    by_score = compare.frame_evidence(scores, study.sentence_rows(scores), study.selection, score="frame_prob",
                                      k=2, doc_frames=flags)
    assert not set(zip(by_score["doc_id"], by_score["sent_idx"], by_score["frame"], strict=True)) <= set(
        zip(ev["doc_id"], ev["sent_idx"], ev["frame"], strict=True))


def test_the_tuning_section_shows_each_models_candidates_and_the_one_chosen():
    from framing import models
    from framing.report import open_report

    shown = sections.model_tuning(open_report(None))
    html = shown._repr_html_()
    for epoch in models.validation("accurate")["holdout_macro_f1"]:
        assert epoch in html  # every epoch of the fine-tuning, on its hold-out
    assert "10% hold-out of train" in html and "5-fold CV on train" in html
    assert "devtest_rw played no part" in html


def test_the_selection_holds_no_text_and_with_text_gives_each_documents_own(frame_tables):
    from framing.report import Study

    study = Study(frame_tables, ReportSettings(actor_mode="fast", outlets=["rt", "the-canary"]))
    assert "text" not in study.selection.columns and "text" not in study.unique.columns
    docs = study.docs(english=True).iloc[::-1]  # any order, any index: the text follows the doc_id
    shown = study.with_text(docs)
    assert shown.index.equals(docs.index) and shown.drop(columns="text").equals(docs)
    own = frame_tables.documents.set_index("doc_id")["text"]
    assert shown["text"].tolist() == own.loc[docs["doc_id"]].tolist() and shown["text"].notna().all()
    assert study.with_text(docs.iloc[:0]).empty
