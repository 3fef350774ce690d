"""Hostile text end to end: one real run on a corpus whose text, titles, outlet names, URLs and folder name carry
markup, script, Markdown, MathJax, ANSI and template syntax; every page it writes is opened in headless Chromium.

Each payload sets ``window.__pwned`` if it ever runs. A page passes when nothing ran, no dialog opened, no request
left the page, and the payloads can be read on it as text. Fast checks of the helpers: tests/test_hostile_inputs.py.
"""

import csv
import re
import shutil

import nbformat
import papermill
import pytest
import yaml

from framing.config import NOTEBOOKS_DIR
from framing.outlets import slugify
from framing.report import run_study

from .hostile import FOLDER, INGESTED, OUTLET_ALL, OUTLET_ROWS, PAYLOADS, SAFE_FILE, SLUG_ROWS, TITLE_ALL, VISIBLE

pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def hostile_run(hostile_study):
    return hostile_study  # the suite's one run on the hostile corpus (tests/notebooks/conftest.py)


class Visit:
    """A page opened from file://, recording dialogs, page errors and every request that is not file: or data:."""

    def __init__(self, browser, path, *, hash_=""):
        self.page = browser.new_page()
        self.dialogs, self.requests, self.errors = [], [], []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri() + hash_, wait_until="load")
        self.page.wait_for_timeout(500)

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def check_clean(self, *, scripts=0):
        page = self.page
        page.wait_for_timeout(300)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.evaluate("typeof parent.__pwned") == "undefined"
        assert not self.dialogs and not self.requests, (self.dialogs, self.requests)
        assert page.url.startswith("file:")  # no meta refresh, no base-href navigation
        live = page.evaluate("""() => {
            const bad = [];
            for (const el of document.querySelectorAll('*')) {
                for (const a of el.attributes) {
                    if (/^on/i.test(a.name) || /^\\s*javascript:/i.test(a.value)) bad.push(el.tagName + ' ' + a.name);
                }
                if (/^(IFRAME|OBJECT|EMBED|BASE|FORM)$/.test(el.tagName)) bad.push(el.tagName);
                if (el.tagName === 'META' && /refresh/i.test(el.getAttribute('http-equiv') || '')) bad.push('refresh');
            }
            return bad;
        }""")
        assert live == []
        assert page.locator("script").count() == scripts
        return page.inner_text("body")


def test_run_writes_nothing_outside_its_folder_and_only_safe_file_names(hostile_run):
    out, run = hostile_run["out"], hostile_run["run"]
    assert not hostile_run["marker"].exists()  # no outlet name ran as shell code
    assert all(p == out or out in p.parents for p in hostile_run["new"]), sorted(
        p for p in hostile_run["new"] if out not in p.parents)
    for p in run.rglob("*"):
        assert SAFE_FILE.fullmatch(p.name), p
    slugs = {p.stem.removeprefix("keyness_") for p in (run / "figures").glob("keyness_*.png")}
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", SLUG_ROWS) and SLUG_ROWS in slugs  # the hostile outlet has its figure, under a clean slug
    documents = (run / "tables" / "documents.csv").read_text(encoding="utf-8")
    assert "etc-passwd-touch" in documents and "javascript:window.__pwned=5" not in documents  # urls are not kept


def test_report_shows_hostile_text_as_text_and_runs_nothing(hostile_run, browser):
    path = hostile_run["run"] / "report.html"
    source = path.read_text(encoding="utf-8")
    assert "<script" not in source  # not nbconvert's CDN require.js/MathJax/mermaid either
    assert not re.search(r"""src=["']?(https?:)?//""", source)  # links may leave; nothing loads
    visit = Visit(browser, path)
    body = visit.check_clean(scripts=0)
    for name, text in VISIBLE.items():
        assert text in body, name  # MathJax would have eaten the $...$, Markdown the ** and [..](..)
    assert TITLE_ALL in body and "Evil <b>Wire</b> $\\frac{$" in body
    assert FOLDER in body  # the corpus folder, in the header's code span
    assert "\x1b" not in body


