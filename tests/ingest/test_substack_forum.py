import pandas as pd

from framing.ingest import choose_reader

from ..conftest import FORUM, RAW, SUBSTACK


def test_substack_voices(seed_tables):
    docs = seed_tables.documents.query("source_file == @SUBSTACK")
    assert set(docs["outlet"]) == {"substack-rurik"}
    assert set(docs["published_date"]) == {"2026-01-05"}
    author = docs.query("voice == 'author'")
    quoted = docs.query("voice == 'quoted'")
    assert len(author) == 1 and author["source_kind"].iloc[0] == "blog"
    sources = {t[:30]: (None if pd.isna(q) else q) for t, q in zip(quoted["text"], quoted["quoted_from"], strict=True)}
    assert sources == {
        "In this article, which I am sa": "strategic-culture",
        "🗣Maduro stated that Putin supp": None,
        "Venezuela's Defense Minister s": "reuters",
        "TEHRAN, Jan. 04 (MNA) – Was Ni": "mna",
    }
    assert "I actually don't have any trouble believing" in author["text"].iloc[0]
    assert "TEHRAN, Jan. 04" not in author["text"].iloc[0]


def test_substack_embed_preview_is_rejected(seed_tables):
    ledger = seed_tables.rejects.query("source_file == @SUBSTACK")
    assert ledger["reason"].tolist() == ["embedded post preview"]


def test_forum_comments_are_paragraphs(seed_tables):
    docs = seed_tables.documents.query("source_file == @FORUM")
    assert set(docs["outlet"]) == {"forum"}
    assert set(docs["source_kind"]) == {"forum_comment"}
    assert set(docs["title"]) == {"Venezuela"}
    paragraphs = [p for p in (RAW / FORUM).read_text(encoding="utf-8").split("\n\n") if p.strip()]
    assert len(docs) == len(paragraphs) - 1  # the title line is in the ledger


def test_readers_are_chosen_by_content_not_name():
    names = {f: choose_reader((RAW / f).read_text(encoding="utf-8")).name for f in (SUBSTACK, "002_488a665a99055364.txt", "003_72d4c2db9f8cfb1a.txt")}
    assert names == {SUBSTACK: "blog_post", "002_488a665a99055364.txt": "sott_page",
                     "003_72d4c2db9f8cfb1a.txt": "aggregator_feed"}
    # the forum thread is recognisable by its many short paragraphs, even without the manifest's hint
    assert choose_reader((RAW / FORUM).read_text(encoding="utf-8")).name == "forum_thread"
