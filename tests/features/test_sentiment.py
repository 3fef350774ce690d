import math

import pandas as pd
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from framing.features.sentiment import aggregate_documents, score_sentences, score_text
from framing.text import normalise_text


def test_vader_trap_curly_apostrophe_defeats_negation():
    raw = SentimentIntensityAnalyzer()
    assert raw.polarity_scores("I don’t like it.")["compound"] > 0  # the trap, in vaderSentiment itself
    assert score_text("I don’t like it.")["compound"] < 0
    assert score_text(normalise_text("I don’t like it."))["compound"] < 0


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_vader_trap_missing_text(missing):
    with pytest.raises((TypeError, AttributeError)):
        SentimentIntensityAnalyzer().polarity_scores(missing)
    assert math.isnan(score_text(missing)["compound"])


def test_boilerplate_sentences_are_not_scored():
    sents = pd.DataFrame({"doc_id": ["d", "d", "d"], "sent_idx": [0, 1, 2],
                          "text": ["A terrible, awful war.", "Featured image via Great Happy Photos", ""]})
    scored = score_sentences(sents)
    assert scored["is_scored"].tolist() == [True, False, False]
    assert scored["vader_compound"].iloc[0] < 0 and scored["vader_compound"].iloc[1:].isna().all()


def test_document_score_is_length_robust():
    """A long text of mixed sentences: whole-text VADER saturates, the sentence mean does not."""
    good, bad = "The talks were a great success.", "The bombing killed many people."
    text = " ".join([good, bad] * 40)
    whole = SentimentIntensityAnalyzer().polarity_scores(text)["compound"]
    sents = pd.DataFrame({"doc_id": "d", "sent_idx": range(80), "text": [good, bad] * 40})
    doc = aggregate_documents(score_sentences(sents)).iloc[0]
    assert abs(whole) > 0.9
    assert abs(doc["vader_compound_mean"]) < 0.2
    assert doc["share_negative"] == pytest.approx(0.5) and doc["share_positive"] == pytest.approx(0.5)


def test_seed_corpus_is_scored_per_sentence(seed_tables):
    s = seed_tables.sentence_sentiment
    copies = seed_tables.documents.loc[seed_tables.documents["duplicate_of"].notna(), "doc_id"]
    assert len(s) == (~seed_tables.sentences["doc_id"].isin(copies)).sum()  # one copy of each text
    assert (s["n_copies"] >= 1).all() and s["n_copies"].max() == 4  # the Dissident Voice article, four times
    assert s["is_scored"].mean() > 0.95
    assert s.loc[s["is_scored"], "vader_compound"].between(-1, 1).all()
    assert set(seed_tables.doc_sentiment["doc_id"]) <= set(seed_tables.documents["doc_id"])
