"""Language identification, and which documents the English lexicons and models may score.

Every measure of this study except the topic tags rests on English resources: VADER, the actor-sentiment and
generic-frame models (trained on English news), the issue-frame cue patterns, Empath and the Grievance
Dictionary. Run on Spanish or Russian text they do not fail, they return numbers (VADER finds no words it knows
and says "neutral"), so a non-English document would silently pull its outlet toward neutral. Documents whose
``lang`` is not English are therefore kept in the documents table but left out of those feature tables.

``lang`` comes from the manifest when it gives one (``lang:`` as a hint or under ``override:``), else from
py3langid (a fork of langid.py, Lui & Baldwin 2012) with its bundled model, classifying over all its languages.
Codes are ISO 639-1 where the language has one (``en``, ``es``, ``ru``), else ISO 639-3 (``pcm``), and ``und``
(ISO 639-2 "undetermined") for texts too short or too mixed to tell. The thresholds are
:class:`framing.config.LanguageSettings`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from framing.config import LanguageSettings
from framing.text import has_words

UNDETERMINED = "und"
# What a document outside the English measures is left out of (for the report).
ENGLISH_MEASURES = ("tone, actor sentiment, roles and labels, frames, conflict vocabulary, distinctive terms, "
                    "NMF topics")


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def model_version() -> str:
    """The language identifier and its version, as recorded in cache keys.

    >>> model_version().startswith("py3langid ")
    True
    """
    from importlib.metadata import version

    return f"py3langid {version('py3langid')}"


def language_probabilities(text: str, *, top: int = 3) -> list[tuple[str, float]]:
    """The ``top`` most probable languages of ``text`` with py3langid's normalised probabilities.

    >>> language_probabilities("El presidente dijo que el ejército no apoyaría el golpe.", top=1)[0][0]
    'es'
    """
    return [(str(lang), float(p)) for lang, p in _identifier().rank(text)[:top]]


def detect_language(text: str, *, settings: LanguageSettings | None = None) -> str:
    """ISO 639 code of the language of ``text``, or ``"und"`` when it is too short or the model is unsure.

    Args:
        text: Any text (a document, a title, a comment).
        settings: Length and confidence thresholds (see :class:`framing.config.LanguageSettings`).

    Returns:
        ``"en"`` when English is the most probable language with at least ``min_confidence``; another code when
        that language has at least ``min_confidence`` and English at most ``max_english_prob``; else ``"und"``.
        Deterministic: the same text always gets the same code.

    >>> detect_language("The president said that the army would not back the coup.")
    'en'
    >>> detect_language("El presidente dijo que el ejército no apoyaría el golpe.")
    'es'
    >>> detect_language("Good riddance.")
    'und'
    """
    settings = settings or LanguageSettings()
    if _too_short(text, settings):
        return UNDETERMINED
    return _verdict(_identifier().rank(text), settings)


def detect_languages(texts: Sequence[str], *, settings: LanguageSettings | None = None) -> list[str]:
    """:func:`detect_language` of each text: the same codes, several times faster on many texts.

    py3langid walks a byte automaton over each text in a Python loop, one byte at a time. Here NumPy steps every
    text of a batch one byte forward together. Texts over ``_BATCH_MAX_BYTES`` go through py3langid itself.

    >>> detect_languages(["The president said that the army would not back the coup.", "Good riddance."])
    ['en', 'und']
    """
    settings = settings or LanguageSettings()
    identifier = _identifier()
    out = [UNDETERMINED] * len(texts)
    todo = [i for i, text in enumerate(texts) if not _too_short(text, settings)]
    if not (all(hasattr(identifier, a) for a in ("_encode", "_sparse_score", "_rowbase", "_alias_pairs"))
            and getattr(identifier, "_norm_probs", False)):
        for i in todo:  # a py3langid without the internals used below: its own loop
            out[i] = _verdict(identifier.rank(texts[i]), settings)
        return out
    encoded = [identifier._encode(texts[i]) for i in todo]
    for k, visits in _batched_visits(identifier, encoded):  # each batch's counts are used and let go at once
        out[todo[k]] = _verdict(_rank(identifier, encoded[k], visits), settings)
    return out


# Texts longer than this (in UTF-8 bytes) are walked by py3langid alone: a batch holds its texts side by side.
_BATCH_MAX_BYTES = 20_000
_BATCH_TEXTS = 256


def _too_short(text: str, settings: LanguageSettings) -> bool:
    """Fewer than ``min_letters`` letters or ``min_words`` words (counting stops once both are reached)."""
    need = settings.min_letters
    if sum(map(str.isalpha, text[:4 * need])) < need and sum(map(str.isalpha, text)) < need:
        return True
    return not has_words(text, settings.min_words)


def _verdict(ranked: list[tuple[str, float]], settings: LanguageSettings) -> str:
    best, p_best = str(ranked[0][0]), float(ranked[0][1])
    if p_best < settings.min_confidence:
        return UNDETERMINED
    if best == "en":
        return best
    p_english = next((float(p) for lang, p in ranked if lang == "en"), 0.0)
    return best if p_english <= settings.max_english_prob else UNDETERMINED


@lru_cache(maxsize=1)
def _automaton() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """py3langid's byte automaton as arrays: next-state table, row offsets, feature emitted per state."""
    identifier = _identifier()
    nextmove = np.frombuffer(identifier.tk_nextmove, dtype=np.dtype(identifier.tk_nextmove.typecode))  # no copy
    return nextmove, np.asarray(identifier._rowbase, dtype=np.int64), np.asarray(identifier.tk_output, dtype=np.int32)


