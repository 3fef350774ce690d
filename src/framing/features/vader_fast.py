"""VADER sentence scores, identical to vaderSentiment 3.3.2 and several times faster.

vaderSentiment's :meth:`~vaderSentiment.vaderSentiment.SentimentIntensityAnalyzer.polarity_scores` spends most of
its time on work that cannot change the result: it rebuilds the text character by character to replace emoji (none
of its single-code-point emoji keys is ASCII), lower-cases the whole word list again for every rule it checks at
every lexicon word (quadratic in sentence length), and visits every word although only lexicon words can score.
:class:`FastVader` applies the same rules, in the same order and with the same floating-point operations, to the
lexicon words only, with the word list lower-cased once. Its quirks are VADER's, kept on purpose so that scores stay
comparable with published work: a curly apostrophe defeats negation, the ``but`` rule scales the first word with an
equal score (``list.index``), a word right before a lexicon word that is "so" or "this" boosts it by 1.25.

Equality (``==`` on the returned dicts) with vaderSentiment is tested on the seed corpus and on generated sentences
that exercise every rule (``tests/features/test_vader_fast.py``); ``benchmarks/bench_vader.py`` measures the speed.

>>> text = "The book was good, but the ending was NOT great!"
>>> FastVader().polarity_scores(text)
{'neg': 0.322, 'neu': 0.545, 'pos': 0.133, 'compound': -0.5835}
>>> FastVader().polarity_scores(text) == _vs.SentimentIntensityAnalyzer().polarity_scores(text)
True
"""

from __future__ import annotations

import math
import string
from collections.abc import Iterable
from functools import lru_cache

from vaderSentiment import vaderSentiment as _vs

__all__ = ["FastVader", "fast_vader"]

_PUNCT = string.punctuation
_NEGATE = frozenset(_vs.NEGATE)
_BOOSTER = _vs.BOOSTER_DICT
_SPECIAL = _vs.SPECIAL_CASES
# every word of a special-case idiom or a multi-word booster: without one of them nearby, no idiom can match
_IDIOM_WORDS = frozenset(w for key in (*_SPECIAL, *(k for k in _BOOSTER if " " in k)) for w in key.split())
# Every idiom (special case or multi-word booster) has one of these words, so none can match without one of them.
_IDIOM_ANCHORS = frozenset(w for key in (*_SPECIAL, *(k for k in _BOOSTER if " " in k))
                           for w in key.split() if w not in {"the", "of", "to", "for", "a"})
# Words that change the score of a lexicon word within three words before and two after it ("or" and "nor" act
# only after "no", "doubt" only after "without", "at" and "very" only before "least").
_RULE_WORDS = frozenset({*_NEGATE, *_BOOSTER, *_IDIOM_ANCHORS, "no", "kind", "least", "so", "this", "never",
                         "without"})
