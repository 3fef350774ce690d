import json
import re

import pandas as pd
import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from framing.build import pipeline
from framing.corpus import comparable
from framing.features.actors import _fold
from framing.report import explore

STOP = frozenset(ENGLISH_STOP_WORDS)


def test_kwic_term_lines_contain_the_term_and_are_grouped_by_outlet(seed_tables):
    k = explore.kwic(seed_tables, "Guaidó", n=None)
    assert list(k.columns) == ["outlet", "doc_id", "sent_idx", "left", "match", "right"]
    assert len(k) >= 10 and k["outlet"].nunique() >= 3
    assert all(_fold(m).lower() == "guaido" for m in k["match"])  # accents and case do not matter
    assert list(k["outlet"]) == sorted(k["outlet"])  # one block per outlet
    assert sum(k.attrs["totals"].values()) == len(k)
    sents = seed_tables.sentences.set_index(["doc_id", "sent_idx"])["text"]
    for r in k.itertuples():
        text = sents[(r.doc_id, r.sent_idx)]
        assert r.left + r.match + r.right in text
        assert not re.match(r"\w", r.right[:1]) and not re.search(r"\w$", r.left)  # whole words only
    assert k["doc_id"].isin(comparable(seed_tables.documents)["doc_id"]).all()


def test_kwic_caps_lines_per_outlet_and_is_literal(seed_tables):
    k = explore.kwic(seed_tables, "Venezuela", n=2)
    assert k.groupby("outlet").size().max() <= 2
    assert k.attrs["totals"]["rt"] > 2
    assert explore.kwic(seed_tables, "Venezuel.").empty  # a literal, not a regular expression
    assert explore.kwic(seed_tables, "venezuel").empty  # whole words
    with pytest.raises(ValueError, match="needs a term"):
        explore.kwic(seed_tables, "  ")


def test_kwic_actor_uses_mentions_under_every_alias(seed_tables):
    k = explore.kwic(seed_tables, "maduro", n=None)
    assert len(k) >= 10
    assert all("maduro" in _fold(m).lower() for m in k["match"])
    assert {m.split("'")[0] for m in k["match"]} > {"Maduro"}  # "Nicolás Maduro", "Nicolas Maduro", ...
    mentions = seed_tables.actor_mentions
    assert len(k) == len(mentions[(mentions["actor"] == "maduro")
                                  & mentions["doc_id"].isin(comparable(seed_tables.documents)["doc_id"])])
    with pytest.raises(ValueError, match="unknown actor"):
        explore.kwic(seed_tables, "nobody", kind="actor")


def test_headline_only_stubs_are_read_only_with_every_document():
    """kwic, evidence and the explorer read the documents the comparisons count: no copy, no headline-only stub."""
    import dataclasses

    from framing.corpus import conform

    rows = [("a", "Guaidó met Maduro in Caracas today.", None, False), ("s", "Guaidó meets Maduro", None, True),
            ("c", "Guaidó met Maduro in Caracas today.", "a", False)]
    docs = conform(pd.DataFrame({
        "doc_id": [r[0] for r in rows], "outlet": "rt", "outlet_name": "RT", "via": None, "source_kind": "news",
        "voice": "author", "quoted_from": None, "published_date": "2019-01-24",
        "title": [r[1] for r in rows], "text": [r[1] for r in rows], "n_words": 6, "lang": "en",
        "source_file": "f.txt", "source_lines": ["1", "2", "3"], "duplicate_of": [r[2] for r in rows],
        "is_stub": [r[3] for r in rows]}), "documents")
    sents = pd.DataFrame({"doc_id": docs["doc_id"], "sent_idx": 0, "text": docs["text"], "voice": "author"})
    tone = pd.DataFrame({"doc_id": docs["doc_id"], "sent_idx": 0, "vader_compound": [0.1, -0.9, 0.1]})
    tables = dataclasses.replace(pipeline.empty_tables(), documents=docs, sentences=sents, sentence_sentiment=tone)
    assert set(explore.kwic(tables, "Guaidó")["doc_id"]) == {"a"}
    assert set(explore.kwic(tables, "Guaidó", include_duplicates=True)["doc_id"]) == {"a", "s", "c"}
    assert set(explore.evidence(tables, "tone", "rt", k=1)["doc_id"]) == {"a"}  # not the stub's -0.9
    assert set(pipeline.select(tables)["doc_id"]) == {"a"}
    assert set(pipeline.select(tables, include_duplicates=True)["doc_id"]) == {"a", "s", "c"}  # the report's selection
    assert [o["n_docs"] for o in explore.explorer_data(tables, min_df=1)["outlets"]] == [1]
    legacy = dataclasses.replace(tables, documents=docs.drop(columns="is_stub"))  # tables written before is_stub
    assert set(explore.kwic(legacy, "Guaidó")["doc_id"]) == {"a", "s"}


