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

from functools import lru_cache
from typing import Any

import pandas as pd

from framing.config import LanguageSettings
from framing.text import count_words

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
    letters = sum(ch.isalpha() for ch in text)
    if letters < settings.min_letters or count_words(text) < settings.min_words:
        return UNDETERMINED
    ranked = _identifier().rank(text)
    best, p_best = str(ranked[0][0]), float(ranked[0][1])
    if p_best < settings.min_confidence:
        return UNDETERMINED
    if best == "en":
        return best
    p_english = next((float(p) for lang, p in ranked if lang == "en"), 0.0)
    return best if p_english <= settings.max_english_prob else UNDETERMINED


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
