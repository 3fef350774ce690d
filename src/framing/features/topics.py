"""Topic tags from the editable cue lexicon ``lexicons/topics.yaml``.

Outlets that write about different subjects confound topic with framing, so every document carries the
topics it is about and any comparison can be restricted to one topic without re-ingesting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from framing.config import TopicSettings
from framing.features.registry import Feature, Inputs, Table
from framing.language import english_measures_mask
from framing.lexicons import LexiconError, lexicon_path, load_yaml


@dataclass(frozen=True)
class TopicLexicon:
    """Topic slug -> (label, compiled cue pattern)."""

    labels: dict[str, str]
    patterns: dict[str, re.Pattern[str]]

    @classmethod
    def load(cls, path: Path | None = None) -> TopicLexicon:
        """Load ``topics.yaml`` (or another file in its format)."""
        path = path or lexicon_path("topics")
        data = load_yaml(path)
        topics = data.get("topics")
        if not isinstance(topics, dict) or not topics:
            raise LexiconError(f"{path}: expected a non-empty 'topics' mapping")
        labels, patterns = {}, {}
        for slug, entry in topics.items():
            cues = entry.get("cues") if isinstance(entry, dict) else None
            if not cues:
                raise LexiconError(f"{path}: topic {slug!r} has no cues")
            try:
                patterns[slug] = re.compile(r"\b(?:" + "|".join(str(c) for c in cues) + r")\b", re.IGNORECASE)
            except re.error as exc:
                raise LexiconError(f"{path}: topic {slug!r} has an invalid cue pattern: {exc}") from exc
            labels[slug] = str(entry.get("label", slug))
        return cls(labels, patterns)


def tag_topics(documents: pd.DataFrame, *, lexicon: TopicLexicon | None = None,
               settings: TopicSettings = TopicSettings()) -> pd.DataFrame:
    """Topic tags per document (long format).

    Returns:
        Columns ``doc_id``, ``topic``, ``n_cue_hits``: one row per document and topic it carries (at least
        ``settings.min_hits`` cue matches in title plus text).

    >>> docs = pd.DataFrame({"doc_id": ["a"], "title": [None], "text": ["Maduro in Caracas."]})
    >>> tag_topics(docs)[["doc_id", "topic"]].values.tolist()
    [['a', 'venezuela']]

    """
    lexicon = lexicon or TopicLexicon.load()
    rows = []
    for doc_id, title, text in documents[["doc_id", "title", "text"]].itertuples(index=False):
        full = f"{title if isinstance(title, str) else ''}\n{text}"
        for slug, pattern in lexicon.patterns.items():
            hits = len(pattern.findall(full))
            if hits >= settings.min_hits:
                rows.append((doc_id, slug, hits))
    return pd.DataFrame(rows, columns=["doc_id", "topic", "n_cue_hits"]).astype(
        {"doc_id": "string", "topic": "string", "n_cue_hits": "int64"})


def fit_topics(documents: pd.DataFrame, *, n_topics: int = 8, n_terms: int = 10, seed: int = 20190123,
               min_df: int = 2, max_df: float = 0.8) -> tuple[pd.DataFrame, pd.DataFrame]:
    """NMF topics of the unique documents (TF-IDF of unigrams and bigrams; seeded, so reproducible).

    Documents the English measures do not score (by ``lang``, see :mod:`framing.language`) are left out: the stop
    words are English, and another language would only come back as a topic of its own.

    Returns:
        ``(doc_topics, topic_terms)``: ``doc_id``, ``topic``, ``topic_share`` (a document's weights normalised
        to sum to 1); and ``topic``, ``rank``, ``term``, ``weight``. Topics are numbered from 1 by their total
        weight in the corpus, largest first. Both empty (same columns) when fewer than three documents, or no
        term within the document-frequency bounds, leave nothing to factorise.
    """
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    empty = (pd.DataFrame({"doc_id": pd.Series(dtype="object"), "topic": pd.Series(dtype="int64"),
                           "topic_share": pd.Series(dtype="float64")}),
             pd.DataFrame({"topic": pd.Series(dtype="int64"), "rank": pd.Series(dtype="int64"),
                           "term": pd.Series(dtype="object"), "weight": pd.Series(dtype="float64")}))
    unique = documents[documents["duplicate_of"].isna()].sort_values("doc_id", kind="stable")
    if "lang" in unique.columns:
        unique = unique[english_measures_mask(unique)]
    n = len(unique)
    # a term must be in min_df documents and in at most max_df of them; with few documents those bounds can
    # cross (2 documents, max_df 0.8: at most 1.6, at least 2): then nothing can be a topic term
    if n < 3 or int(max_df * n) < min_df:
        return empty
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, max_df=max_df, stop_words="english",
                          sublinear_tf=True, token_pattern=r"(?u)\b[^\W\d_][\w'’-]*[^\W_]\b")
    try:
        X = vec.fit_transform(unique["text"].astype(str))
    except ValueError:  # scikit-learn's "empty vocabulary" (or no term left after the document-frequency bounds)
        return empty
    k = max(1, min(n_topics, X.shape[0] - 1, X.shape[1] - 1))
    if X.shape[1] < 2 or X.nnz == 0:
        return empty
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=1000)
    W = model.fit_transform(X)
    order = np.argsort(-W.sum(axis=0), kind="stable")
    W, H = W[:, order], model.components_[order]
    shares = W / np.where(W.sum(axis=1, keepdims=True) > 0, W.sum(axis=1, keepdims=True), 1.0)
    terms = vec.get_feature_names_out()
    doc_rows = [(d, t + 1, round(float(shares[i, t]), 6)) for i, d in enumerate(unique["doc_id"]) for t in range(k)]
    term_rows = [(t + 1, r + 1, terms[j], round(float(H[t, j]), 6))
                 for t in range(k) for r, j in enumerate(np.argsort(-H[t], kind="stable")[:n_terms])]
    return (pd.DataFrame(doc_rows, columns=["doc_id", "topic", "topic_share"]),
            pd.DataFrame(term_rows, columns=["topic", "rank", "term", "weight"]))


def _compute(inputs: Inputs) -> dict[str, pd.DataFrame]:
    return {"doc_topics": tag_topics(inputs.documents, lexicon=TopicLexicon.load(), settings=TopicSettings())}


# Kept for every document, not only English ones: the cues are mostly names (Maduro, Caracas, Kremlin), and the
# tags describe the corpus rather than measure it.
FEATURE = Feature(
    name="topics", compute=_compute, english_only=False, lexicons=("topics",),
    tables=(Table("doc_topics", {"doc_id": "string", "topic": "string", "n_cue_hits": "int64"}, ("doc_id", "topic")),))