def test_kwic_html_is_escaped():
    df = pd.DataFrame({"outlet": ["<b>x</b>"], "doc_id": ["d"], "sent_idx": [0], "left": ["<script>alert(1)</script>"],
                       "match": ["<img src=x>"], "right": ["&"]})
    page = explore.concordance_html(df)
    assert "<script>alert" not in page and "<img src" not in page and "<b>x</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x&gt;" in page


@pytest.mark.parametrize(
    ("measure", "column"),
    [("tone", "score"), ("sentiment toward maduro", "mention"), ("generic frame: EC", "score"),
     ("issue frame: coup-regime-change", "cues")],
)
def test_evidence_behind_a_cell(seed_tables, measure, column):
    ev = explore.evidence(seed_tables, measure, "dissident-voice", k=2)
    assert len(ev) >= 1 and column in ev.columns
    assert (ev["outlet"] == "dissident-voice").all() and (ev["measure"] == measure).all()
    docs = seed_tables.documents.set_index("doc_id")
    texts = set(seed_tables.sentences["text"])
    assert set(ev["sentence"]) <= texts
    if measure == "sentiment toward maduro":
        assert all("maduro" in _fold(s).lower() for s in ev["sentence"])
        assert ev["score"].is_monotonic_increasing or set(ev["end"]) == {"most negative", "most positive"}
    if measure == "tone":
        assert set(ev["end"]) == {"most negative", "most positive"}
        assert ev.loc[ev["end"] == "most negative", "score"].max() <= ev.loc[ev["end"] == "most positive", "score"].min()
    if "doc_id" in ev.columns:
        assert (docs.loc[ev["doc_id"], "voice"] == "author").all()
    assert "<" not in ev._repr_html_().split("</style>", 1)[1].replace("<p>", "").split("<table")[0].replace(
        "<b>", "").replace("</b>", "").replace("</p>", "")


def test_evidence_names_the_problem(seed_tables):
    with pytest.raises(ValueError, match="unknown measure"):
        explore.evidence(seed_tables, "bias", "rt")
    with pytest.raises(ValueError, match="unknown outlet"):
        explore.evidence(seed_tables, "tone", "nyt")
    with pytest.raises(ValueError, match="unknown actor"):
        explore.evidence(seed_tables, "sentiment toward nobody", "rt")
    with pytest.raises(ValueError, match="unknown issue frame"):
        explore.evidence(seed_tables, "issue frame: aliens", "rt")


def test_load_run_and_latest(seed_tables, tmp_path):
    run = tmp_path / "reports" / "20260101T000000Z-00001"
    seed_tables.save(run / "tables")
    (run / "manifest.json").write_text(json.dumps({"run_id": run.name, "corpus": {"dir": "data/raw"}}))
    (tmp_path / "reports" / "latest").symlink_to(run.name)
    tables = explore.latest(reports=tmp_path / "reports")
    assert tables.meta["run_id"] == run.name
    pd.testing.assert_series_equal(tables.documents["doc_id"], seed_tables.documents["doc_id"])
    with pytest.raises(FileNotFoundError, match="make report"):
        explore.load_run("latest", reports=tmp_path / "empty")
    (run / "tables" / "actor_mentions.csv").unlink()
    with pytest.raises(FileNotFoundError, match="actor_mentions"):
        explore.load_run(run.name, reports=tmp_path / "reports")


def test_script_json_cannot_close_the_script_tag():
    text = explore.script_json({"t": "</script><!-- & \u2028\u2029 <script>"})
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == {"t": "</script><!-- & \u2028\u2029 <script>"}


def test_explorer_terms_find_their_sentences(seed_tables):
    data = explore.explorer_data(seed_tables, max_sentences=5)
    assert data["outlets"] and all(o["terms"] for o in data["outlets"] if not o["small_n"])
    for o in data["outlets"]:
        for t in o["terms"]:
            assert t["n_sentences"] >= 1, (o["slug"], t["term"])  # the tokens counted are the tokens found
            assert len(t["sentences"]) <= 5
            for sid, spans in t["sentences"]:
                text = data["sentences"][sid][2]
                assert all(t["term"] in explore._ngram_spans(text[a:b], STOP) for a, b in spans)  # ASCII: no offset shift


