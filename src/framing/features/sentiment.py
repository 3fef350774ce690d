"""Sentence sentiment with VADER, aggregated to documents.

VADER is applied to sentences only, never to whole documents: its compound score saturates on long texts
(any long article tends to ±1) and its rules are quadratic in text length. Known traps of vaderSentiment
3.3.2 and how this module meets them:

- curly apostrophes defeat its negation rule ("I don’t like it" scores positive): text is normalised by
  :func:`framing.text.normalise_text` before it gets here, and :func:`score_text` straightens quotes again;
- None/NaN raise ``TypeError`` inside VADER: such sentences are reported unscored (NaN), not crashed on;
- boilerplate (credits, "originally published on …") is kept out by the readers, and any sentence that
  still looks like boilerplate is left unscored.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from framing.config import SentimentSettings
from framing.features.registry import DocumentMeasure, Feature, Inputs, Table
from framing.features.vader_fast import FastVader, fast_vader
from framing.ingest.boilerplate import boilerplate_reason

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "ʼ": "'"})
SCORE_COLUMNS = ("vader_compound", "vader_pos", "vader_neu", "vader_neg")


def analyzer() -> FastVader:
    """The shared VADER analyser (its lexicon loads once, from the installed package; no network).

    It is :class:`~framing.features.vader_fast.FastVader`, whose scores are identical (``==``) to
    vaderSentiment's ``polarity_scores`` and several times faster.
    """
    return fast_vader()


def score_text(text: object) -> dict[str, float]:
    """VADER scores of one sentence; NaN scores for missing or empty text.

    >>> score_text("I don’t like it.")["compound"] < 0
    True
    >>> math.isnan(score_text(None)["compound"])
    True
    """
    if not isinstance(text, str) or not text.strip():
        return {"compound": math.nan, "pos": math.nan, "neu": math.nan, "neg": math.nan}
    return analyzer().polarity_scores(text.translate(_QUOTES))


def sentence_label(text: object, *, settings: SentimentSettings = SentimentSettings()) -> str:
    """VADER's three-way label of one sentence (its own ±0.05 cut-offs), from :func:`score_text`.

    The one text preparation every VADER use shares: the report's tone, the actor-sentiment baseline and the
    hand-coding comparison.

    >>> sentence_label("I don’t like it."), sentence_label("It is a table."), sentence_label("Wonderful!")
    ('negative', 'neutral', 'positive')
    """
    compound = score_text(text)["compound"]
    if compound <= settings.negative_below:
        return "negative"
    return "positive" if compound >= settings.positive_above else "neutral"


def score_sentences(sentences: pd.DataFrame) -> pd.DataFrame:
    """One row per sentence with its VADER scores.

    Args:
        sentences: The sentence table (``doc_id``, ``sent_idx``, ``text``).

    Returns:
        Columns ``doc_id``, ``sent_idx``, ``vader_compound``, ``vader_pos``, ``vader_neu``, ``vader_neg``,
        ``is_scored`` (False for empty or boilerplate sentences, whose scores are NaN).

    """
    rows = []
    scored = []
    for text in sentences["text"].tolist():
        skip = not isinstance(text, str) or not text.strip() or boilerplate_reason(text) is not None
        s = score_text(None if skip else text)
        rows.append((s["compound"], s["pos"], s["neu"], s["neg"]))
        scored.append(not skip)
    scores = np.array(rows, dtype="float64").reshape(-1, 4)
    out = sentences.loc[:, ["doc_id", "sent_idx"]].reset_index(drop=True).copy()
    for i, col in enumerate(SCORE_COLUMNS):
        out[col] = scores[:, i]
    out["is_scored"] = scored
    return out


def aggregate_documents(sentence_scores: pd.DataFrame, *,
                        settings: SentimentSettings = SentimentSettings()) -> pd.DataFrame:
    """Document sentiment from its scored sentences.

    Returns:
        One row per ``doc_id``: ``n_sentences_scored``, ``vader_compound_mean`` (mean sentence compound),
        ``share_negative`` and ``share_positive`` (shares of sentences past VADER's ±0.05 cut-offs).

    >>> s = pd.DataFrame({"doc_id": ["a", "a"], "vader_compound": [0.5, -0.5], "is_scored": [True, True]})
    >>> aggregate_documents(s).iloc[0].to_dict()["share_negative"]
    0.5

    """
    s = sentence_scores[sentence_scores["is_scored"]]
    grouped = s.groupby("doc_id", sort=True)["vader_compound"]
    out = pd.DataFrame({
        "n_sentences_scored": grouped.size(),
        "vader_compound_mean": grouped.mean(),
        "share_negative": grouped.apply(lambda c: float((c <= settings.negative_below).mean())),
        "share_positive": grouped.apply(lambda c: float((c >= settings.positive_above).mean())),
    })
    return out.reset_index()


def _compute(inputs: Inputs) -> dict[str, pd.DataFrame]:
    scored = score_sentences(inputs.sentences)
    return {"sentence_sentiment": scored, "doc_sentiment": aggregate_documents(scored)}


FEATURE = Feature(
    name="sentiment", compute=_compute, packages=("vaderSentiment",),
    validated_by=("sentence sentiment (VADER)", "document sentiment"),
    tables=(Table("sentence_sentiment", {"doc_id": "string", "sent_idx": "int64", "vader_compound": "float64",
                                         "vader_pos": "float64", "vader_neu": "float64", "vader_neg": "float64",
                                         "is_scored": "bool"}, ("doc_id", "sent_idx"), per_sentence=True),
            Table("doc_sentiment", {"doc_id": "string", "n_sentences_scored": "int64",
                                    "vader_compound_mean": "float64", "share_negative": "float64",
                                    "share_positive": "float64"})),
    measures=(DocumentMeasure("doc_sentiment", "vader_compound_mean", "mean", "tone (mean sentence VADER compound)"),))