_N_SCALAR = _vs.N_SCALAR
_C_INCR = _vs.C_INCR
_ZERO = {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": 0.0}


def _negated(word: str) -> bool:
    """VaderSentiment's ``negated([word])`` for one lower-case word."""
    return word in _NEGATE or "n't" in word


class FastVader:
    """A drop-in, faster ``polarity_scores`` with vaderSentiment's own lexicon and emoji table.

    Args:
        analyzer: the vaderSentiment analyser whose lexicon to use (default: a new one with the bundled lexicon).

    """

    def __init__(self, analyzer: _vs.SentimentIntensityAnalyzer | None = None):
        self._analyzer = analyzer or _vs.SentimentIntensityAnalyzer()
        self.lexicon: dict[str, float] = self._analyzer.lexicon
        self.emojis: dict[str, str] = self._analyzer.emojis
        # only single code points can match (vaderSentiment looks characters up one by one)
        self._emoji_chars = frozenset(k for k in self.emojis if len(k) == 1)
        # words that can score: booster words score 0 even where the lexicon lists them
        self._strip = _StripMemo()
        self._scoring = {w: v for w, v in self.lexicon.items() if w not in _BOOSTER}

    # -- text to words ---------------------------------------------------------------------------------------------
    def _replace_emoji(self, text: str) -> str:
        """VaderSentiment's emoji pass, run only when the text holds an emoji code point."""
        out: list[str] = []
        prev_space = True
        emojis = self.emojis
        for ch in text:
            description = emojis.get(ch)
            if description is not None:
                if not prev_space:
                    out.append(" ")
                out.append(description)
                prev_space = False
            else:
                out.append(ch)
                prev_space = ch == " "
        return "".join(out)

    def polarity_scores(self, text: str) -> dict[str, float]:
        """The same dict as vaderSentiment's ``polarity_scores(text)`` (``neg``, ``neu``, ``pos``, ``compound``)."""
        if not text.isascii() and not self._emoji_chars.isdisjoint(text):
            text = self._replace_emoji(text)
        text = text.strip()
        punct = _PUNCT
        low = text.lower()
        if len(low) == len(text):  # every character lower-cases to one: strip after lower-casing, as good as before
            lowers = list(map(self._strip.__getitem__, low.split()))
        else:  # e.g. "İ" lower-cases to two code points: strip first, as vaderSentiment does
            lowers = [(s if len(s := t.strip(punct)) > 2 else t).lower() for t in text.split()]
        n = len(lowers)
        if not n:
            return dict(_ZERO)
        lexicon = self.lexicon
        scoring = self._scoring
        hits = [i for i, w in enumerate(lowers) if w in scoring]
        if not hits:
            return {"neg": 0.0, "neu": 1.0, "pos": 0.0, "compound": 0.0}
        # ASCII punctuation has no case, so a raw token is upper-case exactly when its stripped form is
        words = text.split()
        nt = "n't" in low  # a word with "n't" negates: such sentences take the full rules
        scored: dict[int, float] = {}
        caps: list[bool | None] = [None]  # vaderSentiment's is_cap_diff, computed when first needed
        for i in hits:
            w = lowers[i]
            # Without a rule word from three before to two after it, a lexicon word scores its lexicon value
            if not nt and _RULE_WORDS.isdisjoint(lowers[max(0, i - 3):i + 3]):
                valence = lexicon[w]
                if _stands_out(i, words, caps):
                    valence = valence + _C_INCR if valence > 0 else valence - _C_INCR
                scored[i] = valence
            elif not (w == "kind" and i < n - 1 and lowers[i + 1] == "of"):
                scored[i] = _rule_valence(i, lowers, words, lexicon, caps)
        if "but" in lowers:
            sentiments: list[float] = [0] * n
            for i, v in scored.items():
                sentiments[i] = v
            return _score(_but_check(lowers, sentiments), text)
        return _score_sparse(scored, n, text)

    def scores(self, texts: Iterable[str]) -> list[dict[str, float]]:
        """:meth:`polarity_scores` of each text."""
        ps = self.polarity_scores
        return [ps(t) for t in texts]

    def compound(self, texts: Iterable[str]) -> list[float]:
        """The compound score of each text."""
        ps = self.polarity_scores
        return [ps(t)["compound"] for t in texts]


def _rule_valence(i: int, lowers: list[str], words: list[str], lexicon: dict[str, float],
                  caps: list[bool | None]) -> float:
    """The score of the lexicon word at ``i`` with every rule (vaderSentiment's ``sentiment_valence``)."""
    n = len(lowers)
    w = lowers[i]
    valence = lexicon[w]
    if w == "no" and i != n - 1 and lowers[i + 1] in lexicon:
        valence = 0.0
    if (i > 0 and lowers[i - 1] == "no") or (i > 1 and lowers[i - 2] == "no") or (
            i > 2 and lowers[i - 3] == "no" and lowers[i - 1] in ("or", "nor")):
        valence = lexicon[w] * _N_SCALAR
    if _stands_out(i, words, caps):
        valence = valence + _C_INCR if valence > 0 else valence - _C_INCR
    for start_i in (0, 1, 2):
        if i > start_i:
            prev = lowers[i - start_i - 1]
            if prev in lexicon:
                continue
            if prev in _BOOSTER:
                s = _BOOSTER[prev]
                if valence < 0:
                    s *= -1
                if _stands_out(i - start_i - 1, words, caps):
                    s = s + _C_INCR if valence > 0 else s - _C_INCR
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
            else:
                valence = valence + 0.0
            valence = _negation(valence, lowers, start_i, i)
            if start_i == 2:
                valence = _special_idioms(valence, lowers, i, n)
    return _least(valence, lowers, i, lexicon)


class _StripMemo(dict[str, str]):
    """Token -> vaderSentiment's ``_strip_punc_if_word(token)``, memoised (looked up in C), bounded in size."""

    limit = 200_000

    def __missing__(self, token: str) -> str:
        stripped = token.strip(_PUNCT)
        value = stripped if len(stripped) > 2 else token
        if len(self) >= self.limit:
            self.clear()
        self[token] = value
        return value


def _stands_out(j: int, words: list[str], caps: list[bool | None]) -> bool:
    """Whether word ``j`` is ALL CAPS while some other words are not (VADER's emphasis rule).

    ``caps`` holds vaderSentiment's ``is_cap_diff`` for the sentence once computed (it is needed rarely).
    """
    if not words[j].isupper():
        return False
    if caps[0] is None:
        caps[0] = _cap_differential(words)
    return bool(caps[0])


def _cap_differential(words: list[str]) -> bool:
    upper = sum(1 for w in words if w.isupper())
    return 0 < len(words) - upper < len(words)


def _negation(valence: float, lo: list[str], start_i: int, i: int) -> float:
    if start_i == 0:
        if _negated(lo[i - 1]):
            valence = valence * _N_SCALAR
    elif start_i == 1:
        if lo[i - 2] == "never" and (lo[i - 1] == "so" or lo[i - 1] == "this"):
            valence = valence * 1.25
        elif lo[i - 2] == "without" and lo[i - 1] == "doubt":
            pass
        elif _negated(lo[i - 2]):
            valence = valence * _N_SCALAR
    else:
        if lo[i - 3] == "never" and (lo[i - 2] == "so" or lo[i - 2] == "this") or (
                lo[i - 1] == "so" or lo[i - 1] == "this"):
            valence = valence * 1.25
        elif lo[i - 3] == "without" and (lo[i - 2] == "doubt" or lo[i - 1] == "doubt"):
            pass
        elif _negated(lo[i - 3]):
            valence = valence * _N_SCALAR
    return valence


def _special_idioms(valence: float, lo: list[str], i: int, n: int) -> float:
    a, b, c, d = lo[i - 3], lo[i - 2], lo[i - 1], lo[i]
    if b not in _IDIOM_WORDS and c not in _IDIOM_WORDS and d not in _IDIOM_WORDS:
        return valence  # every sequence below contains b, c or d
    for seq in (f"{c} {d}", f"{b} {c} {d}", f"{b} {c}", f"{a} {b} {c}", f"{a} {b}"):
        if seq in _SPECIAL:
            valence = _SPECIAL[seq]
            break
    if n - 1 > i:
        seq = f"{d} {lo[i + 1]}"
        if seq in _SPECIAL:
            valence = _SPECIAL[seq]
    if n - 1 > i + 1:
        seq = f"{d} {lo[i + 1]} {lo[i + 2]}"
        if seq in _SPECIAL:
            valence = _SPECIAL[seq]
    for seq in (f"{a} {b} {c}", f"{a} {b}", f"{b} {c}"):
        if seq in _BOOSTER:
            valence = valence + _BOOSTER[seq]
    return valence


def _least(valence: float, lo: list[str], i: int, lexicon: dict[str, float]) -> float:
    if i > 1 and lo[i - 1] not in lexicon and lo[i - 1] == "least":
        if lo[i - 2] != "at" and lo[i - 2] != "very":
            valence = valence * _N_SCALAR
    elif i > 0 and lo[i - 1] not in lexicon and lo[i - 1] == "least":
        valence = valence * _N_SCALAR
    return valence


def _but_check(lowers: list[str], sentiments: list[float]) -> list[float]:
    """VaderSentiment's ``_but_check``, quirks included (it scales the first element equal to each score)."""
    bi = lowers.index("but")
    for sentiment in sentiments:
        si = sentiments.index(sentiment)
        if si < bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 0.5)
        elif si > bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 1.5)
    return sentiments


