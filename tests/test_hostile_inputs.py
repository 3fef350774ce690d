"""Hostile names, text and parameters against the helpers that turn them into slugs, file names and HTML.

The end-to-end run with a hostile corpus, opened in a browser, is tests/notebooks/test_hostile_text.py.
"""

import re

import matplotlib
import nbformat
import pandas as pd
import pytest
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from framing.analysis import findings
from framing.config import NOTEBOOKS_DIR
from framing.outlets import OutletRegistry, slugify
from framing.report import (
    REPORT_NOTEBOOKS,
    Outputs,
    ParameterError,
    check_params,
    explore,
    markdown_code,
    note,
    output_name,
    plots,
    report_exporter,
    run_study,
    runs,
    show_table,
)

matplotlib.use("Agg")
NOTEBOOKS = [NOTEBOOKS_DIR / n for n in REPORT_NOTEBOOKS]
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
HOSTILE_NAMES = [
    "../../etc/passwd", "..", ".", "/", "$(touch pwned)", "a;b|c&d", "`rm -rf ~`", "a\x00b", "x" * 500,
    "!!!", "-- --", "Первый канал", "РТ", "ＲＴ", "新华社", "<script>alert(1)</script>", "CON", "nul\n\r\t",
    "ａｂｃ／．．／", "\u202eevil\u202c", "%2e%2e%2f", "~root", "*?[]", "'\"", "\\..\\..\\windows",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_slug_of_a_hostile_name_is_safe_and_never_empty(name):
    slug = slugify(name)
    assert SLUG.fullmatch(slug), slug
    assert slugify(slug) == slug  # a slug is its own slug: stable when read back from a table
    assert OutletRegistry.default().lookup(name).slug == slug or OutletRegistry.default().find(name) is not None


def test_distinct_non_ascii_or_long_names_keep_distinct_slugs():
    names = ["Первый канал", "Россия сегодня", "新华社", "العربية", "РТ", "a" * 80 + "1", "a" * 80 + "2"]
    slugs = [slugify(n) for n in names]
    assert len(set(slugs)) == len(names) and "unknown" not in slugs
    assert slugify("!!!") == slugify("   ") == "unknown"  # nothing to name: the registry's unknown outlet
    assert slugify("Telesúr") == "telesur" and slugify("Hans Thoolen") == "hans-thoolen"  # readable names unchanged


@pytest.mark.parametrize("name", ["keyness_rt", "actor_portrayal_author", "sentiment_forest_venezuela"])
def test_output_names_that_notebooks_use_are_accepted(name):
    assert output_name(name) == name


@pytest.mark.parametrize("name", ["../x", "a/b", "keyness_..", ".hidden", "a b", "a;b", "$(x)", "", "x" * 200,
                                  "a\x00", "actor_portrayal_../../../x"])
def test_unsafe_output_names_are_refused_before_writing(tmp_path, name):
    out = Outputs(str(tmp_path / "run"))
    with pytest.raises(ValueError, match="unsafe output file name"):
        out.table(pd.DataFrame({"a": [1]}), name)
    assert not (tmp_path / "run").exists()


def test_markdown_code_span_cannot_be_ended_by_its_text():
    span = markdown_code("/data/x`y\n\n<script>window.__pwned=1</script>\r\u2028[a](javascript:b)")
    assert span.count("`") == 2 and span.startswith("`") and span.endswith("`")
    assert "\n" not in span and "\r" not in span and "\u2028" not in span
    html = markdown2html_mistune(f"- **Corpus** {span}: 3 files")
    assert "<script>" not in html and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html


def test_report_template_has_no_script_and_a_csp():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title\n\n$x^2$ and ```mermaid\ngraph TD\n```")]
    body, _ = report_exporter().from_notebook_node(nb, resources={"framing_csp": "default-src 'none'"})
    assert "<script" not in body and "cdnjs" not in body and "mathjax" not in body.lower()
    assert re.search(r"<meta[^>]*Content-Security-Policy", body)


def test_show_table_note_and_findings_escape_corpus_text():
    hostile = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
    page = show_table(pd.DataFrame({"title": [hostile], "n": [1]}), caption=hostile).data
    page += note(hostile).data
    assert "<script>window" not in page and "<img src=x" not in page
    assert page.count("&lt;script&gt;window.__pwned=1&lt;/script&gt;") == 3
    tests = pd.DataFrame([{"outlet": "evil", "measure": hostile, "difference": 0.5, "stratum": hostile,
                           "mean_outlet": 0.6, "mean_rest": 0.1, "diff_ci_low": 0.1, "diff_ci_high": 0.9,
                           "effect_size": 1.0, "effect_size_name": "hedges_g", "kind": "mean", "q_value": 0.01,
                           "p_value": 0.001, "n_outlet": 10, "n_rest": 20, "survives": True}])
    text = findings.key_findings_html(tests, {"evil": hostile}, evidence_note=hostile)
    assert "<script>window" not in text and "<img src=x" not in text and "&lt;img src=x" in text


def test_runs_index_escapes_manifest_strings(tmp_path):
    import json

    run = tmp_path / "20260101T000000Z-00001"
    run.mkdir()
    hostile = "<script>window.__pwned=1</script>"
    (run / "manifest.json").write_text(json.dumps({
        "status": hostile, "started_utc": hostile, "corpus": {"dir": hostile, "n_documents": hostile},
        "parameters": {"topic": hostile, "</code><b>": 1}, "git": {"commit": hostile}}))
    page = runs.write_index(tmp_path).read_text(encoding="utf-8")
    assert "<script>" not in page and "</code><b>" not in page and "&lt;script&gt;" in page


def test_explorer_placeholders_are_filled_once():
    page = explore.fill_page("<title>%TITLE%</title><script>%SCRIPT%</script>%DATA%",
                             {"TITLE": "%SCRIPT% %DATA%", "SCRIPT": "code()", "DATA": '{"t":"%TITLE%"}'})
    assert page == '<title>%SCRIPT% %DATA%</title><script>code()</script>{"t":"%TITLE%"}'


@pytest.mark.parametrize("name", ["Evil $\\frac{$ Wire", "$\\require{enclose}$", "50$ and 10$", "a $ b",
                                  "Price \\$5"])
def test_figures_draw_hostile_outlet_names_as_text(name):
    import matplotlib.pyplot as plt

    summary = pd.DataFrame({"outlet": ["evil", "rt"], "mean": [0.1, -0.2], "ci_low": [0.0, -0.3],
                            "ci_high": [0.2, -0.1], "n_docs": [9, 9], "small_n": [False, False],
                            "voice": [name, "author"]})
    fig = plots.forest(summary, title=name, xlabel=name, facet="voice", names={"evil": name})
    fig.canvas.draw()  # a malformed formula would raise here (ValueError from mathtext)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert plots.plain(name) in labels
    assert not any(t._preprocess_math(t.get_text())[1] for t in fig.findobj(matplotlib.text.Text))  # no mathtext
    plt.close(fig)


# ---------------------------------------------------------------- parameters: errors before any work

@pytest.mark.parametrize(("extra", "message"), [
    ({"min_docs": "5"}, "must be int"),
    ({"seed": True}, "must be int"),
    ({"fdr": True}, "must be float"),
    ({"windows": "2019-01-01..2019-12-31"}, "must be Optional[dict]"),
    ({"windows": {"w": ["2019-12-31", "2019-01-01"]}}, "window 'w' ends (2019-01-01) before it starts"),
    ({"windows": {"w": ["last year", "2019-01-01"]}}, "must be [start, end] as YYYY-MM-DD dates"),
    ({"focus_topic": "no-such-topic"}, "not a topic of lexicons/topics.yaml; choose null or "),
    ({"topic": "no-such-topic"}, "choose 'all' or "),
    ({"n_topics": 0}, "must be at least 1, or null"),
    ({"voice": "both"}, "choose one of ['author', 'quoted']"),
    ({"confidence_level": 1.5}, "strictly between 0 and 1"),
    ({"outlets": []}, "an empty list selects nothing"),
    ({"outlets": "rt"}, "must be Optional"),
    ({"outlets": ["rt", 1]}, "list of strings"),
    ({"__import__('os').system('id')": 1}, "unknown parameters"),
    ({"output_dir": "../../../elsewhere"}, "set by the run"),
    ({"corpus_dir": "../../no/such/folder"}, "is not a folder"),
    ({"corpus_dir": "/etc/passwd"}, "is not a folder"),
])
def test_bad_parameters_fail_before_any_work(tmp_path, extra, message):
    out = tmp_path / "reports"
    with pytest.raises(ParameterError, match=re.escape(message)):
        run_study(out_dir=out, extra_params=extra, progress=False)
    assert not out.exists()  # nothing written: no run folder, no .partial left behind


def test_missing_corpus_folder_is_a_parameter_error_before_any_work(tmp_path):
    out = tmp_path / "reports"
    with pytest.raises(ParameterError, match="no-such-corpus"):
        run_study(corpus_dir=tmp_path / "no-such-corpus", out_dir=out, progress=False)
    assert not out.exists()


def test_check_params_accepts_the_default_file():
    from framing.config import DEFAULT_PARAMS
    from framing.report import load_params

    per_nb = check_params(load_params(DEFAULT_PARAMS), NOTEBOOKS)
    assert per_nb[NOTEBOOKS_DIR / "00_findings.ipynb"]["windows"]