def _batched_visits(identifier: Any, encoded: Sequence[bytes]) -> Iterator[tuple[int, dict[int, int] | None]]:
    """``(position, counts)`` for each byte string, a batch at a time (positions in no fixed order).

    ``counts`` is py3langid's ``visit_counts``: ``{feature: count}`` in first-visit order, None if none. The order
    matters: py3langid sums the scores in this order, in float32. A generator, so that only one batch's counts are
    in memory (all of them, for 10,000 news articles, take about 450 MB).
    """
    from py3langid.langid import visit_counts

    nextmove, rowbase, emits = _automaton()
    short = []
    for i, raw in enumerate(encoded):
        if len(raw) <= _BATCH_MAX_BYTES:
            short.append(i)
        else:
            yield i, visit_counts(identifier.tk_nextmove, identifier._rowbase, identifier.tk_output, raw) or None
    short.sort(key=lambda i: -len(encoded[i]))  # longest first: the texts still running are always a prefix
    for start in range(0, len(short), _BATCH_TEXTS):
        batch = short[start:start + _BATCH_TEXTS]
        lengths = np.array([len(encoded[i]) for i in batch])
        width = int(lengths[0]) if len(batch) else 0
        data = np.zeros((width, len(batch)), dtype=np.uint8)  # byte t of text j at [t, j]
        for j, i in enumerate(batch):
            data[:lengths[j], j] = np.frombuffer(encoded[i], dtype=np.uint8)
        running = np.searchsorted(-lengths, -np.arange(width), side="right")  # texts of >= t bytes (steps past
        # a text's end read a 0 byte and are sliced off below)
        state = np.zeros(len(batch), dtype=np.int64)
        features = np.full((width, len(batch)), -1, dtype=np.int32)
        for t in range(width):
            n = running[t]
            state[:n] = nextmove[rowbase[state[:n]] + data[t, :n]]
            features[t, :n] = emits[state[:n]]
        for j, i in enumerate(batch):
            seen = features[:lengths[j], j]
            seen = seen[seen >= 0]
            if not len(seen):
                yield i, None
                continue
            keys, first, counts = np.unique(seen, return_index=True, return_counts=True)
            order = np.argsort(first, kind="stable")
            yield i, dict(zip(keys[order].tolist(), counts[order].tolist(), strict=True))


def _rank(identifier: Any, data: bytes, visits: dict[int, int] | None) -> list[tuple[str, float]]:
    """py3langid's ``rank`` of an encoded text from its feature counts (``_raw_score``, ``_decide``, ``rank``)."""
    if visits:
        scores = identifier._sparse_score(visits, identifier.nb_ptc)
    else:
        scores = np.full(len(identifier.nb_classes), 0.0, dtype=np.float32)
    scores *= 1.0 / math.sqrt(len(data) or 1)
    np.exp(scores - scores.max(), out=scores)
    scores /= scores.sum()
    for i, j in identifier._alias_pairs:
        scores[i] += scores[j]
        scores[j] = 0.0
    merged: dict[str, float] = {}
    for lang, score in zip(identifier.nb_classes, scores.tolist(), strict=True):
        merged.setdefault(lang, score)
    return sorted(merged.items(), key=itemgetter(1), reverse=True)


def clean_code(code: object) -> str | None:
    """A language code given by hand (manifest ``lang:``), lower-cased and without region; None if empty.

    >>> clean_code(" EN-us "), clean_code("es_MX"), clean_code(""), clean_code(None)
    ('en', 'es', None, None)
    """
    if code is None:
        return None
    text = str(code).strip().lower().replace("_", "-").split("-")[0]
    return text or None


def in_english_measures(lang: object, *, settings: LanguageSettings | None = None) -> bool:
    """Whether a document with this ``lang`` is scored by the English lexicons and models.

    >>> in_english_measures("en"), in_english_measures("und"), in_english_measures("es"), in_english_measures(None)
    (True, True, False, True)
    """
    settings = settings or LanguageSettings()
    code = clean_code(lang) if isinstance(lang, str) else None
    if code is None or code == UNDETERMINED:
        return settings.score_undetermined
    return code in settings.scored_langs


def english_measures_mask(documents: pd.DataFrame, *, settings: LanguageSettings | None = None) -> pd.Series:
    """Boolean Series over ``documents``: True where the English measures score the document (by ``lang``)."""
    return pd.Series([in_english_measures(v if isinstance(v, str) else None, settings=settings)
                      for v in documents["lang"].astype("object")], index=documents.index, dtype=bool)


def policy_key(settings: LanguageSettings | None = None) -> str:
    """The model version and thresholds behind ``lang`` and the scoring rule, for cache keys.

    >>> "min_confidence=0.5" in policy_key()
    True
    """
    return f"{model_version()}|{settings or LanguageSettings()!r}"
