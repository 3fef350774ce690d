"""Topic tags from the editable cue lexicon ``lexicons/topics.yaml``.

Outlets that write about different subjects confound topic with framing, so every document carries the
topics it is about and any comparison can be restricted to one topic without re-ingesting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from framing.config import TopicSettings
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
