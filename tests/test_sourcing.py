"""Who speaks: voice shares, the sourcing table, and actor measures restricted to the outlet's own words."""

from __future__ import annotations

import pandas as pd
import pytest

from framing.analysis import compare, sourcing
from framing.config import CompareSettings
from framing.features.attribution import sentence_voice_summary


def _docs(rows: list[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["doc_id", "outlet", "voice", "quoted_from"]).assign(
        duplicate_of=pd.Series([None] * len(rows), dtype="string"))


def _units(rows: list[tuple[str, int, int, int, str, str, str]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["doc_id", "sent_idx", "char_start", "char_end", "voice", "speaker",
                                     "speaker_ref"])
    return df.assign(unit_idx=df.groupby(["doc_id", "sent_idx"]).cumcount(), cue="")


DOCS = _docs([("a1", "rt", "author", None), ("a2", "rt", "author", None), ("a3", "rt", "quoted", "telesur"),
              ("b1", "canary", "author", None)])
UNITS = _units([
    ("a1", 0, 0, 40, "author", "", ""),
    ("a1", 1, 0, 60, "reported", "Zakharova", "actor:zakharova"),
    ("a1", 2, 0, 10, "author", "", ""), ("a1", 2, 10, 50, "quoted", "Peskov", "actor:peskov"),
    ("a2", 0, 0, 30, "reported", "the Kremlin", ""),
    ("a2", 1, 0, 30, "reported", "he", ""),
    ("a3", 0, 0, 80, "quoted", "telesur", ""),
    ("b1", 0, 0, 50, "author", "", ""),
])


def test_sentence_voice_is_the_voice_covering_most_characters() -> None:
    per = sentence_voice_summary(UNITS).set_index(["doc_id", "sent_idx"])["voice"]
    assert per[("a1", 2)] == "quoted"  # 40 of its 50 characters are Peskov's
    assert per[("a1", 0)] == "author"
    tie = _units([("x", 0, 0, 10, "author", "", ""), ("x", 0, 10, 20, "reported", "X", "")])
    assert sentence_voice_summary(tie)["voice"].tolist() == ["reported"]  # a tie goes to the other voice


def test_voice_shares_pool_sentences_and_average_documents() -> None:
    shares = sourcing.voice_shares(UNITS, DOCS, settings=CompareSettings(n_resamples=200))
    rt = shares[shares["outlet"] == "rt"].set_index("voice")
    assert rt["n_sentences"].to_dict() == {"author": 1, "quoted": 2, "reported": 3}
    assert rt.loc["reported", "share_sentences"] == pytest.approx(0.5)
    # documents: a1 has 1/3 reported, a2 2/2, a3 0/1 -> mean 4/9
    assert rt.loc["reported", "mean"] == pytest.approx(4 / 9)
    assert shares[shares["outlet"] == "canary"].set_index("voice").loc["author", "mean"] == 1.0


def test_sourcing_counts_documents_not_quotes_and_names_reposts() -> None:
    sentences = pd.DataFrame({"doc_id": ["a1", "a1", "a1", "a2", "a2", "a3", "b1"],
                              "sent_idx": [0, 1, 2, 0, 1, 0, 0], "text": list("ABCDEFG")})
    table = sourcing.sourcing_table(UNITS, DOCS, sentences)
    rt = table[table["outlet"] == "rt"].set_index("source")
    assert set(rt.index) == {"actor:zakharova", "actor:peskov", "kremlin", sourcing.UNNAMED, "outlet:telesur"}
    assert rt.loc["actor:peskov", "how"] == "quote 1"
    assert rt.loc["outlet:telesur", "how"] == "repost 1"
    assert rt.loc["actor:zakharova", "n_outlet_docs"] == 3
    assert rt.loc["actor:zakharova", "share_docs"] == pytest.approx(1 / 3, abs=1e-4)
    assert rt.loc["actor:zakharova", "ci_low"] < 1 / 3 < rt.loc["actor:zakharova", "ci_high"]
    assert rt.loc["actor:zakharova", "example"] == "B"
    assert "canary" not in set(table["outlet"])  # it quotes no one
    assert list(table.columns) == list(sourcing.SOURCING_COLUMNS)
    top = sourcing.top_sources(table, min_docs=2)
    assert set(top["outlet"]) == {"rt"} and sourcing.UNNAMED not in set(top["source"])


def test_sourcing_of_a_corpus_that_quotes_no_one_is_empty_with_its_columns() -> None:
    units = UNITS[UNITS["voice"] == "author"]
    docs = DOCS[DOCS["voice"] == "author"]
    table = sourcing.sourcing_table(units, docs)
    assert table.empty and list(table.columns) == list(sourcing.SOURCING_COLUMNS)
    assert sourcing.top_sources(table).empty
    assert sourcing.voice_shares(units.iloc[0:0], docs).empty


def test_author_voice_keeps_only_the_outlets_own_words() -> None:
    mentions = pd.DataFrame({
        "doc_id": ["a1", "a1", "a3", "b1"], "sent_idx": [0, 1, 0, 0], "actor": ["maduro"] * 4,
        "char_start": [0, 5, 0, 0], "actor_sentiment": [0.5, -0.7, -0.2, 0.1],
        "voice": ["author", "reported", "quoted", "author"]})
    own = compare.in_voice(mentions, DOCS, "author")
    assert own["actor_sentiment"].tolist() == [0.5, 0.1]
    passed_on = compare.in_voice(mentions, DOCS, "quoted")
    assert sorted(passed_on["actor_sentiment"].tolist()) == [-0.7, -0.2]
    portrayal = compare.actor_portrayal(mentions, DOCS, voice="author").set_index("outlet")
    assert portrayal.loc["rt", "mean"] == 0.5 and portrayal.loc["rt", "n_mentions"] == 1
    # tables written before attribution have no mention voice: the document's voice decides
    legacy = compare.in_voice(mentions.drop(columns="voice"), DOCS, "author")
    assert legacy["actor_sentiment"].tolist() == [0.5, -0.7, 0.1]


def test_a_corpus_citing_only_unnamed_sources_has_no_heatmap_cells() -> None:
    units = _units([("a1", 0, 0, 30, "reported", "they", ""), ("b1", 0, 0, 30, "quoted", "he", "")])
    table = sourcing.sourcing_table(units, DOCS[DOCS["voice"] == "author"])
    assert set(table["source"]) == {sourcing.UNNAMED}
    top = sourcing.top_sources(table)
    assert top.empty and list(top.columns) == ["outlet", "source", "n_docs", "mean", "ci_low", "ci_high",
                                               "ci_method", "small_n"]


def test_stubs_and_documents_the_english_measures_leave_out_are_in_no_count() -> None:
    """n_outlet_docs counts the documents the shares are over: unique, no headline-only stub, English-scored."""
    docs = DOCS.assign(lang=["en", "en", "en", "en"], is_stub=pd.array([False] * 4, dtype="boolean"))
    extra = pd.DataFrame({"doc_id": ["s1", "e1", "e2"], "outlet": "rt", "voice": ["author", "author", "quoted"],
                          "quoted_from": [None, None, "telesur"], "duplicate_of": pd.Series([None] * 3, dtype="string"),
                          "lang": ["en", "es", "es"], "is_stub": pd.array([True, False, False], dtype="boolean")})
    docs = pd.concat([docs, extra], ignore_index=True)
    units = pd.concat([UNITS, _units([("s1", 0, 0, 40, "reported", "Zakharova", "actor:zakharova")])],
                      ignore_index=True)
    rt = sourcing.sourcing_table(units, docs).query("outlet == 'rt'").set_index("source")
    assert rt["n_outlet_docs"].unique().tolist() == [3]  # a1, a2, a3: not the stub s1, not the Spanish e1, e2
    assert rt.loc["actor:zakharova", "n_docs"] == 1  # the stub's citation is not counted
    assert rt.loc["outlet:telesur", "n_docs"] == 1  # e2 is a Spanish repost: outside the English measures
    shares = sourcing.voice_shares(units, docs, settings=CompareSettings(n_resamples=200))
    reported = shares.query("outlet == 'rt' and voice == 'reported'").iloc[0]
    assert (reported["n_sentences"], reported["n_docs"]) == (3, 3)  # s1's sentence left out with it
    # tables written before is_stub and lang: every unique document counts
    legacy = sourcing.sourcing_table(units, docs.drop(columns=["is_stub", "lang"])).query("outlet == 'rt'")
    assert legacy["n_outlet_docs"].unique().tolist() == [6]


def test_top_sources_keeps_two_sources_of_one_display_name_apart() -> None:
    table = pd.DataFrame({
        "outlet": ["rt", "rt", "rt", "canary"], "source": ["actor:smith-us", "actor:smith-uk", "actor:peskov",
                                                         "actor:smith-uk"],
        "source_name": ["John Smith", "John Smith", "Dmitry Peskov", "John Smith"], "n_docs": [3, 1, 4, 1],
        "n_outlet_docs": [10, 10, 10, 5]})
    top = sourcing.top_sources(table, k=2, min_docs=2)
    # by key: Peskov (4 documents) and Smith of the US (3), not the two Smiths merged into one source of 5
    assert sorted(set(top["source"])) == ["Dmitry Peskov", "John Smith"]
    cells = top.set_index(["outlet", "source"])["mean"]
    assert cells[("rt", "John Smith")] == pytest.approx(0.3) and cells[("canary", "John Smith")] == 0.0
    both = sourcing.top_sources(table, k=3, min_docs=2).set_index(["outlet", "source"])["mean"]
    assert both[("rt", "John Smith (actor:smith-us)")] == pytest.approx(0.3)
    assert both[("rt", "John Smith (actor:smith-uk)")] == pytest.approx(0.1)
    assert both[("canary", "John Smith (actor:smith-uk)")] == pytest.approx(0.2)
