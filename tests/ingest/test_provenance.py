"""Who wrote a document, whose text it is, and when: bylines, date precision, stubs, reposts (issue 18)."""

import hashlib
import json

import pandas as pd
import pytest

from framing.build.pipeline import normalise
from framing.corpus import validate
from framing.ingest import ManifestError, load_manifest, read_corpus, read_file
from framing.ingest.base import headline_only
from framing.ingest.reposts import dateline_source, source_credit
from framing.ingest.sott import SottReader, credited_outlet
from framing.outlets import OutletRegistry

from ..conftest import FEED, FORUM, RAW, SOTT, SUBSTACK
from ..line_coverage import line_problems

OUTLETS = OutletRegistry.default()


def documents(corpus_dir):
    """The documents table of a small corpus folder (readers and normalise only: no features)."""
    result = read_corpus(corpus_dir)
    return validate(normalise(result.records), "documents"), result


def read_one(path, hints=None):
    records, rejects, _ = read_file(path, name=path.name, hints=hints or {}, outlets=OUTLETS)
    docs = validate(normalise(records), "documents") if records else None
    return docs, rejects


def lines_of(spec: str) -> set[int]:
    out: set[int] = set()
    for part in spec.split(","):
        a, _, b = part.partition("-")
        out |= set(range(int(a), int(b or a) + 1))
    return out


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


FEED_TEXT = """Category: Test

  • Canary item about the oil blockade of Venezuela and what it means for Caracas.

    Second paragraph of the Canary item.

    By Jane Doe

    This post was originally published on Canary.

  • A Dissident Voice essay on the war in Ukraine and the peace plan.

    The post An Essay first appeared on Dissident Voice.

    This post was originally published on Dissident Voice.

  • A newsletter on the scenarios for a US intervention in Venezuela.

    Originally published on  Tricontinental: Institute for Social Research

    The post Scenarios first appeared on Dissident Voice.

    This post was originally published on Dissident Voice.
"""

SOTT_PAGE = """Puppet Masters

Gold Bar

Gold held in London

gold bars
© Jane Photographer/BloombergGold bars in a vault.
The Bank of England declined a request to return gold to Venezuela, people familiar with the matter said.

Comment: Let this be a lesson to anybody holding gold in Western banks.

The bank's decision came after lobbying by senior US officials.

Comment: As RT reported, Moscow condemned the move:
"This is theft in broad daylight," the Russian Foreign Ministry said on Thursday.

Moscow said it would raise the matter at the United Nations Security Council.

Arrow Up

UK backs the opposition leader

opposition rally
© REUTERS/Somebody A rally in Caracas.
The UK government came out in support of the opposition leader in Caracas.

UPDATE RT, 1/24/2019: Britain claims Maduro 'not legitimate leader'
UPDATE RT, 1/25/2019: Embassy closed in Washington
President Maduro ordered the closing of the embassy in Washington.
"""


# ---------------------------------------------------------------- 1. bylines are the author


def test_a_feed_byline_is_its_items_author_and_not_a_reject(corpus_dir):
    (corpus_dir / "feed.txt").write_text(FEED_TEXT, encoding="utf-8")
    docs, result = documents(corpus_dir)
    canary = docs[docs["outlet"] == "the-canary"].iloc[0]
    assert canary["author"] == "Jane Doe"
    assert line_of(FEED_TEXT, "By Jane Doe") in lines_of(canary["source_lines"])
    assert "Jane Doe" not in canary["text"]
    assert "byline" not in {r.reason for r in result.rejects}
    assert docs.loc[docs["outlet"] == "dissident-voice", "author"].isna().all()
    assert line_problems(FEED_TEXT, [*result.records, *result.rejects]) == ([], [], [])


