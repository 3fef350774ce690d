"""FastVader must give the very dicts vaderSentiment gives (``==``), on real and on rule-exercising text."""

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from framing.features.vader_fast import FastVader, _StripMemo
from framing.synthetic import vader_sentences


@pytest.fixture(scope="module")
def pair():
    return SentimentIntensityAnalyzer(), FastVader()


def _mismatches(pair, texts):
    vader, fast = pair
    return [(t, vader.polarity_scores(t), fast.polarity_scores(t)) for t in texts
            if vader.polarity_scores(t) != fast.polarity_scores(t)]


def test_identical_on_the_seed_corpus(pair, seed_tables):
    texts = seed_tables.sentences["text"].tolist()
    assert len(texts) > 1000
    assert _mismatches(pair, texts) == []


def test_identical_on_generated_sentences_exercising_every_rule(pair):
    # the benchmark (make bench) checks 100k; here a sample keeps make test quick
    assert _mismatches(pair, vader_sentences(20_000, seed=7)) == []


@pytest.mark.parametrize("text", [
    "", "   ", "!!!", "VADER is VERY SMART, handsome, and FUNNY!!!", "The book was only kind of good.",
    "Not bad at all", "At least it isn't a horrible book.", "Roger Dodger is one of the least compelling variations.",
    "Without a doubt, excellent idea.", "With VADER, sentiment analysis is the shit!", "I don’t like it.",
    "good good but good bad", "no no no good", "Catch utf-8 emoji such as 💘 and 💋 and 😁", "İYİ GOOD İstanbul bad",
    "It was never so good", "yeah right, a kiss of death", "VERY GOOD", "The plot was good, but the characters are "
    "uncompelling and the dialog is not great.", "sort of kind of just enough good ??? ???",
])
def test_identical_on_vaders_own_examples_and_edge_cases(pair, text):
    vader, fast = pair
    assert fast.polarity_scores(text) == vader.polarity_scores(text)


def test_the_token_memo_stays_bounded(pair, monkeypatch):
    monkeypatch.setattr(_StripMemo, "limit", 50)
    fast = FastVader()
    texts = vader_sentences(300, seed=3)
    assert _mismatches((pair[0], fast), texts) == []
    assert len(fast._strip) <= 50


def test_batch_helpers(pair):
    fast = pair[1]
    texts = ["Good.", "Bad!", "Neutral text here."]
    assert fast.compound(texts) == [d["compound"] for d in fast.scores(texts)]
    assert fast.compound(texts)[0] > 0 > fast.compound(texts)[1]
