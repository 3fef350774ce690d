"""Features computed per sentence and per document: sentiment, topic tags (and, later, actors and frames)."""

from framing.features.sentiment import aggregate_documents, score_sentences
from framing.features.topics import tag_topics

__all__ = ["aggregate_documents", "score_sentences", "tag_topics"]