@pytest.mark.parametrize(("reader", "text", "expected"), [
    ("plain_article", "Caracas calm\n\nBy Jane Doe\n\nThe city was calm on Friday morning, residents said.\n",
     {"The city was calm on Friday morning, residents said.": "Jane Doe"}),
    # a forum byline heads the next comment; one after the last comment signs it
    ("forum_thread", "Venezuela\n\nFirst comment about the uprising.\n\nBy Sam Poster\n\nSecond comment here.\n\n"
     "Third comment.\n\nBy Kim Writer and Lee Smith\n",
     {"First comment about the uprising.": None, "Second comment here.": "Sam Poster",
      "Third comment.": "Kim Writer and Lee Smith"}),
    ("blog_post", "date 2026-01-05 A post about Maduro's capture.\n\nBy Rurik Christwalker\n\nMore of my view.\n",
     {"A post about Maduro's capture.\n\nMore of my view.": "Rurik Christwalker"}),
])
def test_bylines_in_text_formats(corpus_dir, reader, text, expected):
    path = corpus_dir / "a.txt"
    path.write_text(text, encoding="utf-8")
    docs, rejects = read_one(path, {"reader": reader})
    assert dict(zip(docs["text"], docs["author"].astype(object).where(docs["author"].notna(), None),
                    strict=True)) == expected
    assert "byline" not in {r.reason for r in rejects}
    records, rejects, _ = read_file(path, name="a.txt", hints={"reader": reader}, outlets=OUTLETS)
    assert line_problems(text, [*records, *rejects]) == ([], [], [])


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("a.csv", b"title,text,byline\nT1,Body one.,By Jane Doe\nT2,Body two.,\n", ["Jane Doe", None]),
    ("b.csv", b"title,text,author\nT1,Body one.,Kim Writer\n", ["Kim Writer"]),
    ("c.jsonl", b'{"text": "Body one.", "authors": ["A. One", "B. Two"]}\n{"text": "Body two.", "authors": []}\n',
     ["A. One, B. Two", None]),
])
def test_author_columns_of_tables(corpus_dir, name, data, expected):
    (corpus_dir / name).write_bytes(data)
    docs, rejects = read_one(corpus_dir / name)
    assert docs["author"].astype(object).where(docs["author"].notna(), None).tolist() == expected
    assert rejects == []


