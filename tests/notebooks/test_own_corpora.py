"""End-to-end: a researcher's own mixed corpus (CSV, RSS, saved pages, a comment thread) through the whole study."""

import json

import pandas as pd
import pytest
import yaml

from framing.config import NOTEBOOKS_DIR
from framing.report import run_study

pytestmark = pytest.mark.slow

CSV_ROWS = [
    ("Coup attempt in Caracas fails", "RT.com", "2019-04-30",
     "The attempted coup in Caracas collapsed within hours on Tuesday. Venezuelan troops remained loyal to President "
     "Nicolás Maduro. Moscow accused Washington of orchestrating the uprising and warned against any intervention."),
    ("Sanctions deepen Venezuela's crisis", "teleSUR English", "2019-05-02",
     "New US sanctions on Venezuela's oil sector are hurting ordinary families. Hospitals report shortages of "
     "medicine. The government in Caracas called the measures economic warfare and a crime against the people."),
    ("Opposition calls for new protests", "The Canary", "2019-05-01",
     "Juan Guaidó called for fresh protests across Venezuela on Wednesday. The opposition leader said the military "
     "would eventually switch sides. Critics said the failed uprising had weakened his position badly."),
]

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>teleSUR English</title><link>https://www.telesurenglish.net/</link>
<item><title>Venezuelans march in support of Maduro</title>
<link>https://www.telesurenglish.net/news/venezuelans-march-20190501.html</link>
<pubDate>Wed, 01 May 2019 18:00:00 -0400</pubDate>
<content:encoded><![CDATA[<p>Hundreds of thousands of Venezuelans marched in Caracas on Wednesday to celebrate Workers' Day and to
reject the failed coup attempt.</p><p>President Nicolás Maduro thanked the armed forces for defending the
constitution and peace in Venezuela.</p>]]></content:encoded></item>
<item><title>Moscow: Washington is behind the unrest</title>
<link>https://www.rt.com/news/458200-moscow-washington-unrest/</link>
<pubDate>Thu, 02 May 2019 08:00:00 +0000</pubDate><source url="https://www.rt.com/rss/">RT</source>
<description>&lt;p&gt;Russia's foreign ministry said the United States was behind the unrest in Venezuela.
Officials warned that any military intervention would have grave consequences.&lt;/p&gt;</description></item>
<item><title>Gallery: May Day in Caracas</title><link>https://www.telesurenglish.net/multimedia/may-day.html</link></item>
</channel></rss>
"""

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{date}T10:00:00+00:00">
<script>var tracker = "SCRIPT_MARKER";</script><style>.x {{ color: red }}</style></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav><article><h1>{title}</h1>{paragraphs}</article>
<footer>All rights reserved.</footer></body></html>
"""
PAGES = {
    "canary-uprising.html": dict(
        title="The media got Venezuela's uprising wrong", site="The Canary", date="2019-05-03",
        paragraphs="<p>Much of the corporate media reported the uprising in Venezuela as a popular revolt. In reality "
                   "only a few dozen soldiers joined Juan Guaidó on the streets of Caracas.</p><p>The coverage repeated "
                   "claims from Washington without question. Independent journalists on the ground told a very "
                   "different story of calm streets and a failed coup.</p>"),
    "rt-guaido.html": dict(
        title="Guaidó's coup bid flops as army stays loyal", site="RT", date="2019-04-30",
        paragraphs="<p>The US-backed opposition leader Juan Guaidó failed to win over the Venezuelan army on Tuesday. "
                   "Only a handful of soldiers joined his call for an uprising in Caracas.</p><p>Defence minister "
                   "Vladimir Padrino López said the armed forces remained loyal to the constitution and to President "
                   "Maduro. Moscow condemned the attempt as a violation of Venezuela's sovereignty.</p>"),
}

