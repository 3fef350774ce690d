"""Exact and near-duplicate (syndication) detection.

A document whose text matches an earlier one is flagged with ``duplicate_of`` pointing at the first copy
(corpus order: source file, then line). Comparisons count each text once. Exact copies are found by hashing
the case-folded, whitespace-collapsed text; near copies (re-syndicated with a changed credit line, say) by
word-shingle Jaccard similarity, with candidates found through a bottom-k sketch of each text's shingles so
the work grows with the corpus, not its square.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict

import pandas as pd

from framing.config import DedupeSettings
from framing.text import tokens


def _fingerprint(text: str) -> str:
    return hashlib.sha1(re.sub(r"\s+", " ", text.casefold()).strip().encode("utf-8")).hexdigest()


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def _shingles(text: str, k: int, words: list[str] | None = None) -> set[int]:
    """Hashes of the text's ``k``-word shingles (``words``: its :func:`~framing.text.tokens`, if already known)."""
    words = tokens(text) if words is None else words
    blake = hashlib.blake2b
    return {int.from_bytes(blake(" ".join(words[i:i + k]).encode("utf-8"), digest_size=8).digest(), "big")
            for i in range(max(1, len(words) - k + 1))}


def find_duplicates(texts: pd.Series, *, settings: DedupeSettings = DedupeSettings()) -> pd.Series:
    """For each text, the index label of the first earlier text it duplicates, or NA.

    Args:
        texts: Texts in corpus order; the index labels are what is returned (e.g. doc_ids).
        settings: Shingle size, Jaccard threshold and sketch size.

    Returns:
        A Series aligned with ``texts``.

    >>> s = pd.Series(["The same words here.", "the  SAME words here.", "Other."], index=["a", "b", "c"])
    >>> find_duplicates(s).tolist()
    [<NA>, 'a', <NA>]

    """
    out = pd.Series(pd.NA, index=texts.index, dtype="string")
    first_by_hash: dict[str, object] = {}
    sketches: dict[int, list[object]] = defaultdict(list)
    shingle_sets: dict[object, set[int]] = {}
    position = {label: i for i, label in enumerate(texts.index)}
    for label, text in texts.items():
        fp = _fingerprint(str(text))
        if fp in first_by_hash:
            out.loc[label] = str(first_by_hash[fp])  # type: ignore[call-overload]
            continue
        first_by_hash[fp] = label
        words = tokens(str(text))
        if len(words) < settings.min_words:
            continue
        sh = _shingles(str(text), settings.shingle_words, words)
        sketch = sorted(sh)[: settings.sketch_size]
        candidates = {c for h in sketch for c in sketches.get(h, [])}
        best = None
        for cand in sorted(candidates, key=position.__getitem__):
            other = shingle_sets[cand]
            jaccard = len(sh & other) / len(sh | other)
            if jaccard >= settings.min_jaccard:
                best = cand
                break
        if best is not None:
            out.loc[label] = str(best)  # type: ignore[call-overload]
            continue
        shingle_sets[label] = sh
        for h in sketch:
            sketches[h].append(label)
    return out