RSS = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>RT</title>
<link>https://www.rt.com/</link><lastBuildDate>Thu, 24 Jan 2019 23:30:00 +0000</lastBuildDate>
<item><title>A</title><author>jane@example.com (Jane Doe)</author><pubDate>Wed, 23 Jan 2019 10:00:00 +0000</pubDate>
<description>Text one about Caracas.</description></item>
<item><title>B</title><dc:creator>John Roe</dc:creator><description>Text two about Caracas.</description></item>
</channel></rss>"""


def test_feed_authors_and_the_feeds_date(corpus_dir):
    (corpus_dir / "rt.xml").write_bytes(RSS)
    docs, _ = read_one(corpus_dir / "rt.xml")
    assert docs[["author", "published_date", "date_precision"]].values.tolist() == [
        ["Jane Doe", "2019-01-23", "day"],  # the name, not the e-mail address; the item's own date
        ["John Roe", "2019-01-24", "approximate"],  # dc:creator; no date of its own: the feed's
    ]


def test_page_and_comment_authors(corpus_dir):
    page = (b'<!DOCTYPE html><html><head><title>Maduro speaks</title><meta name="author" content="Jane Doe">'
            b'<meta property="og:site_name" content="teleSUR"></head><body><article><h1>Maduro speaks</h1><p>'
            + b"Maduro spoke to the press in Caracas on Friday about the crisis. " * 8
            + b"</p><p>He said the army remained loyal to the government and to the constitution.</p></article>"
            b"</body></html>")
    (corpus_dir / "page.html").write_bytes(page)
    thread = {"title": "Thread", "comments": [{"id": "1", "author": {"name": "Ana"}, "body": "First."},
                                              {"id": "2", "author": "Ben", "body": "Second.", "parent_id": "1"}]}
    (corpus_dir / "thread.json").write_text(json.dumps(thread), encoding="utf-8")
    docs, _ = documents(corpus_dir)
    by_file = docs.groupby("source_file")["author"].apply(list).to_dict()
    assert by_file == {"page.html": ["Jane Doe"], "thread.json": ["Ana", "Ben"]}


# ---------------------------------------------------------------- 2. dates and their precision


def write_manifest(corpus_dir, entries: str) -> None:
    (corpus_dir / "manifest.yaml").write_text("files:\n" + entries, encoding="utf-8")


def test_a_month_in_the_manifest_is_its_first_day_with_month_precision(corpus_dir):
    (corpus_dir / "feed.txt").write_text(FEED_TEXT, encoding="utf-8")
    write_manifest(corpus_dir, "  feed.txt:\n    published_date: 2025-11\n")
    docs, _ = documents(corpus_dir)
    assert set(zip(docs["published_date"], docs["date_precision"], strict=True)) == {("2025-11-01", "month")}


def test_an_approximate_manifest_date(corpus_dir):
    text = "Venezuela\n\n" + "".join(f"Comment number {i} on the uprising.\n\n" for i in range(9))
    (corpus_dir / "thread.txt").write_text(text, encoding="utf-8")
    write_manifest(corpus_dir, "  thread.txt:\n    reader: forum_thread\n    published_date: 2019-05-03\n"
                               "    date_precision: approximate\n")
    docs, _ = documents(corpus_dir)
    assert len(docs) == 9
    assert set(zip(docs["published_date"], docs["date_precision"], strict=True)) == {("2019-05-03", "approximate")}


def test_a_documents_own_date_wins_and_keeps_day_precision(corpus_dir):
    (corpus_dir / "post.txt").write_text("date 2026-01-05 A post.\n\nMore text of the post.\n", encoding="utf-8")
    (corpus_dir / "undated.txt").write_text("An article without any date at all.\n", encoding="utf-8")
    write_manifest(corpus_dir, "  post.txt:\n    published_date: 2025-11\n")
    docs, _ = documents(corpus_dir)
    got = dict(zip(docs["source_file"], zip(docs["published_date"].astype(object).fillna(""),
                                            docs["date_precision"], strict=True), strict=True))
    assert got == {"post.txt": ("2026-01-05", "day"), "undated.txt": ("", "none")}


@pytest.mark.parametrize(("entry", "message"), [
    ("    published_date: 2025-13\n", "must be YYYY-MM-DD or YYYY-MM"),
    ("    published_date: November 2025\n", "must be YYYY-MM-DD or YYYY-MM"),
    ("    date_precision: roughly\n", "date_precision must be one of"),
])
def test_bad_manifest_dates_are_errors(corpus_dir, entry, message):
    write_manifest(corpus_dir, "  a.txt:\n" + entry)
    with pytest.raises(ManifestError, match=message):
        load_manifest(corpus_dir)


def test_sott_items_take_the_pages_latest_dated_update(corpus_dir):
    (corpus_dir / "sott.txt").write_text(SOTT_PAGE, encoding="utf-8")
    docs, _ = documents(corpus_dir)
    rt = docs[docs["outlet"] == "rt"]
    assert set(zip(rt["published_date"], rt["date_precision"], strict=True)) == {
        ("2019-01-24", "day"), ("2019-01-25", "day")}
    own = docs[docs["outlet"] == "sott"]
    assert set(zip(own["published_date"], own["date_precision"], strict=True)) == {("2019-01-25", "approximate")}


# ---------------------------------------------------------------- 3. headline-only stubs


@pytest.mark.parametrize(("text", "title", "stub"), [
    ("Britain claims Maduro 'not legitimate leader' of Venezuela",
     "Britain claims Maduro ‘not legitimate leader’ of Venezuela", True),
    ("Gunshots, molotovs: skirmishes in Caracas!", "Gunshots, molotovs - Skirmishes in Caracas", True),
    ("Skirmishes in Caracas", "Gunshots, molotovs: Skirmishes in Caracas as Venezuela upheaval escalates", True),
    ("Skirmishes in Caracas left two dead on Thursday night.", "Skirmishes in Caracas", False),
    ("A short forum comment.", None, False),
    ("Venezuela", "Venezuela", True),
])
def test_headline_only(text, title, stub):
    assert headline_only(text, title) is stub


def test_headline_only_documents_are_stubs_and_kept(corpus_dir):
    (corpus_dir / "sott.txt").write_text(SOTT_PAGE, encoding="utf-8")
    (corpus_dir / "t.csv").write_text("title,text\nMaduro speaks,Maduro speaks\nMaduro speaks,Maduro spoke on "
                                      "Friday to the press in Caracas about the crisis.\n", encoding="utf-8")
    docs, _ = documents(corpus_dir)
    stubs = docs[docs["is_stub"]]
    assert sorted(stubs["text"]) == ["Britain claims Maduro 'not legitimate leader'", "Maduro speaks"]
    assert docs["is_stub"].dtype == "boolean" and docs["is_stub"].notna().all()
    assert (~docs["is_stub"]).sum() == len(docs) - 2


# ---------------------------------------------------------------- 4. reposts


@pytest.mark.parametrize(("text", "quoted_from"), [
    ("The bank declined to return the gold, people familiar with the matter said.\n\n— Bloomberg\n", "bloomberg"),
    ("The bank declined to return the gold, people familiar with the matter said.\n\nSource: Reuters\n", "reuters"),
    ("(Reuters) – Venezuela's army said on Thursday that it backed the government.\n", "reuters"),
    ("CARACAS, Jan 24 (Reuters) – Venezuela's army said it backed the government.\n", "reuters"),
    ("Russian contractors flew into Caracas, sources said.\n\nOriginally published by ZeroHedge.\n", "zerohedge"),
    ("The magic quadrant is changing the world.\n\nThis article was originally published on Strategic Culture.\n",
     "strategic-culture"),
    ("The coup attempt failed within hours.\n\nReprinted with permission from Consortium News.\n", "consortium-news"),
    ("The coup attempt failed within hours.\n\nThis post was first published on globalresearch.ca on Jan 25, "
     "2019.\n", "globalresearch-ca"),
])
def test_each_source_line_form_makes_a_repost(corpus_dir, text, quoted_from):
    (corpus_dir / "a.txt").write_text(text, encoding="utf-8")
    docs, result = documents(corpus_dir)
    doc = docs.iloc[0]
    assert (doc["voice"], doc["source_kind"], doc["quoted_from"]) == ("quoted", "quoted", quoted_from)
    credit_lines = [n for n, ln in enumerate(text.split("\n"), 1) if source_credit(ln, OUTLETS)]
    assert set(credit_lines) <= lines_of(doc["source_lines"])
    assert not any(source_credit(p, OUTLETS) for p in doc["text"].split("\n\n"))
    assert line_problems(text, [*result.records, *result.rejects]) == ([], [], [])


@pytest.mark.parametrize("text", [
    "The president spoke.\n\n— Trump\n",  # an epigraph's signature: no outlet
    "The president spoke.\n\nSource: the ministry said it had no information on the matter.\n",
    "(Updated) - the text of an article that was changed.\n",
    "This post was originally published by someone who then deleted the blog, we heard.\n",
])
def test_lines_that_are_no_source_line(corpus_dir, text):
    (corpus_dir / "a.txt").write_text(text, encoding="utf-8")
    docs, _ = documents(corpus_dir)
    assert (docs["voice"] == "author").all() and docs["quoted_from"].isna().all()


def test_source_line_helpers():
    assert source_credit("— Bloomberg", OUTLETS).scope == "block"
    assert source_credit("Originally published on  Tricontinental: Institute for Social Research",
                         OUTLETS).name == "Tricontinental: Institute for Social Research"
    assert dateline_source("TEHRAN, Jan. 04 (MNA) – Was Maduro arrested?", OUTLETS) == "MNA"
    assert credited_outlet("© Sputnik / Aleksey Nikolskyi", OUTLETS) == "sputnik"
    assert credited_outlet("© instagram", OUTLETS) is None


def test_reposts_in_tables_and_feeds(corpus_dir):
    rows = [{"text": "(Reuters) - Venezuela's army backed the government.", "outlet": "RT"},
            {"text": "The bank kept the gold.\n\nSource: Bloomberg", "outlet": "RT"},
            {"text": "Moscow warned Washington against an intervention.", "outlet": "RT"}]
    (corpus_dir / "t.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (corpus_dir / "rt.xml").write_bytes(RSS.replace(b"Text two about Caracas.", b"&lt;p&gt;Text two.&lt;/p&gt;"
                                                    b"&lt;p&gt;Originally published by ZeroHedge&lt;/p&gt;"))
    docs, _ = documents(corpus_dir)
    got = [[t, v, None if pd.isna(q) else q] for t, v, q in zip(docs["text"], docs["voice"], docs["quoted_from"],
                                                                 strict=True)]
    assert got == [
        ["Text one about Caracas.", "author", None],
        ["Text two.", "quoted", "zerohedge"],
        ["(Reuters) - Venezuela's army backed the government.", "quoted", "reuters"],
        ["The bank kept the gold.", "quoted", "bloomberg"],
        ["Moscow warned Washington against an intervention.", "author", None],
    ]


def test_a_forum_source_line_signs_the_comment_above_it(corpus_dir):
    text = ("Venezuela\n\nMy own take on the uprising.\n\nTroops fired tear gas at protesters in Caracas.\n\n"
            "Source: Reuters\n\nAnother comment of mine.\n")
    (corpus_dir / "t.txt").write_text(text, encoding="utf-8")
    docs, rejects = read_one(corpus_dir / "t.txt", {"reader": "forum_thread"})
    got = dict(zip(docs["text"], docs["quoted_from"].astype(object).where(docs["quoted_from"].notna(), None),
                   strict=True))
    assert got == {"My own take on the uprising.": None, "Troops fired tear gas at protesters in Caracas.": "reuters",
                   "Another comment of mine.": None}
    assert docs.set_index("text").loc["Troops fired tear gas at protesters in Caracas.", "source_kind"] == "quoted"
    records, rejects, _ = read_file(corpus_dir / "t.txt", name="t.txt", hints={"reader": "forum_thread"},
                                    outlets=OUTLETS)
    assert line_problems(text, [*records, *rejects]) == ([], [], [])


def test_the_aggregators_outlet_line_stays_author_and_an_upstream_line_quotes(corpus_dir):
    (corpus_dir / "feed.txt").write_text(FEED_TEXT, encoding="utf-8")
    docs, _ = documents(corpus_dir)
    dv = docs[docs["outlet"] == "dissident-voice"].set_index("title")
    assert dv.loc["An Essay", ["voice", "source_kind"]].tolist() == ["author", "opinion"]
    assert pd.isna(dv.loc["An Essay", "quoted_from"])
    assert dv.loc["Scenarios", ["voice", "source_kind", "quoted_from"]].tolist() == [
        "quoted", "quoted", "tricontinental"]


def test_a_blog_posts_source_lines(corpus_dir):
    text = ("date 2026-01-05 My view on the gold.\n\nGold reserves fell sharply in London, the central bank said on "
            "Friday.\n\n— Bloomberg\n\nMy closing thought.\n")
    (corpus_dir / "post.txt").write_text(text, encoding="utf-8")
    (corpus_dir / "repost.txt").write_text("date 2026-01-06 A whole post.\n\nIts second paragraph.\n\n"
                                           "Originally published by ZeroHedge\n", encoding="utf-8")
    docs, result = documents(corpus_dir)
    post = docs[docs["source_file"] == "post.txt"].set_index("voice")
    assert post.loc["quoted", "quoted_from"] == "bloomberg" and post.loc["quoted", "text"].startswith("Gold reserves")
    assert post.loc["author", "text"] == "My view on the gold.\n\nMy closing thought."
    repost = docs[docs["source_file"] == "repost.txt"]
    assert repost[["voice", "quoted_from"]].values.tolist() == [["quoted", "zerohedge"]]
    assert line_problems(text, [u for u in [*result.records, *result.rejects] if u.source_file == "post.txt"]
                         ) == ([], [], [])


def test_manifest_hints_make_reposts(corpus_dir):
    (corpus_dir / "a.txt").write_text("An article reposted in full from another outlet.\n", encoding="utf-8")
    (corpus_dir / "sott.txt").write_text(SOTT_PAGE, encoding="utf-8")
    write_manifest(corpus_dir, "  a.txt:\n    quoted_from: Consortium News\n  sott.txt:\n    quoted_blocks:\n"
                               "      - starts_with: \"UK backs the opposition\"\n        quoted_from: strategic-culture\n")
    docs, _ = documents(corpus_dir)
    a = docs[docs["source_file"] == "a.txt"].iloc[0]
    assert (a["voice"], a["source_kind"], a["quoted_from"]) == ("quoted", "quoted", "consortium-news")
    uk = docs[docs["title"] == "UK backs the opposition leader"].iloc[0]
    assert (uk["outlet"], uk["voice"], uk["quoted_from"]) == ("sott", "quoted", "strategic-culture")


def test_sott_items_are_reposts_credited_by_their_lead_image(corpus_dir):
    (corpus_dir / "sott.txt").write_text(SOTT_PAGE, encoding="utf-8")
    docs, _ = documents(corpus_dir)
    items = docs[docs["title"].isin(["Gold held in London", "UK backs the opposition leader"])].set_index("title")
    assert items[["outlet", "via", "voice", "source_kind"]].drop_duplicates().values.tolist() == [
        ["sott", "sott", "quoted", "quoted"]]
    assert items["quoted_from"].to_dict() == {"Gold held in London": "bloomberg",
                                              "UK backs the opposition leader": "reuters"}
    assert (docs.loc[docs["outlet"] == "rt", "voice"] == "author").all()  # an RT update is RT's own document


# ---------------------------------------------------------------- 5. SOTT comments that quote


def test_a_sott_comment_that_quotes_is_split(corpus_dir):
    (corpus_dir / "sott.txt").write_text(SOTT_PAGE, encoding="utf-8")
    docs, result = documents(corpus_dir)
    gold = docs[lines_of_docs(docs) <= 18]
    own = gold[gold["source_kind"] == "editorial_comment"]
    assert sorted(own["text"]) == ["As RT reported, Moscow condemned the move:",
                                   "Let this be a lesson to anybody holding gold in Western banks."]
    assert (own["voice"] == "author").all() and (own["outlet"] == "sott").all()
    quote = gold[(gold["source_kind"] == "quoted") & gold["title"].isna()]
    assert len(quote) == 1
    assert (quote["quoted_from"].iloc[0], quote["outlet"].iloc[0]) == ("rt", "sott")
    assert quote["text"].iloc[0].startswith('"This is theft in broad daylight,"')
    assert quote["text"].iloc[0].endswith("United Nations Security Council.")  # the quote runs to the item's end
    item = gold[gold["title"] == "Gold held in London"].iloc[0]
    assert item["text"].endswith("lobbying by senior US officials.")  # after a plain comment the item goes on
    assert line_problems(SOTT_PAGE, [*result.records, *result.rejects]) == ([], [], [])


def lines_of_docs(docs: pd.DataFrame) -> pd.Series:
    return docs["source_lines"].str.extract(r"^(\d+)", expand=False).astype(int)


def test_a_quote_set_in_quote_marks_and_a_lead_in_before_a_blank_line(corpus_dir):
    page = SOTT_PAGE.replace(
        "Comment: Let this be a lesson to anybody holding gold in Western banks.",
        'Comment: "Gold is money," said J.P. Morgan a century ago.\nIt still is, for the Bank of England.').replace(
        "Comment: As RT reported, Moscow condemned the move:\n", "Comment: As RT reported, Moscow condemned the move:\n\n")
    (corpus_dir / "sott.txt").write_text(page, encoding="utf-8")
    docs, result = documents(corpus_dir)
    quoted = docs[(docs["outlet"] == "sott") & (docs["source_kind"] == "quoted") & docs["title"].isna()]
    assert sorted(t[:20] for t in quoted["text"]) == ['"Gold is money," sai', '"This is theft in br']
    assert docs.loc[docs["source_kind"] == "editorial_comment", "text"].str.contains(
        "It still is, for the Bank of England.").any()
    assert line_problems(page, [*result.records, *result.rejects]) == ([], [], [])


# ---------------------------------------------------------------- the bundled corpus


@pytest.fixture(scope="module")
def seed_docs(seed_ingest):
    return validate(normalise(seed_ingest.records), "documents")


def test_seed_aggregator_items_are_dated_november_2025(seed_docs):
    feed = seed_docs[seed_docs["source_file"] == FEED]
    assert len(feed) == 30
    assert set(zip(feed["published_date"], feed["date_precision"], strict=True)) == {("2025-11-01", "month")}


def test_seed_forum_date_is_approximate(seed_docs):
    forum = seed_docs[seed_docs["source_file"] == FORUM]
    assert set(zip(forum["published_date"], forum["date_precision"], strict=True)) == {("2019-05-03", "approximate")}


def test_seed_dates_and_precisions_agree(seed_docs):
    assert ((seed_docs["date_precision"] == "none") == seed_docs["published_date"].isna()).all()
    assert set(seed_docs.loc[seed_docs["source_file"] == SUBSTACK, "date_precision"]) == {"day"}
    sott = seed_docs[seed_docs["source_file"] == SOTT]
    assert set(sott.loc[sott["outlet"] == "rt", "date_precision"]) == {"day"}
    assert set(sott["published_date"]) == {"2019-01-24", "2019-01-26"}


def test_seed_bylines_are_authors_not_rejects(seed_ingest, seed_docs):
    text = (RAW / FEED).read_text(encoding="utf-8")
    bylines = {n: ln.strip()[3:] for n, ln in enumerate(text.split("\n"), 1) if ln.strip().startswith("By ")}
    assert len(bylines) == 8
    feed = seed_docs[seed_docs["source_file"] == FEED]
    for number, name in bylines.items():
        holder = feed[[number in lines_of(s) for s in feed["source_lines"]]]
        assert holder["author"].tolist() == [name], number
    assert set(feed["author"].dropna()) == {"HG", "Willem Moore", "Alaa Shamali", "Skwawkbox", "Joe Glenton"}
    assert (feed.loc[feed["author"].notna(), "outlet"] == "the-canary").all()
    assert not [r for r in seed_ingest.rejects if r.reason == "byline"]


def test_seed_sott_reposts_are_quoted_with_their_sources(seed_docs):
    sott = seed_docs[(seed_docs["source_file"] == SOTT) & (seed_docs["outlet"] == "sott")]
    assert set(sott["via"]) == {"sott"}
    credited = sott[sott["title"].notna()].set_index("title")["quoted_from"].dropna().to_dict()
    assert credited == {
        "Israel's criminality, hubris in Syria is inviting a disaster": "strategic-culture",  # manifest
        "US and Taliban reportedly reach peace deal to end Afghan war, remove all foreign troops within 1.5 yrs":
            "reuters",
        "UK government comes out in support of Venezuela's Juan Guaido, after attempted coup - UPDATES": "reuters",
        "Russia, China, India and Iran: The magic quadrant that is changing the world": "strategic-culture",
        "BoE refuses to return Venezuela's $1.2 billion in gold, US intends to use it to fund illegitimate Guaido":
            "bloomberg",
        "Google urged the U.S. to limit protection for activist workers": "bloomberg",
        "Trump & Democrats reach temporary agreement to re-open government until February 15th": "reuters",
        "Russian authorities have a 'two-punch plan' to help the Venezuelan people": "sputnik",
    }
    assert (sott.loc[sott["title"].notna(), "voice"] == "quoted").all()  # every item is a repost
    zero = sott[sott["quoted_from"] == "zerohedge"]
    assert len(zero) == 1 and zero["text"].iloc[0].startswith("Maduro - now backed by Russian military contractors")
    lead_in = sott[sott["text"].str.startswith("ZeroHedge reports that")]
    assert lead_in["source_kind"].tolist() == ["editorial_comment"]
    rt_quote = sott[sott["quoted_from"] == "rt"]
    assert rt_quote["text"].str.startswith("Supporting a coup in Venezuela").tolist() == [True]
    words = sott.groupby("voice")["n_words"].sum()
    assert 0.85 < words["quoted"] / words.sum() < 0.95  # the review: about 89% of "SOTT's" words are reposts
    own = sott[sott["voice"] == "author"]
    assert set(own["source_kind"]) == {"editorial_comment"}
    assert own["text"].str.startswith("Granted Maduro isn't perfect").any()


def test_seed_dissident_voice_posts_stay_author_unless_they_credit_another_outlet(seed_docs):
    dv = seed_docs[seed_docs["outlet"] == "dissident-voice"]
    title = "The United States Continues Its Attempt to Overthrow Venezuela's Bolivarian Revolution"
    assert dv.loc[dv["title"] == title, "quoted_from"].tolist() == ["tricontinental"] * 4
    rest = dv[dv["title"] != title]
    assert len(rest) == 6 and (rest["voice"] == "author").all() and rest["quoted_from"].isna().all()


def test_seed_stubs_are_the_headline_only_updates(seed_docs):
    stubs = seed_docs[seed_docs["is_stub"]]
    assert stubs["title"].tolist() == ["Britain claims Maduro 'not legitimate leader' of Venezuela",
                                       "Gunshots, molotovs: Skirmishes in Caracas as Venezuela upheaval escalates"]
    assert (stubs["outlet"] == "rt").all() and (stubs["text"] == stubs["title"]).all()


def test_seed_doc_ids_hash_outlet_file_and_text(seed_docs):
    """So a document whose outlet, file and text did not change keeps its doc_id when other columns do."""
    first = seed_docs[~seed_docs.duplicated(["outlet", "source_file", "text"])]
    expected = [hashlib.sha1(f"{o}\x1f{f}\x1f{t}".encode()).hexdigest()[:16]
                for o, f, t in zip(first["outlet"], first["source_file"], first["text"], strict=True)]
    assert first["doc_id"].tolist() == expected


def test_the_sott_page_date():
    from framing.ingest.base import split_lines

    assert SottReader.page_date(split_lines((RAW / SOTT).read_text(encoding="utf-8"))) == "2019-01-26"
