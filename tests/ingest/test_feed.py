from collections import Counter

from framing.build import pipeline
from framing.ingest import read_corpus

from ..conftest import FEED, RAW


def feed_docs(seed_tables):
    return seed_tables.documents[seed_tables.documents["source_file"] == FEED]


def test_thirty_items_with_their_outlets(seed_tables):
    docs = feed_docs(seed_tables)
    assert len(docs) == 30
    assert Counter(docs["outlet"]) == {
        "dissident-voice": 10, "popular-resistance": 9, "the-canary": 8,
        "asia-pacific-report": 1, "truthout": 1, "hans-thoolen": 1,
    }
    assert set(docs["via"]) == {"aggregator-category-russia"}


def test_titles_from_the_post_lines(seed_tables):
    docs = feed_docs(seed_tables)
    titles = set(docs["title"].dropna())
    assert "What Defeat Looks Like" in titles
    assert "Chaos: The Trump Doctrine for Latin America" in titles
    assert "New Russian Fighter Destroys \"Patriots\" Days after Delivery from Germany" in titles
    # Canary items carry no "The post … appeared first on" line
    assert docs.loc[docs["outlet"] == "the-canary", "title"].isna().all()


def test_venezuela_article_counted_once(seed_tables):
    docs = feed_docs(seed_tables)
    copies = docs[docs["title"] == "The United States Continues Its Attempt to Overthrow Venezuela's Bolivarian Revolution"]
    assert len(copies) == 4
    originals = copies[copies["duplicate_of"].isna()]
    assert len(originals) == 1
    assert (copies["duplicate_of"].dropna() == originals["doc_id"].iloc[0]).sum() == 3


def test_boilerplate_is_in_the_ledger_not_the_text(seed_tables):
    docs = feed_docs(seed_tables)
    assert not docs["text"].str.contains("Featured image via|originally published on|appeared first on").any()
    ledger = seed_tables.rejects[seed_tables.rejects["source_file"] == FEED]
    assert {"image credit or caption", "page header before the first feed item"} <= set(ledger["reason"])
    assert "byline" not in set(ledger["reason"])  # bylines are the documents' author


def item(body, attribution=True, outlet="Dissident Voice", title="A Title"):
    lines = [f"  • {body}", "", "    Second paragraph of the item.", ""]
    if attribution:
        lines += [f"    The post {title} first appeared on {outlet}.", "", f"    This post was originally published on {outlet}.", ""]
    return "\n".join(lines)


def test_item_without_attribution_gets_unknown_outlet(corpus_dir):
    text = "Category: Test\n\n" + item("First item text here.") + item("Second item without credit.", attribution=False) \
        + item("Third item.", outlet="Canary")
    (corpus_dir / "feed.txt").write_text(text, encoding="utf-8")
    docs = pipeline.build(corpus_dir, actor_mode="fast", progress=False).documents.sort_values("source_lines", key=lambda s: s.str.len() * 1000 + s.str.extract(r"^(\d+)", expand=False).astype(int))
    by_text = {t.split("\n")[0]: o for t, o in zip(docs["text"], docs["outlet"], strict=True)}
    assert by_text == {"First item text here.": "dissident-voice", "Second item without credit.": "unknown",
                       "Third item.": "the-canary"}


def test_reordered_items_give_the_same_documents(corpus_dir, seed_tables):
    text = (RAW / FEED).read_text(encoding="utf-8")
    head, *items = text.split("\n  • ")
    (corpus_dir / "feed.txt").write_text("\n  • ".join([head, *reversed(items)]), encoding="utf-8")
    result = read_corpus(corpus_dir)
    assert Counter(r.outlet for r in result.records) == Counter(
        r.outlet for r in read_corpus(RAW).records if r.source_file == FEED)
    reordered = pipeline.build(corpus_dir, actor_mode="fast", progress=False).documents
    assert sorted(reordered["text"]) == sorted(feed_docs(seed_tables)["text"])