def _emphasis(text: str) -> float:
    ep = min(text.count("!"), 4) * 0.292
    qm_count = text.count("?")
    qm: float = 0
    if qm_count > 1:
        qm = qm_count * 0.18 if qm_count <= 3 else 0.96
    return ep + qm


def _finish(sum_s: float, pos_sum: float, neg_sum: float, neu_count: int, text: str) -> dict[str, float]:
    amp = _emphasis(text) if ("!" in text or "?" in text) else 0.0
    if sum_s > 0:
        sum_s += amp
    elif sum_s < 0:
        sum_s -= amp
    compound = sum_s / math.sqrt((sum_s * sum_s) + 15)
    compound = -1.0 if compound < -1.0 else (1.0 if compound > 1.0 else compound)
    if pos_sum > math.fabs(neg_sum):
        pos_sum += amp
    elif pos_sum < math.fabs(neg_sum):
        neg_sum -= amp
    total = pos_sum + math.fabs(neg_sum) + neu_count
    return {"neg": round(math.fabs(neg_sum / total), 3), "neu": round(math.fabs(neu_count / total), 3),
            "pos": round(math.fabs(pos_sum / total), 3), "compound": round(compound, 4)}


def _score_sparse(scored: dict[int, float], n: int, text: str) -> dict[str, float]:
    """``score_valence`` over a sentence whose non-listed words all score 0 (adding 0 never changes a float sum)."""
    sum_s = 0.0
    pos_sum = 0.0
    neg_sum = 0.0
    zeros = n - len(scored)
    for i in sorted(scored):
        v = scored[i]
        sum_s += v
        if v > 0:
            pos_sum += float(v) + 1
        elif v < 0:
            neg_sum += float(v) - 1
        else:
            zeros += 1
    return _finish(float(sum_s), pos_sum, neg_sum, zeros, text)


def _score(sentiments: list[float], text: str) -> dict[str, float]:
    pos_sum = 0.0
    neg_sum = 0.0
    zeros = 0
    for v in sentiments:
        if v > 0:
            pos_sum += float(v) + 1
        if v < 0:
            neg_sum += float(v) - 1
        if v == 0:
            zeros += 1
    return _finish(float(sum(sentiments)), pos_sum, neg_sum, zeros, text)


@lru_cache(maxsize=1)
def fast_vader() -> FastVader:
    """One shared :class:`FastVader` (building the lexicon costs ~50 ms)."""
    return FastVader()
