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
    from framing import pipeline
    from framing.report import Study

    study = Study(pipeline.empty_tables(), ReportSettings(focus_topic="venezuela"))
    for name, sec in sections.SECTIONS.items():
        if sec.needs.docs == 0:
            continue
        shown = sec(study)
        assert not shown.rendered and shown.reason.endswith(".") and "\n" not in shown.reason, name
    assert sections.headline(study).startswith("This needs at least")


def test_the_caption_names_the_actor_model_in_use():
    from framing import pipeline
    from framing.report import Study

    tables = pipeline.build(RAW_DIR, actor_mode="fast", progress=False)
    tables.meta["actor_mode"] = "fast"
    shown = sections.actor_portrayal(Study(tables, ReportSettings(actor_mode="fast")))
    assert "fast target-dependent model" in shown._repr_html_()
    tables.meta["actor_mode"] = "accurate"
    assert "accurate target-dependent model" in sections.actor_portrayal(Study(tables, ReportSettings()))._repr_html_()


def test_the_validation_section_says_when_a_rescored_figure_moved(monkeypatch):
    import pandas as pd

    from framing import validate
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