# ---------------------------------------------------------------- the page in a real browser

def _open(browser, path):
    page = browser.new_page()
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    return page, external, errors


def test_explorer_page_outlet_and_term_show_sentences(seed_tables, browser, tmp_path):
    path = explore.distinctive_terms_page(seed_tables, tmp_path / "explorer.html")
    page, external, errors = _open(browser, path)
    slugs = [o["slug"] for o in explore.explorer_data(seed_tables)["outlets"]]
    page.select_option("#outlet", str(slugs.index("rt")))
    term = page.locator("#chart g.term").first.get_attribute("data-term")
    page.locator("#chart g.term").first.click()
    rows = page.locator("#sentences tr.sentence")
    assert rows.count() >= 1
    assert "in RT" in page.locator("#term-title").text_content()
    for mark in page.locator("#sentences mark").all_text_contents():
        assert mark.lower().split()[0] == term.split()[0]
    page.check("#full")  # whole sentences: every occurrence highlighted
    assert all(term.split()[0] in t.lower() for t in page.locator("#sentences tr.sentence").all_text_contents())
    assert "#outlet=rt&term=" in page.url
    assert not external and not errors
    page.close()


def test_explorer_page_shows_hostile_text_as_text(corpus_dir, browser, tmp_path):
    hostile = ('Bolivarian militias said <script>window.__pwned=1</script> and <img src=x onerror="window.__pwned=1"> '
               'then </script> and <a href="javascript:window.__pwned=1">click me</a> too.')
    rows = [
        {"title": "Caracas one", "outlet": "RT.com", "date": "2019-01-24",
         "text": "The bolivarian government defended Caracas against sanctions. " + hostile},
        {"title": "Caracas two", "outlet": "RT.com", "date": "2019-01-25",
         "text": "A bolivarian militia marched through the capital on Friday."},
        {"title": "Caracas three", "outlet": "RT.com", "date": "2019-01-26",
         "text": "Officials praised the bolivarian revolution at a rally."},
        {"title": "Coup", "outlet": "The Canary", "date": "2019-01-25",
         "text": "The coup attempt failed because the opposition lost support."},
        {"title": "Coup again", "outlet": "The Canary", "date": "2019-01-27",
         "text": "Another coup attempt was planned, the opposition said."},
    ]
    pd.DataFrame(rows).to_csv(corpus_dir / "export.csv", index=False)
    tables = pipeline.build(corpus_dir, progress=False, actor_mode="fast")
    path = explore.distinctive_terms_page(tables, tmp_path / "hostile.html")
    source = path.read_text(encoding="utf-8")
    assert source.count("</script>") == 2 and "window.__pwned" in source  # only the page's own two script tags
    page, external, errors = _open(browser, path)
    slugs = [o["slug"] for o in explore.explorer_data(tables)["outlets"]]
    page.select_option("#outlet", str(slugs.index("rt")))
    page.locator('#chart g.term[data-term="bolivarian"]').click()
    page.check("#full")
    text = page.locator("#sentences").text_content()
    assert "<script>window.__pwned=1</script>" in text
    assert '<img src=x onerror="window.__pwned=1">' in text and 'href="javascript:' in text
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#sentences script, #sentences img, #sentences a").count() == 0
    page.uncheck("#full")  # the KWIC view too
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert not external and not errors
    page.close()


def test_report_links_the_explorer_only_when_it_was_written(seed_tables, tmp_path, caplog):
    from framing.report.run import _header, write_explorer

    assert write_explorer(seed_tables, {"voice": "author"}, tmp_path / "explorer.html")
    assert (tmp_path / "explorer.html").stat().st_size > 10_000
    assert not write_explorer(seed_tables, {"topic": "no-such-topic"}, tmp_path / "bad.html")
    assert "explorer page not written" in caplog.text and not (tmp_path / "bad.html").exists()
    args = ("RUN", {}, tmp_path, seed_tables, {"framing": "0"}, {"commit": None})
    assert "(explorer.html)" in _header(*args, explorer=True)
    assert "explorer.html" not in _header(*args, explorer=False)