THREAD = {
    "title": "Comments: The media got Venezuela's uprising wrong",
    "site": "The Canary",
    "comments": [
        {"id": "c1", "author": "reader_one", "created_utc": 1556899200,
         "body": "Excellent article. The BBC coverage of Venezuela was shameful and one-sided.",
         "replies": [
             {"id": "c2", "author": "reader_two", "created_utc": 1556902800,
              "body": "Agreed. They never mention the sanctions and what they do to ordinary people.",
              "replies": [{"id": "c3", "author": "reader_one", "created_utc": 1556906400,
                           "body": "Exactly, the sanctions have killed thousands according to one study."}]},
         ]},
        {"id": "c4", "author": "sceptic", "created_utc": 1556910000,
         "body": "Maduro is still a dictator though. People are fleeing the country in huge numbers."},
        {"id": "c5", "author": "[deleted]", "body": "[deleted]"},
    ],
}


@pytest.fixture(scope="module")
def own_corpus_run(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("own_corpus")
    pd.DataFrame(CSV_ROWS, columns=["title", "outlet", "date", "text"]).to_csv(corpus / "export.csv", index=False)
    (corpus / "feeds").mkdir()
    (corpus / "feeds" / "telesur.xml").write_text(RSS, encoding="utf-8")
    for name, fields in PAGES.items():
        (corpus / name).write_text(PAGE.format(**fields), encoding="utf-8")
    (corpus / "canary-comments.json").write_text(json.dumps(THREAD, indent=2), encoding="utf-8")
    params = yaml.safe_load((NOTEBOOKS_DIR / "params" / "default.yaml").read_text(encoding="utf-8"))
    params.update(actor_mode="fast", n_resamples=200, min_docs=2, n_topics=3, coding_per_frame=2)
    params_file = tmp_path_factory.mktemp("params") / "own.yaml"
    params_file.write_text(yaml.safe_dump(params), encoding="utf-8")
    out = tmp_path_factory.mktemp("reports")
    run = run_study(corpus_dir=corpus, out_dir=out, params_file=params_file, progress=False)
    return run


def test_mixed_corpus_runs_to_a_report(own_corpus_run):
    run = own_corpus_run
    assert (run / "report.html").stat().st_size > 10_000
    docs = pd.read_csv(run / "tables" / "documents.csv", keep_default_na=False, na_values=[""],
                       dtype={"source_lines": str, "parent_id": str})
    files = {f["source_file"]: f["reader"] for f in json.loads((run / "manifest.json").read_text())["corpus"]["files"]}
    assert files == {"export.csv": "table:csv", "feeds/telesur.xml": "rss", "canary-uprising.html": "html",
                     "rt-guaido.html": "html", "canary-comments.json": "comments"}
    by_file = docs.groupby("source_file")["outlet"].apply(sorted).to_dict()
    assert by_file == {"export.csv": ["rt", "telesur", "the-canary"], "feeds/telesur.xml": ["rt", "telesur"],
                       "canary-uprising.html": ["the-canary"], "rt-guaido.html": ["rt"],
                       "canary-comments.json": ["the-canary"] * 4}
    assert "SCRIPT_MARKER" not in " ".join(docs["text"])
    comments = docs[docs["source_file"] == "canary-comments.json"].set_index("source_lines").sort_index()
    assert (comments["source_kind"] == "forum_comment").all()
    assert comments.loc["2", "parent_id"] == comments.loc["1", "doc_id"]
    assert comments.loc["3", "parent_id"] == comments.loc["2", "doc_id"]
    assert comments["parent_id"].isna().tolist() == [True, False, False, True]
    assert comments["depth"].tolist() == [0, 1, 2, 0]
    assert docs.loc[docs["source_file"] != "canary-comments.json", ["parent_id", "depth"]].isna().all().all()
    rejects = pd.read_csv(run / "tables" / "rejects.csv", keep_default_na=False)
    assert sorted(zip(rejects["source_file"], rejects["reason"], strict=True)) == [
        ("canary-comments.json", "deleted or removed comment"), ("feeds/telesur.xml", "feed item without text")]