def test_explorer_shows_hostile_text_as_text_when_clicked(hostile_run, browser):
    path = hostile_run["run"] / "explorer.html"
    visit = Visit(browser, path)
    page = visit.page
    options = page.locator("#outlet option").all_text_contents()
    evil = next(i for i, o in enumerate(options) if o.startswith(OUTLET_ROWS))
    assert any(o.startswith(OUTLET_ALL.format(marker=hostile_run["marker"])) for o in options)
    page.select_option("#outlet", str(evil))
    page.fill("#filter", PAYLOADS["img"])  # typed payloads only filter
    page.fill("#filter", "zqx")
    page.locator('#chart g.term[data-term="zqxhostile"]').click()
    shown = page.inner_text("#sentences")
    page.check("#full")
    full = page.inner_text("#sentences")
    body = visit.check_clean(scripts=2)  # the page's own data block and script
    for name, text in INGESTED.items():
        assert f"{text} title" in shown, name  # titles, in each sentence's meta column
        assert f"Zqxhostile wrote {text} about" in full, name
    assert OUTLET_ROWS in body
    page.close()
    # the state in the hash: outlet and term come back from the URL as data, not markup
    visit = Visit(browser, path, hash_=f"#outlet={SLUG_ROWS}&term=zqxhostile")
    assert "wrote <script>window.__pwned=1</script> about" in visit.page.inner_text("#sentences")  # KWIC cells
    visit.check_clean(scripts=2)
    visit.page.close()
    visit = Visit(browser, path, hash_="#outlet=<img src=x onerror=window.__pwned=60>&term=<script>")
    visit.check_clean(scripts=2)
    visit.page.close()


def test_runs_index_and_figures_are_inert(hostile_run, browser):
    visit = Visit(browser, hostile_run["out"] / "index.html")
    body = visit.check_clean(scripts=0)
    assert FOLDER in body and hostile_run["run"].name in body
    visit.page.close()
    figures = hostile_run["run"] / "figures"
    for svg in [figures / f"keyness_{SLUG_ROWS}.svg", figures / "sentiment_forest_voice.svg"]:
        assert "<script" not in svg.read_text(encoding="utf-8")
        visit = Visit(browser, svg)
        assert visit.page.evaluate("typeof window.__pwned") == "undefined"
        assert not visit.dialogs and not visit.requests
        visit.page.close()


# ---------------------------------------------------------------- parameters reach a notebook only as literals

CODE_PARAMS = [
    "'); import os; os.system('touch {marker}'); ('",
    "\"); import os; os.system('touch {marker}'); (\"",
    '"""\nimport os; os.system("touch {marker}")\n"""',
    "\\\"; __import__('os').system('touch {marker}'); #",
    "{{ __import__('os').system('touch {marker}') }}",
]


def test_string_parameter_reaches_the_notebook_as_a_literal(tmp_path):
    marker = tmp_path / "pwned"
    source = nbformat.read(NOTEBOOKS_DIR / "01_corpus.ipynb", as_version=4)
    params_cell = next(c for c in source.cells if "parameters" in c.metadata.get("tags", []))
    nb = nbformat.v4.new_notebook(metadata=source.metadata)
    nb.cells = [params_cell, nbformat.v4.new_code_cell("print(repr([focus_topic, corpus_dir, outlets]))")]
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    values = [p.format(marker=marker) for p in CODE_PARAMS]
    for value in values:
        papermill.execute_notebook(str(path), str(tmp_path / "out.ipynb"), kernel_name="python3",
                                   parameters={"focus_topic": value, "corpus_dir": value, "outlets": [value]},
                                   progress_bar=False, cwd=str(tmp_path))
        done = nbformat.read(tmp_path / "out.ipynb", as_version=4)
        injected = next(c for c in done.cells if "injected-parameters" in c.metadata.get("tags", []))
        assert injected.source.count("\nfocus_topic = ") == 1
        printed = "".join(o.get("text", "") for o in done.cells[-1].outputs)
        assert printed.strip() == repr([value, value, [value]])
        assert not marker.exists()
