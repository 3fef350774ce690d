"""Attribution: who says each part of a sentence — the outlet itself, someone it quotes, or someone it reports.

A sentence is cut into units, each in one voice: ``author`` (the outlet's own words), ``quoted`` (verbatim words in
quote marks with their speaker: ``"Maduro is a dictator," Pompeo said``) or ``reported`` (someone's words or
thoughts without quotation: ``Peskov said (that) Moscow considered Maduro the legitimate head of state``, ``Russia
accused the US of hypocrisy``, ``according to the source, ...``, a wire dateline, a ``Zakharova: ...`` headline).
Scare quotes (one to three words, no speech verb: the 'opposition') stay in the author's words.

Choices:

* The reporting frame belongs to the unit it introduces: in ``"Maduro is a dictator," Pompeo said, but the vote was
  clean`` the quoted unit runs to the end of ``Pompeo said`` (adjuncts of the frame included: ``on Twitter``, ``in a
  statement``), and ``, but the vote was clean`` is the author's. A clause-final frame (``..., he said.``) takes the
  whole clause before it; a clause-initial one (``Peskov said ...``) runs to the end of its clause (a ``;``, a
  spaced dash, ``, but``, ``, while``).
* Frames nest: in "Peskov said that Moscow considered ..." the unit is Peskov's; a clause-final frame ("..., he
  said") is the outermost. A frame inside a wire dateline's sentence wins over the dateline for its clause.
* A sentence that is only a frame ("He explained that:", "As reported by Sky News:") is reported; one that says
  someone spoke without saying what ("Trump made some revealing remarks") is the author's. Verbs that are often
  something else ("found", "states", "called", "added", "claims") count only with what a frame needs after them
  (``requires`` in the lexicon).
* A speaker is the name as written, without the apposition or relative clause set off by commas after it (as the
  gold labels name speakers): "Dmitry Peskov, the spokesman for the Kremlin, said", "Zakharova, who speaks for the
  ministry, said" and "Cornelia Litschauer, 28, said" are Dmitry Peskov's, Zakharova's and Cornelia Litschauer's
  words, not an inverted frame ("..., said Zakharova") whose speaker follows the verb. "I", "we" and "you" are the
  writer, not a speaker. :func:`attribute_sentences` reads each document in order: a pronoun speaker ("he said")
  takes the most recent named speaker within four sentences; a quote left open runs on through the next sentences
  and counts only where a closing mark of its kind ends it within six (then the sentences in between are quoted,
  with the speaker named at either end); a closing mark the segmenter left at the end of a sentence, before the
  next one's words, is moved back to where it belongs.
* What sentence rules cannot see: block quotes without marks, and sentences inside a multi-sentence quote when
  :func:`attribute` reads them alone. The rules are English; other languages' sentences are the author's unless
  quote marks say otherwise.
* Why rules: the one library that attributes quotations (textacy's ``direct_quotations``) needs spaCy and a
  downloaded model, neither of which the project can rely on (no network at run time). The rules live in
  ``lexicons/attribution.yaml``; they were written on the ``dev`` half of the hand-labelled gold in
  ``data/external/attribution`` and are scored on its ``test`` half by :func:`score`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from framing.config import EXTERNAL_DIR
from framing.features.registry import Feature, Inputs, Table, missing_as_na
from framing.lexicons import LexiconError, lexicon_path, load_yaml

VOICES = ("author", "quoted", "reported")
UNIT_COLUMNS = ("doc_id", "sent_idx", "unit_idx", "char_start", "char_end", "voice", "speaker", "speaker_ref", "cue")
_VOICE_RANK = {"author": 0, "reported": 1, "quoted": 2}  # ties in a sentence go to the non-author voice
_TO_HEARER = frozenset("told tells asked asks urged urges warned warns assured reminded".split())  # "told X": X hears
_PERSONAL = frozenset({"he", "she", "they"})  # pronoun speakers that take the last named speaker
PRONOUN_REACH = 4  # sentences back a pronoun speaker ("she said") looks for the name it stands for
MAX_QUOTE_RUN = 6  # sentences a quote left open may run on for in :func:`attribute_sentences`

_DETERMINERS = frozenset("the a an this these those his her its their our some many several two three four "
                         "five both all most one another other each every no".split())
_CONNECTORS = frozenset("of for and the de da del la le al von van bin el di du des & at".split())
_SUBORDINATORS = frozenset("that whether if what which who whom whose as because when while although though after "
                           "before since until unless where why how once whereas who's".split())
_PREPOSITIONS = frozenset("at in on for with by from after before during since under over to into of as about "
                          "against among amid between through without within across despite".split())
_TIME_TAIL = re.compile(
    r"(?:\s+(?:on|last|this|early|late|earlier|later|in|since))?\s+(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
    r"|yesterday|today|tonight|(?:this|last|next) (?:week|month|year|weekend)|(?:January|February|March|April|May|"
    r"June|July|August|September|October|November|December)(?: \d{4})?|\d{4})\s*$")
_LEADING_FILLER = frozenset("and but or so yet however meanwhile then now also thus still even later earlier "
                            "moreover furthermore instead indeed nevertheless nonetheless besides further".split())
_TRAILING_FILLER = frozenset("has have had also then quickly first previously later again recently reportedly "
                             "publicly openly repeatedly just already only still both all now once further even did "
                             "does do is are was were would will not never has been had been have been itself "
                             "himself herself themselves".split())
_TIME_WORDS = frozenset("monday tuesday wednesday thursday friday saturday sunday january february march april may "
                        "june july august september october november december".split())
_BE = frozenset("is are was were be been being am 's 're".split())
_ADJUNCT_START = re.compile(
    r"^(?:on|in|at|during|after|before|when|while|of|from|last|this|earlier|later|yesterday|today|tonight|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|via|through|with|by|as|about|over|afterwards|"
    r"recently|previously|again|also|then|late|early|[0-9])\b", re.IGNORECASE)
_WORD = re.compile(r"\S+")
_ALNUM = re.compile(r"\w")
_BOUNDARY = re.compile(r";\s+|\s+[–—]\s+|\s+-{1,2}\s+|,\s+(?=but\b|yet\b|(?:while|whereas|although|though)\s+"
                       r"(?!(?:on|in|at|with|for|from|under|during|still|not|also)\b))"
                       r"|\s+(?=but\b)|(?<=[?!])[\"”’']?\s*(?=[A-Z\"“])|(?<=\.)[\"”]\s*(?=[A-Z])")
_CLAUSE_FINAL = re.compile(r"(?:\s+(?:on|in|at|last|this|earlier)\s+[\w-]+){0,2}\s*[.!?\"”’)]*\s*$")
_OPEN_BEFORE = frozenset("([{—–-/ \t\n")
_CLOSE_AFTER = frozenset(".,;:!?)]}—–- \t\n…")


@dataclass(frozen=True)
class AttributionRules:
    """The cues of ``lexicons/attribution.yaml``, compiled."""

    verbs: dict[str, str]  # verb form -> family ("speech" or "cognition")
    verb_pattern: re.Pattern[str]
    quote_frame_pattern: re.Pattern[str]  # verbs and the verbs that frame a quote only right after it
    requires: dict[str, re.Pattern[str]]  # form -> what must follow it
    blocked_after: frozenset[str]
    prepositions: tuple[tuple[str, re.Pattern[str]], ...]  # (cue, pattern) for "according to X" and the like
    hearsay: re.Pattern[str]
    dateline: re.Pattern[str]
    agencies: dict[str, str]  # agency as written (lower case) -> slug
    told_outlet: re.Pattern[str]
    quote_pairs: tuple[tuple[str, str], ...]
    quote_chars: frozenset[str]
    scare_max_words: int
    frameless_share: float
    pronouns: frozenset[str]
    first_person: frozenset[str]
    title_words: frozenset[str]
    speaker_nouns: frozenset[str]
    headline_stop: frozenset[str]
    trigger: re.Pattern[str]  # any cue at all: sentences without one are the author's, fast
    headline: re.Pattern[str] = field(default=re.compile(
        r"^\s*((?:[A-Z][\w.'’-]*)(?:\s+(?:[A-Z][\w.'’-]*|of|the|de|al|bin|for))*)\s*:\s+(?=\S)"))

    @classmethod
    def load(cls, path: Path | None = None) -> AttributionRules:
        """Load ``attribution.yaml`` (or a file in its format)."""
        path = path or lexicon_path("attribution")
        data = load_yaml(path)
        try:
            return cls._from_data(data)
        except (KeyError, TypeError, AttributeError, ValueError, re.error) as exc:
            raise LexiconError(f"{path}: malformed attribution rules ({exc!r})") from exc

    @classmethod
    def _from_data(cls, data: dict[str, Any]) -> AttributionRules:
        verbs: dict[str, str] = {}
        for family, lemmas in data["verbs"].items():
            for forms in lemmas.values():
                for form in forms:
                    verbs[str(form)] = str(family)
        if not verbs:
            raise ValueError("no verbs")
        requires: dict[str, re.Pattern[str]] = {}
        for entry in (data.get("requires") or {}).values():
            pattern = re.compile(str(entry["pattern"]))
            for form in entry["forms"]:
                requires[str(form)] = pattern
        forms = sorted(verbs, key=len, reverse=True)
        verb_pattern = re.compile(r"(?<![\w'’-])(" + "|".join(map(re.escape, forms)) + r")(?![\w'’-])")
        after = sorted({*forms, *map(str, data.get("quote_frame_verbs") or [])}, key=len, reverse=True)
        quote_frame_pattern = re.compile(r"(?<![\w'’-])(" + "|".join(map(re.escape, after)) + r")(?![\w'’-])")
        prepositions = tuple((str(cue), re.compile(rf"(?<![\w-])(?:{pat})(?![\w-])", re.IGNORECASE))
                             for cue, pat in data["prepositions"].items())
        agencies = {str(k): str(v) for k, v in data["agencies"].items()}
        names = "|".join(re.escape(a) for a in sorted(agencies, key=len, reverse=True))
        dateline = re.compile(r"^\s*(?:[A-Z][A-Za-z.'’ -]{1,40}?,?\s+)?(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+)?"
                              rf"\(({names})\)\s*[-–—:]+\s*")
        told = sorted({str(o) for o in data["told_outlets"]}, key=len, reverse=True)
        told_outlet = re.compile(r"\s+(?:" + "|".join(map(re.escape, told)) + r")(?![\w-])")
        pairs = tuple((str(a), str(b)) for a, b in data["quote_pairs"])
        quote_chars = frozenset(ch for pair in pairs for ch in pair)
        trigger_parts = [verb_pattern.pattern, *(f"(?i:{p.pattern})" for _, p in prepositions), str(data["hearsay"]),
                         "[" + re.escape("".join(sorted(quote_chars))) + "]", r"^\s*[A-Z][^:]{0,60}:\s", r"\("]
        return cls(
            verbs=verbs, verb_pattern=verb_pattern, quote_frame_pattern=quote_frame_pattern, requires=requires,
            blocked_after=frozenset(str(w).lower() for w in data["blocked_after"]),
            prepositions=prepositions, hearsay=re.compile(rf"(?<![\w-])(?:{data['hearsay']})(?![\w-])"),
            dateline=dateline, agencies={k.lower(): v for k, v in agencies.items()}, told_outlet=told_outlet,
            quote_pairs=pairs, quote_chars=quote_chars, scare_max_words=int(data["scare_quote_max_words"]),
            frameless_share=float(data["frameless_quote_share"]),
            pronouns=frozenset(str(w).lower() for w in data["pronouns"]),
            first_person=frozenset(str(w).lower() for w in data["first_person"]),
            title_words=frozenset(str(w).lower() for w in data["title_words"]),
            speaker_nouns=frozenset(str(w).lower() for w in data["speaker_nouns"]),
            headline_stop=frozenset(str(w).lower() for w in data["headline_stop"]),
            trigger=re.compile("|".join(f"(?:{p})" for p in trigger_parts)),
        )


@lru_cache(maxsize=1)
def default_rules() -> AttributionRules:
    """The shipped rules (loaded once)."""
    return AttributionRules.load()


@dataclass(frozen=True)
class Unit:
    """A stretch of a sentence in one voice; ``start``/``end`` are character offsets into the sentence text."""

    start: int
    end: int
    voice: str
    speaker: str
    cue: str


# ---------------------------------------------------------------- quote marks

@dataclass(frozen=True)
class _Quote:
    start: int  # the opening mark (0 for a quote closed here but opened before the sentence)
    end: int  # after the closing mark (len(text) for a quote left open)
    inner_start: int
    inner_end: int
    kind: str  # "pair", "open" (no closing mark) or "close" (no opening mark)
    words: int
    mark: str  # the opening mark's character (the family, for quotes that run over sentences)


def _is_mark(text: str, i: int, ch: str) -> bool:
    """A straight single mark is a quote mark only at a word edge (not "Maduro's", "don't")."""
    if ch != "'":
        return True
    prev = text[i - 1] if i else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    return not (prev.isalnum() and nxt.isalnum()) and not nxt.isdigit()  # not "Maduro's", "don't", "the '90s"


def _role(text: str, i: int) -> str:
    """``open``, ``close`` or ``either`` for a straight mark, from the characters around it."""
    prev = text[i - 1] if i else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    opens = (i == 0 or prev in _OPEN_BEFORE or prev in "\"“‘«") and not nxt.isspace() and i + 1 < len(text)
    closes = i > 0 and not prev.isspace() and (i + 1 == len(text) or nxt in _CLOSE_AFTER or nxt in "\"”’»")
    if not opens and not closes and prev in ".?!," and nxt.isupper():
        return "glued"  # 'coincidence?"Unable' / 'House."I'm': closes a quote open before, else opens one
    if opens and not closes:
        return "open"
    if closes and not opens:
        return "close"
    return "either"


def _words(text: str) -> int:
    return len(re.findall(r"\w+(?:['’-]\w+)*", text))


def _quotes(text: str, rules: AttributionRules, *, open_mark: str | None = None) -> list[_Quote]:
    """Quote spans of ``text``, outermost only, in order.

    ``open_mark``: a quote with that opening mark runs on from the sentence before, so the first closing mark of its
    family closes it.
    """
    found: list[_Quote] = []
    used: set[int] = set()
    for opener, closer in rules.quote_pairs:
        if opener not in text and closer not in text and open_mark != opener:
            continue
        pending: int | None = None
        lone_close_ok = True  # only a closing mark before any opening one can close a quote from before
        carried = open_mark == opener
        for i, ch in enumerate(text):
            if i in used or ch not in (opener, closer) or not _is_mark(text, i, ch):
                continue
            if carried:  # closes the quote that ran on from the sentence before
                if ch == closer and (opener != "'" or i == 0 or text[i - 1] in ".,!?…;:"):
                    if opener == closer and i > 0 and _role(text, i) == "open":
                        carried = False  # an opening mark: the quote from before did not run on to here
                        lone_close_ok = False
                    else:
                        found.append(_Quote(0, i + 1, 0, i, "close", _words(text[:i]), opener))
                        used.add(i)
                        carried = False
                        lone_close_ok = False
                        continue
                else:
                    continue
            role = _role(text, i) if opener == closer else ("open" if ch == opener else "close")
            if opener == "'" and role != "open" and pending is None:
                # a closing single mark with nothing open: an apostrophe ("countries'") unless it ends speech
                prev = text[i - 1] if i else " "
                if not (lone_close_ok and prev in ".,!?…" and i + 1 >= len(text.rstrip())):
                    continue
            if pending is not None and role in ("close", "either", "glued"):
                found.append(_Quote(pending, i + 1, pending + 1, i, "pair", _words(text[pending + 1:i]), opener))
                used.update((pending, i))
                pending = None
            elif role in ("open", "glued") or (role == "either" and pending is None and not (
                    lone_close_ok and i > 0 and _ends_speech(text, i))):
                pending = i  # a second opening mark replaces one never closed
                lone_close_ok = False
            elif lone_close_ok:
                found.append(_Quote(0, i + 1, 0, i, "close", _words(text[:i]), opener))
                used.add(i)
                lone_close_ok = False
        if carried:  # the quote from before runs through the whole sentence
            found.append(_Quote(0, len(text), 0, len(text), "open", _words(text), opener))
        elif pending is not None and text[pending + 1:].strip():
            found.append(_Quote(pending, len(text), pending + 1, len(text), "open", _words(text[pending + 1:]),
                                opener))
            used.add(pending)
    found.sort(key=lambda q: (q.start, -q.end))
    outer: list[_Quote] = []
    for q in found:
        if outer and q.start < outer[-1].end:
            continue  # nested in (or crossing) an earlier quote
        outer.append(q)
    return outer


def _ends_speech(text: str, i: int) -> bool:
    """A straight mark right after the end of a clause (``...here," she said``): a closing mark."""
    return text[i - 1] in ".,!?…"


# ---------------------------------------------------------------- speakers

def _tokens(text: str, offset: int = 0) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start() + offset, m.end() + offset) for m in _WORD.finditer(text)]


def _bare(word: str) -> str:
    return word.strip(".,;:!?\"'“”‘’()[]«»").lower()


def _is_name(word: str) -> bool:
    w = word.strip("\"'“”‘’([«")
    return bool(w) and (w[0].isupper() or w[0].isdigit())


def _first_person(word: str, rules: AttributionRules) -> bool:
    """"I", "we", "you" (not "US", the country)."""
    w = word.strip(".,;:!?\"'“”‘’()[]«»")
    return _bare(w) in rules.first_person and not (len(w) > 1 and w.isupper())


def _strip_contraction(word: str) -> str:
    for suffix in ("'re", "’re", "'ve", "’ve", "'d", "’d"):
        if word.lower().endswith(suffix):
            return word[: -len(suffix)]
    return word


def _np_suffix(chunk: str, offset: int, rules: AttributionRules) -> tuple[int, str, bool] | None:
    """The noun phrase that ends ``chunk`` (the words right before a verb), as (start, text, subordinate).

    ``subordinate``: a subordinating word (that, whether, who, as ...) stands before the phrase in the chunk.
    None when the chunk ends in no plausible speaker.
    """
    toks = _tokens(chunk, offset)
    while toks and (_bare(toks[-1][0]) in _TRAILING_FILLER or (_bare(toks[-1][0]).endswith("ly")
                                                              and not _is_name(toks[-1][0]))):
        toks.pop()
    if not toks:
        return None
    last_word, last_start, _ = toks[-1]
    head = _strip_contraction(last_word)
    if head != last_word:
        toks[-1] = (head, last_start, last_start + len(head))
    bare = _bare(head)
    if bare in ("which", "who") and len(toks) > 1:  # "a 2018 study which found that": the antecedent speaks
        antecedent = _np_suffix(chunk[:last_start - offset], offset, rules)
        return (antecedent[0], antecedent[1], True) if antecedent and antecedent[1] else None
    if not bare or bare in _SUBORDINATORS or bare in rules.blocked_after or bare in ("and", "or", "but") \
            or bare in _TIME_WORDS:
        return None
    lo = len(toks) - 1
    if _first_person(head, rules):
        return (toks[lo][1], "", False)  # the writer speaking: no attribution
    if bare in rules.pronouns:
        pass
    elif _is_name(head):
        while lo > 0:
            w = toks[lo - 1][0]
            b = _bare(w)
            if w.endswith(",") or w.endswith(":") or w.endswith(";") or b in _TIME_WORDS or (
                    b in _PREPOSITIONS | _SUBORDINATORS | _LEADING_FILLER and b not in _CONNECTORS):
                break
            if _is_name(w) or b in rules.title_words or b in _CONNECTORS:
                lo -= 1
            elif b in _DETERMINERS:
                lo -= 1
                break
            else:
                break
    else:
        # a lower-case head: "the tech giant", "Progressive activists", "officials", "the Russian minister"
        det = None
        for j in range(lo - 1, max(-1, lo - 5), -1):
            w = toks[j][0]
            if w.endswith((",", ":", ";")) or _bare(w) in _SUBORDINATORS:
                break
            if _bare(w) in _DETERMINERS:
                det = j
                break
        if det is not None:
            lo = det
        elif bare in rules.speaker_nouns or bare in rules.title_words:
            while lo > 0 and not toks[lo - 1][0].endswith((",", ":", ";")) and (
                    _is_name(toks[lo - 1][0]) or _bare(toks[lo - 1][0]) in rules.title_words):
                lo -= 1
        else:
            return None
    # drop leading connectors and fillers ("and the State Department")
    while lo < len(toks) - 1 and (_bare(toks[lo][0]) in _LEADING_FILLER or _bare(toks[lo][0]) in ("and", "of")):
        lo += 1
    if len(toks) - lo > 12:
        return None
    start = toks[lo][1]
    end = toks[-1][2]
    subordinate = any(_bare(w) in _SUBORDINATORS for w, _, _ in toks[:lo])
    text = chunk[start - offset:end - offset].strip(" ,;:\"'“”‘’")
    if not _ALNUM.search(text):
        return None
    return (start, text, subordinate)


def _last_cut(text: str, lo: int, hi: int, marks: str = ",:(\"”“’") -> int:
    """The last of ``marks`` in ``text[lo:hi]`` (-1: none)."""
    return max(text.rfind(ch, lo, hi) for ch in marks)


def _only_filler(chunk: str) -> bool:
    return all(_bare(w) in _TRAILING_FILLER or _bare(w) in _LEADING_FILLER or _bare(w).endswith("ly")
               for w in chunk.split())


def _verb_subject(text: str, lo: int, verb_start: int) -> tuple[int, int, str]:
    """Where the subject of a verb at ``verb_start`` can be: (the last cut mark before it, the chunk's start, chunk).

    The chunk is ``text`` from after the last comma, colon, bracket or quote mark to the verb, without a
    parenthetical aside, fillers or a time at its end ("The Democratic mayor on Thursday first announced").
    """
    aside = re.search(r"\s*\([^()]{0,40}\)\s*$", text[lo:verb_start])
    if aside:  # "Padrino has (rightfully) accused"
        verb_start = lo + aside.start()
    cut = _last_cut(text, lo, verb_start)
    chunk_lo = cut + 1 if cut >= 0 else lo
    chunk = text[chunk_lo:verb_start]
    while True:  # fillers and a time off the end
        words = chunk.rstrip().split(" ")
        if words and words[-1] and (_bare(words[-1]) in _TRAILING_FILLER or _bare(words[-1]).endswith("ly")):
            chunk = chunk.rstrip()[: -len(words[-1])]
            continue
        tail = _TIME_TAIL.search(chunk)
        if tail and tail.start() > 0:
            chunk = chunk[:tail.start()]
            continue
        break
    return cut, chunk_lo, chunk


def _apposition_before(text: str, lo: int, verb_start: int, rules: AttributionRules
                       ) -> tuple[int, str, bool] | None:
    """The name before an apposition or relative clause set off by commas right before a verb.

    As (start, name, subordinate): "Bolton, the hawkish adviser, said", "Zakharova, who speaks for the ministry,
    said", "Bolton, Trump's adviser, told", "Bolton, 70, said" give Bolton / Zakharova; None when the words before
    the verb end in no such aside.
    """
    cut, _, chunk = _verb_subject(text, lo, verb_start)
    if cut < 0 or text[cut] != "," or not _only_filler(chunk):
        return None
    cut2 = _last_cut(text, lo, cut)
    if cut2 < 0 or text[cut2] != "," or text[cut2 - 1:cut2 + 2].replace(",", "").isdigit():  # not "6,000"
        return None
    words = text[cut2 + 1:cut].split()
    if not words:
        return None
    first = _bare(words[0])
    if first == "and" or not (first in _DETERMINERS or first in _SUBORDINATORS or first in rules.title_words
                              or re.fullmatch(r"\d{1,3}", first) or _is_name(words[0]) and words[0].endswith(
                                  ("'s", "’s"))):
        return None
    head_lo = _last_cut(text, lo, cut2)
    head_lo = head_lo + 1 if head_lo >= 0 else lo
    name = _np_suffix(text[head_lo:cut2], head_lo, rules)
    if not name or not name[1] or _bare(name[1]) in _LEADING_FILLER:  # "Meanwhile, the ..., said"
        return None
    if (name[1][0].isalpha() and _is_name(name[1].split()[0])) or name[1].lower() in rules.pronouns:
        return name
    return None


def _speaker_before(text: str, lo: int, verb_start: int, rules: AttributionRules) -> tuple[int, str, bool] | None:
    """The speaker right before a verb, as (start, text, subordinate).

    The speaker lies in ``text[lo:verb_start]``; appositions and relative clauses between commas are stepped over
    and left out of the name (:func:`_apposition_before`).
    """
    cut, chunk_lo, chunk = _verb_subject(text, lo, verb_start)
    found = _np_suffix(chunk, chunk_lo, rules)
    if found is None and _only_filler(chunk) and cut >= 0 and text[cut] == ",":
        # "Dmitry Peskov, the spokesman for the Kremlin, said" / "Merkley, who's mulling a bid, said" /
        # "spokeswoman, Maria Zakharova, wrote"
        named = _apposition_before(text, lo, verb_start, rules)
        if named is not None:
            return named
        cut2 = _last_cut(text, lo, cut)
        app_lo = cut2 + 1 if cut2 >= 0 else lo
        appositive = text[app_lo:cut]
        first = _bare(appositive.split()[0]) if appositive.split() else ""
        words = appositive.split()
        if len(words) > 6 or not words or not (_is_name(words[0]) or first in _DETERMINERS):
            return None  # "..., but suddenly clear-eyed when realizing that ..., are pointing out": no name here
        return _np_suffix(appositive, app_lo, rules)
    if found is not None and found[1] and cut >= 0 and text[cut] == ",":
        first = _bare(chunk.split()[0]) if chunk.split() else ""
        head_lo = _last_cut(text, lo, cut)
        head_lo = head_lo + 1 if head_lo >= 0 else lo
        head = text[head_lo:cut].strip()
        if (first in rules.title_words or first in ("a", "an")) and head and _is_name(head.split()[0]) and all(
                _is_name(w) for w in head.split()):
            # "Yevgeny Shabayev, leader of a local chapter of a paramilitary group told Reuters": Yevgeny Shabayev
            return (head_lo + len(text[head_lo:cut]) - len(text[head_lo:cut].lstrip()), head.strip(" ,"), found[2])
        if " and " in found[1] and len(head.split()) <= 3 and head and all(_is_name(w) for w in head.split()):
            # "Paris, Berlin and Madrid announced"
            start = head_lo + len(text[head_lo:cut]) - len(text[head_lo:cut].lstrip())
            return (start, text[start:found[0]] + found[1], found[2])
    if found is not None and found[1] and not found[2] and not text[lo:chunk_lo].strip(" ,\"'“”"):
        # a clause-initial noun phrase, whole: "A third source close to the Russian contractors also told"
        words = chunk.split()
        while words and (_bare(words[-1]) in _TRAILING_FILLER or _bare(words[-1]).endswith("ly")):
            words.pop()
        while words and _bare(words[0]) in _LEADING_FILLER:
            words.pop(0)
        if (words and len(words) <= 10 and _bare(words[0]) not in _PREPOSITIONS
                and _bare(words[0]) not in _SUBORDINATORS
                and (_bare(words[0]) in _DETERMINERS or _is_name(words[0]))
                and not any(_bare(w) in _BE or _bare(w) in ("has", "have", "had") for w in words)):
            whole = " ".join(words)
            start = text.find(words[0], chunk_lo)
            if len(whole) > len(found[1]) and start >= 0:
                return (start, whole.strip(" ,;:\"'“”"), False)
    return found


def _speaker_after(text: str, pos: int, end: int, rules: AttributionRules) -> tuple[int, str] | None:
    """The speaker right after a verb (``said Chad Bolt, associate policy director``): up to the next comma."""
    rest = text[pos:end]
    m = re.match(r"\s+((?:the |a |an )?[A-Z][^,;:.!?\"“”]{0,80}?|(?:the |a |an )[^,;:.!?\"“”]{1,60}?)(?=[,;:.!?]|$)",
                 rest)
    if not m:
        return None
    name = m.group(1).strip()
    words = name.split()
    if not words or len(words) > 12 or _first_person(words[0], rules) or _bare(words[0]) in _SUBORDINATORS:
        return None
    if not _is_name(words[0]) and not any(_is_name(w) or _bare(w) in rules.title_words for w in words[1:3]):
        return None  # "announced the deployment during ...": an object, not a speaker
    return (pos + m.start(1), name)


def _main_subject(text: str, lo: int, hi: int, rules: AttributionRules) -> str:
    """The subject of the clause ``text[lo:hi]`` (for "..., saying ..."): its first noun phrase."""
    toks = _tokens(text[lo:hi], lo)
    i = 0
    # skip a leading adjunct that ends in a comma ("Meanwhile,", "On Thursday,", "Bizarrely,")
    for j, (w, _, _) in enumerate(toks[:12]):
        if w.endswith(","):
            first = _bare(toks[0][0])
            if first in _LEADING_FILLER or first in _SUBORDINATORS or first.endswith("ly") or first in (
                    "on", "in", "at", "after", "before", "during", "with", "for", "from", "by", "responding",
                    "speaking", "asked", "earlier", "later", "last", "this"):
                i = j + 1
            break
    while i < len(toks) and _bare(toks[i][0]) in _LEADING_FILLER:
        i += 1
    out: list[str] = []
    for w, _, _ in toks[i:i + 10]:
        b = _bare(w)
        if b in rules.verbs or b in _BE or b in _TRAILING_FILLER:
            break
        if _is_name(w) or b in _CONNECTORS or b in _DETERMINERS or b in rules.title_words:
            out.append(w)
        elif out and (b in rules.speaker_nouns or out[-1].lower() in _DETERMINERS):
            out.append(w)
        else:
            break
        if w.endswith((",", ";", ":")):
            break
    while out and _bare(out[-1]) in _CONNECTORS | _DETERMINERS:
        out.pop()
    name = " ".join(out).strip(" ,;:\"'“”")
    if not name or _first_person(name.split()[0], rules):
        return ""
    return name


# ---------------------------------------------------------------- frames

@dataclass(frozen=True)
class _Frame:
    start: int
    end: int
    voice: str
    speaker: str
    cue: str
    priority: int  # lower wins an overlap
    anchor: int  # where the cue is: a frame whose cue lies inside a unit already taken is nested in it


class _Sentence:
    """One sentence with its quotes and clause boundaries."""

    def __init__(self, text: str, rules: AttributionRules, open_mark: str | None):
        self.text = text
        self.rules = rules
        self.quotes = _quotes(text, rules, open_mark=open_mark)
        cuts = [m.end() for m in _BOUNDARY.finditer(text) if not self.in_quote(m.start())]
        self.cuts = [0, *cuts, len(text)]

    def in_quote(self, pos: int) -> bool:
        return any(q.start <= pos < q.end for q in self.quotes)

    def clause(self, pos: int) -> tuple[int, int]:
        """The clause around ``pos``: (start, end)."""
        i = bisect.bisect_right(self.cuts, pos) - 1
        i = max(0, min(i, len(self.cuts) - 2))
        return self.cuts[i], self.cuts[i + 1]

    def outer_start(self, c0: int) -> int:
        """Where a clause-final frame's content starts: back over "but"/"while" cuts.

        As in "X is not binding but signals Y, a spokesperson said".
        """
        while c0 > 0 and re.match(r"(?:but|while|whereas|yet|although|though)\b", self.text[c0:]):
            c0 = self.clause(c0 - 1)[0]
        return c0

    def content_end(self, pos: int, end: int) -> int:
        """Where the content of a frame at ``pos`` ends.

        Its clause's end, or past a spaced dash that goes on with "and"/"or" and no frame of its own ("expect storms
        to grow — and intensify — as ...").
        """
        while end < len(self.text) and re.match(r"(?:and|or)\b", self.text[end:]) and re.search(
                r"[–—-]\s*$", self.text[max(0, end - 4):end]):
            nxt = self.clause(end)[1]
            if self.rules.verb_pattern.search(self.text, end, nxt):
                break
            end = nxt
        return end

    def verbs(self, lo: int = 0, hi: int | None = None) -> Iterable[re.Match[str]]:
        """Verb forms in ``text[lo:hi]`` outside quotes that can be frames (not blocked, with what they require)."""
        text = self.text
        hi = len(text) if hi is None else hi
        for m in self.rules.verb_pattern.finditer(text, lo, hi):
            if self.in_quote(m.start()):
                continue
            prev = text[max(0, m.start() - 40):m.start()].split()
            if prev and not re.search(r"[,;:\"”“)]$", prev[-1]):
                word = _bare(prev[-1])
                if word in self.rules.blocked_after:
                    continue
            need = self.rules.requires.get(m.group(1))
            if need is not None and not need.match(text, m.end()) and not (
                    _CLAUSE_FINAL.match(text, m.end())
                    and re.search(r"[,\"”]\s*(?:\S+\s+){0,6}$", text[max(0, m.start() - 80):m.start()])):
                continue  # (", Reuters reports." needs no "that"; "... of Arab and Muslim states." is no frame)
            yield m

    def is_passive(self, m: re.Match[str]) -> bool:
        prev = self.text[max(0, m.start() - 40):m.start()].split()
        while prev and _bare(prev[-1]).endswith("ly"):  # "has been widely criticised"
            prev.pop()
        return bool(prev) and _bare(prev[-1]) in _BE and not m.group(1).endswith("ing")

    def is_progressive(self, m: re.Match[str]) -> bool:
        prev = self.text[max(0, m.start() - 30):m.start()].split()
        if not prev or not m.group(1).endswith("ing"):
            return False
        last = prev[-1].lower()
        return _bare(last) in _BE or last.endswith(("'re", "’re", "'s", "’s")) and not last.startswith("it")


def _adjunct_only(rest: str, verb: str, rules: AttributionRules) -> bool:
    """Whether what follows a clause-final verb is only its adjuncts ("on Tuesday", "told RT", "in a statement")."""
    rest = rest.strip(" \t\n.,;:!?\"'”’)")
    if not rest:
        return True
    if verb in ("told", "tells", "asked", "urged", "warned", "assured", "reminded"):
        m = rules.told_outlet.match(" " + rest) or re.match(
            r"\s*(?:(?:the|a|an|his|her|their)\s+)?(?:[A-Z][\w.'’-]*(?:\s+(?:of|for|and|the|on|[A-Z][\w.'’-]*))*"
            r"|(?:\S+\s+){0,2}?(?:journalists|reporters|lawmakers|members|officials|supporters|\w+))", " " + rest)
        if m:
            rest = (" " + rest)[m.end():].strip(" \t\n.,;:!?\"'”’)")
            if not rest:
                return True
    if " that " in f" {rest} " or len(rest.split()) > 16:
        return False
    return bool(_ADJUNCT_START.match(rest))


def _verb_frames(s: _Sentence, taken: list[tuple[int, int]], seeds: list[_Frame]) -> list[_Frame]:
    """Reporting frames around speech and cognition verbs, outside the quotes already taken.

    ``seeds``: the quoted units, whose speakers a participle after them takes.
    """
    text, rules = s.text, s.rules
    frames: list[_Frame] = []
    for m in s.verbs():
        form = m.group(1)
        v0, v1 = m.start(), m.end()
        if any(a <= v0 < b for a, b in taken) or s.is_passive(m):
            continue
        c0, c1 = s.clause(v0)
        c1 = s.content_end(v1, c1)
        cue = _cue(form, text, v1, rules)
        participle = form.endswith("ing") and not s.is_progressive(m)
        if participle:
            intro = re.search(r"(?:[,;:(]|\b(?:by|while|after|before|when|also|then|again))\s*$",
                              text[c0:v0])
            if re.search(r"\bwithout\s*$", text[c0:v0]):
                continue  # "it goes without saying"
            if not intro and form != "saying" and not re.match(r"(?:\s+\S+){0,2}?\s+that\b|\s*[,:]?\s*[\"“]",
                                                              text[v1:]):
                continue  # "the White House promising funds": a gerund, not a reporting frame
            speaker = _participle_speaker(s, v0, [*seeds, *frames])
            comma_at = c0 + intro.start() if intro is not None and text[c0 + intro.start()] == "," else -1
            if not speaker and (comma_at < 0 or _first_person(text[c0:v0].split()[0] if text[c0:v0].split() else "",
                                                              rules)):
                continue  # "I don't have any trouble believing that ...": the writer's words
            start = comma_at if comma_at >= 0 else v0
            frames.append(_Frame(start, c1, "reported", speaker, cue, 4, v0))
            continue
        # inverted: "..., said Russian Foreign Ministry spokeswoman Maria Zakharova." (not "Bolton, the hawkish
        # adviser, said Maduro ...": a subject and its apposition)
        before = text[c0:v0].rstrip()
        if before.endswith((",", "\"", "”")) and len(before.split()) >= 3 and form not in _TO_HEARER:
            after = _speaker_after(text, v1, c1, rules)
            subject = _apposition_before(text, c0, v0, rules) if after is not None else None
            if subject is not None and " " not in subject[1] and subject[1].lower().endswith("ly"):
                subject = None  # "Nationally, the industry generates ..., said Brandon Wright": an adverb
            if after is not None and subject is None:
                frames.append(_Frame(c0, c1, "reported", after[1], cue, 1, v0))
                continue
        coordinated = re.search(r"(?:^|\s)(?:and|but|or)\s+(?:\w+ly\s+|also\s+|then\s+)*$", text[c0:v0])
        if coordinated and not re.search(r"[,;:]", text[c0 + coordinated.start():v0]):
            # "which sided with Maduro and criticized Washington": the clause's subject speaks, in this predicate
            speaker = _participle_speaker(s, v0, [*seeds, *frames])
            if speaker:
                start = c0 + coordinated.start() + (1 if text[c0 + coordinated.start()].isspace() else 0)
                frames.append(_Frame(start, c1, "reported", speaker, cue, 4, v0))
            continue
        found = _speaker_before(text, c0, v0, rules)
        if found is None:
            continue
        sp_start, speaker, subordinate = found
        if not speaker:  # "I think", "we believe": the writer's own words
            continue
        lead = text[c0:sp_start]
        as_frame = re.search(r"(?:^|[\s,(])as\s+$", text[max(c0, sp_start - 6):sp_start], re.IGNORECASE)
        if as_frame:  # "as Sachs explained:" — the writer says it, citing someone (a unit of its own)
            start = sp_start - len(text[max(c0, sp_start - 6):sp_start]) + as_frame.start()
            frames.append(_Frame(start, c1 if _adjunct_only(text[v1:c1], form, rules) else c1, "reported", speaker,
                                 cue, 2, v0))
            continue
        trailing = (not subordinate and len(lead.split()) >= 3 and lead.rstrip().endswith((",", "\"", "”", "’", ")"))
                    and _adjunct_only(text[v1:c1], form, rules))
        if not trailing and not text[v1:c1].strip(" .!?\"'”’)"):
            continue  # "a plan to update its emissions promises.": a noun, no frame
        if trailing:
            frames.append(_Frame(s.outer_start(c0), c1, "reported", speaker, cue, 1, v0))
        elif subordinate:
            sub = max(text.rfind(" " + w + " ", c0, sp_start) for w in _SUBORDINATORS)
            frames.append(_Frame(sub + 1 if sub >= 0 else sp_start, c1, "reported", speaker, cue, 5, v0))
        else:
            # the clause's lead-in belongs to the frame unless it holds a frame of its own ("..., saying he believes")
            start = sp_start if rules.verb_pattern.search(text, c0, sp_start) else c0
            frames.append(_Frame(start, c1, "reported", speaker, cue, 2, v0))
    return frames


_CONTRAST = re.compile(r"\b(?:while|whereas|but)\s+|;\s+")


def _participle_speaker(s: _Sentence, pos: int, frames: list[_Frame]) -> str:
    """Who speaks in "..., saying ...".

    The last speaker named before it in the sentence, or the subject of its clause; a "while"/"but" in between starts
    a new subject ("X called it strange while Y voiced solidarity, saying ...").
    """
    turn = max((m.end() for m in _CONTRAST.finditer(s.text, 0, pos) if not s.in_quote(m.start())), default=0)
    before = sorted((f for f in frames if f.anchor < pos and f.speaker), key=lambda f: f.anchor)
    if before and before[-1].anchor >= turn:
        return before[-1].speaker
    return _main_subject(s.text, turn, pos, s.rules) or (before[-1].speaker if before else "")


def _phrase_frames(s: _Sentence) -> list[_Frame]:
    """``according to X``, ``in the words of X``, ``as reported by X``, and passive hearsay."""
    text = s.text
    out: list[_Frame] = []
    for cue, pattern in s.rules.prepositions:
        for m in pattern.finditer(text):
            if s.in_quote(m.start()):
                continue
            name = re.match(r"\s*([^,;:.!?\"“”()]{1,80}?)\s*(?=[,;:.!?\"“”()]|$| that\b| who\b)", text[m.end():])
            if not name or len(name.group(1).split()) > 12 or not name.group(1).strip():
                continue
            c0, c1 = s.clause(m.start())
            if not text[m.end() + name.end():].strip(" .!?\"'”’)"):
                c0 = 0  # "..., according to Reuters." speaks for the whole sentence
            out.append(_Frame(c0, c1, "reported", name.group(1).strip(), cue, 3, m.start()))
    for m in s.rules.hearsay.finditer(text):
        if not s.in_quote(m.start()):
            c0, c1 = s.clause(m.start())
            out.append(_Frame(c0, c1, "reported", "", "hearsay", 6, m.start()))
    return out


def _quote_frames(s: _Sentence, frames_out: list[_Frame]) -> list[_Frame]:
    """Quoted units: each long quote with the frame that names its speaker (after it, before it, or none)."""
    text, rules = s.text, s.rules
    units: list[_Frame] = []
    extra: list[_Frame] = []
    stray: list[_Quote] = []
    for q in s.quotes:
        if q.kind == "pair" and q.words <= rules.scare_max_words:
            if q.end < len(text) and q.words:  # '"No," he said.': short, and speech all the same
                frame = _frame_after(s, q, q.end, s.clause(q.end)[1], extra)
                if frame is not None:
                    units.append(frame)
            continue
        c0, c1 = s.clause(max(q.start, 0))
        after_lo = q.end
        a_end = s.clause(min(after_lo, len(text) - 1))[1] if after_lo < len(text) else len(text)
        frame = _frame_after(s, q, after_lo, a_end, extra) if after_lo < len(text) else None
        if frame is None:
            frame = _frame_before(s, q, c0, extra, units)
        if frame is None:
            frame = _according_after(s, q, a_end)
        if frame is not None:
            units.append(frame)
            continue
        share = (q.end - q.start) / max(1, len(text.strip()))
        whole = share >= rules.frameless_share
        edge = (q.kind == "open" and not text[:q.start].strip()) or (
            q.kind == "close" and not text[q.end:].strip(" .,;:!?\"'”’)"))
        if q.kind == "close" and _opens_with_frame(s, q):
            stray.append(q)  # "She says that ... coal."": a stray mark after a reported clause, not a quote's end
            continue
        if (whole or edge) and not _title_case(text[q.inner_start:q.inner_end]):
            units.append(_Frame(q.start, q.end, "quoted", "", "quote_marks", 0, q.start))
    units.extend(extra)
    if stray:  # its words are no quote: the verbs in them are frames like any other
        s.quotes = [q for q in s.quotes if q not in stray]
    frames_out.extend(units)
    return units


def _title_case(text: str) -> bool:
    """Mostly capitalised words: a title in quote marks ("The Throne of Peace is Now Empty"), not speech."""
    words = re.findall(r"[^\W\d_][\w'’-]*", text)
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def _opens_with_frame(s: _Sentence, q: _Quote) -> bool:
    """A clause-initial reporting frame stands inside the span of a quote closed with no opening mark."""
    head = s.text[:q.inner_end]
    for m in s.rules.verb_pattern.finditer(head):
        found = _speaker_before(head, s.clause(m.start())[0], m.start(), s.rules)
        if found and found[1] and not _adjunct_only(head[m.end():], m.group(1), s.rules):
            return True
    return False


def _frame_after(s: _Sentence, q: _Quote, lo: int, hi: int, extra: list[_Frame]) -> _Frame | None:
    """``"...," Pompeo said`` / ``"...," said Chad Bolt``: the speaker frame right after a quote."""
    text, rules = s.text, s.rules
    rest = text[lo:hi]
    lead = re.match(r"[\s,.!?;:…]*", rest)
    start = lo + (lead.end() if lead else 0)
    if start >= hi or text[start] in "\"“”'‘’«»":
        return None
    m = next(iter(s.verbs(start, hi)), None)
    extra_verb = rules.quote_frame_pattern.search(text, start, hi)
    if extra_verb is not None and (m is None or extra_verb.start() < m.start()) and _CLAUSE_FINAL.match(
            text, extra_verb.end()) or (extra_verb is not None and m is None and re.match(
            r"(?:\s+(?:on|in|at|to|during|after|before)\b[^,;:.!?]*)?[.!?\"”’)]*\s*$", text[extra_verb.end():hi])):
        m = extra_verb  # '"...," Jansen continued.'
    if m is None:
        return None
    v0, v1 = m.start(), m.end()
    chunk = text[start:v0]
    if len(chunk.split()) > 20 or re.search(r"[.!?;]", chunk):
        return None
    q0 = _paraphrase_start(s, q)
    end = _frame_end(s, v1, hi)
    cue = _cue(m.group(1), text, v1, rules)
    if not chunk.strip():
        after = _speaker_after(text, v1, hi, rules)
        if after is None:
            return None
        return _split_paraphrase(q0, q, _Frame(q.start, end, "quoted", after[1], cue, 0, q.start), extra)
    words = chunk.split()
    if _first_person(words[0], rules) and len(words) == 1:
        return _split_paraphrase(q0, q, _Frame(q.start, end, "quoted", words[0], cue, 0, q.start), extra)
    found = _speaker_before(text, start, v0, rules)
    if found is None and len(words) <= 8 and (_is_name(words[0]) or _bare(words[0]) in _DETERMINERS) and not any(
            _bare(w) in (_SUBORDINATORS | _PREPOSITIONS | _BE) - {"of", "for", "at"} for w in words):
        found = (start, chunk.strip(" ,"), False)  # '"...," O'Rourke's legislative proposal states.'
    if found is None:
        return None
    lead_words = text[start:found[0]].replace(",", " ").split()
    plain_lead = (len(lead_words) <= 3 or text[start:found[0]].rstrip().endswith(",")) and not any(
        _bare(w) in _SUBORDINATORS | (_LEADING_FILLER - {"and"}) | _BE | (_PREPOSITIONS - {"of", "for", "at"})
        for w in lead_words)
    if not found[1] or found[2] or not (plain_lead or all(
            _is_name(w) or _bare(w) in rules.title_words for w in lead_words)):
        return None  # the words after the quote do not start with its speaker ('"..." of Venezuela while Paris said')
    apposed = _apposition_before(text, start, v0, rules)
    speaker = (apposed[1] if apposed is not None and apposed[0] == found[0] else
               text[start:v0].strip(" ,") if _is_name(words[0]) else found[1])
    return _split_paraphrase(q0, q, _Frame(q.start, end, "quoted", speaker, cue, 0, q.start), extra)


def _split_paraphrase(q0: int, q: _Quote, frame: _Frame, extra: list[_Frame]) -> _Frame:
    """Split a quote's unit from the speaker's words before it in its clause.

    In 'Tehran supports Caracas "in the face of ...," the spokesman said' the words before the quote are the
    speaker's too, reported; the quote and its frame are quoted.
    """
    if q0 < q.start:
        extra.append(replace(frame, start=q0, end=q.start, voice="reported", anchor=q0))
    return frame


def _cue(form: str, text: str, end: int, rules: AttributionRules) -> str:
    """``told_outlet`` for "told RT" and the like, else ``verb:<form>``."""
    return "told_outlet" if form in ("told", "tells") and rules.told_outlet.match(text, end) else f"verb:{form}"


def _paraphrase_start(s: _Sentence, q: _Quote) -> int:
    """Where a quote's unit starts.

    A quote mid-clause takes the clause's words before it (the speaker's paraphrase) unless they hold a frame of
    their own.
    """
    c0 = s.clause(q.start)[0]
    if q.start <= c0 or not s.text[c0:q.start].strip():
        return q.start
    if any(True for _ in s.verbs(c0, q.start)):
        return q.start
    return c0


def _frame_end(s: _Sentence, v1: int, hi: int) -> int:
    """Where a quote's frame ends: the clause end, or before ``, adding ...`` / ``, saying ...`` / another quote."""
    text = s.text
    m = re.search(r",\s+(?=[a-z]+ing\b)", text[v1:hi])
    end = v1 + m.start() if m and s.rules.verb_pattern.match(text, v1 + m.end()) else hi
    for q in s.quotes:
        if v1 <= q.start < end and (q.words > s.rules.scare_max_words or q.kind != "pair"):
            end = q.start
            break
    return end


def _frame_before(s: _Sentence, q: _Quote, c0: int, extra: list[_Frame], earlier: list[_Frame]) -> _Frame | None:
    """``Trump said: "..."`` / ``saying, "..."``: the speaker frame right before a quote."""
    text, rules = s.text, s.rules
    if q.start <= c0:
        return None
    candidates = [m for m in s.verbs(c0, q.start)]
    for m in reversed(candidates):
        between = text[m.end():q.start]
        if len(between.split()) > 8 or re.search(r"[.!?;]", between) or s.in_quote(m.start()):
            continue
        form = m.group(1)
        v0 = m.start()
        if form.endswith("ing") and not s.is_progressive(m):
            speaker = _participle_speaker(s, v0, [*earlier, *extra])
            comma = text.rfind(",", c0, v0)
            start = comma if comma >= 0 and not text[comma:v0].strip(" ,").count(" ") else v0
        else:
            found = _speaker_before(text, c0, v0, rules)
            if found is None or not found[1]:
                continue
            speaker = found[1]
            start = found[0] if rules.verb_pattern.search(text, c0, found[0]) else c0
            if found[2]:  # 'the bill for what President Trump said was "good business"': the quote only
                sub = max(text.rfind(" " + w + " ", c0, found[0]) for w in _SUBORDINATORS)
                start = sub + 1 if sub >= 0 else found[0]
        if not speaker and not form.endswith("ing"):
            continue
        cue = _cue(form, text, m.end(), rules)
        content = between.strip(" ,:")
        if (re.match(r"that\b", content) or len(content.split()) >= 3 and not _ADJUNCT_START.match(content)
                and not re.match(r"to\b", content)) and not rules.told_outlet.match(text, m.end()):
            # 'Paris said that Maduro's election was "illegal" and "Europe supports ...": their words, reported, then
            # quoted
            extra.append(_Frame(start, q.start, "reported", speaker, cue, 0, v0))
            start = q.start
        end = q.end
        c1 = s.clause(q.start)[1]
        rest = text[q.end:c1]
        if len(rest.split()) <= 6 or re.match(r"[\s,]*according to\b", rest):
            end = c1
        if end < c1 and re.match(r"[\s,]*[a-z]", rest):
            # 'pledged to "lead the world ...," prevent new leases and ...': the clause goes on in their words, up to
            # the next speaker ('claimed that X is "not legitimate" of Venezuela while Paris said ...')
            stop = c1
            nxt = next(iter(s.verbs(q.end, c1)), None)
            if nxt is not None:
                sp = _speaker_before(text, q.end, nxt.start(), rules)
                turn = [m.start() for m in _CONTRAST.finditer(text, q.end, nxt.start())]
                stop = turn[-1] if turn else (sp[0] if sp else nxt.start())
            if stop > q.end:
                extra.append(_Frame(q.end, stop, "reported", speaker, cue, 0, q.end))
        return _Frame(start, end, "quoted", speaker, cue, 0, q.start)
    return None


def _according_after(s: _Sentence, q: _Quote, hi: int) -> _Frame | None:
    m = re.match(r"[\s,]*(?:according to|in the words of)\s+([^,;:.!?\"“”]{1,80})", s.text[q.end:hi])
    if not m:
        return None
    return _Frame(_paraphrase_start(s, q), hi, "quoted", m.group(1).strip(), "according_to", 0, q.start)


def _background(s: _Sentence) -> tuple[int, str, str, str] | None:
    """A sentence-wide attribution: a wire dateline or a ``Name: ...`` headline.

    Returns (end of the cue, voice, speaker, cue), or None.
    """
    text, rules = s.text, s.rules
    m = rules.dateline.match(text)
    if m:
        agency = m.group(1)
        return (m.end(), "reported", agency, f"dateline:{rules.agencies.get(agency.lower(), agency.lower())}")
    m = rules.headline.match(text)
    if m:
        name = m.group(1)
        words = name.split()
        short = len(text[m.end():].split()) <= 20
        if short and len(words) <= 5 and name.lower() not in rules.headline_stop \
                and _bare(words[0]) not in rules.headline_stop:
            if len(words) >= 2 or resolve_speaker(name).startswith(("actor:", "outlet:")) and not _is_place(name):
                return (m.end(), "reported", name, "headline_colon")
    return None


def _is_place(name: str) -> bool:
    """Bare country names head topic headlines ("Venezuela: what next"), not speakers."""
    ref = resolve_speaker(name)
    return ref in {f"actor:{slug}" for slug in ("venezuela", "china", "cuba", "iran", "uk", "france", "spain",
                                                 "germany", "eu")}


# ---------------------------------------------------------------- units

def _analyse(text: str, rules: AttributionRules, open_mark: str | None = None
             ) -> tuple[list[Unit], _Sentence | None]:
    if not text:
        return [Unit(0, 0, "author", "", "")], None
    if open_mark is None and not rules.trigger.search(text):
        return [Unit(0, len(text), "author", "", "")], None
    s = _Sentence(text, rules, open_mark)
    frames: list[_Frame] = []
    quoted = _quote_frames(s, frames)
    accepted: list[_Frame] = []
    for f in sorted(quoted, key=lambda f: (f.start, f.end)):
        piece = _free_piece(f, accepted)
        if piece is not None:
            accepted.append(piece)
    taken = [(f.start, f.end) for f in accepted]
    candidates = _verb_frames(s, taken, accepted) + _phrase_frames(s)
    # clause-final frames ("..., he said") first: they are the outermost; then the others in reading order, a frame
    # inside an earlier one's content being nested in it ("Peskov said that Moscow considered ..."); subordinate ones
    # ("when asked whether Beijing considered ...") only where nothing else is
    for group in (1,), (2, 3, 4), (5, 6):
        for f in sorted((c for c in candidates if c.priority in group), key=lambda f: (f.anchor, f.priority)):
            if any(a.start <= f.anchor < a.end for a in accepted):
                continue
            piece = _free_piece(f, accepted)
            if piece is not None:
                accepted.append(piece)
    reported = [f for f in accepted if f.voice == "reported"]
    # a long quote inside someone's reported words is their words verbatim; a frameless quote takes their name
    for q in s.quotes:
        if q.kind == "pair" and q.words <= rules.scare_max_words:
            continue
        if any(a.start <= q.start < a.end for a in accepted if a.voice == "quoted"):
            continue
        owner = next((f for f in candidates if f.start <= q.start < f.end and f.voice == "reported"
                      and any(r.anchor == f.anchor for r in reported)), None)
        if owner is not None:
            unit = _Frame(q.start, q.end, "quoted", owner.speaker, "quote_marks", 0, q.start)
            accepted = _carve(accepted, unit)
    filled = []
    for f in accepted:
        if f.voice == "quoted" and not f.speaker:
            owner = next((c for c in candidates if c.start <= f.start < c.end and c.speaker), None)
            if owner is not None:
                f = replace(f, speaker=owner.speaker)
        filled.append(f)
    background = _background(s)
    return _cover(text, filled, background), s


def _free_piece(f: _Frame, accepted: list[_Frame]) -> _Frame | None:
    """The part of ``f`` around its anchor that no accepted unit covers."""
    lo, hi = f.start, f.end
    for a in accepted:
        if a.end <= f.anchor:
            lo = max(lo, a.end)
        elif a.start > f.anchor:
            hi = min(hi, a.start)
    if hi <= lo:
        return None
    return replace(f, start=lo, end=hi)


def _carve(accepted: list[_Frame], unit: _Frame) -> list[_Frame]:
    """Put ``unit`` in, cutting the units it overlaps around it."""
    out: list[_Frame] = []
    for a in accepted:
        if a.end <= unit.start or unit.end <= a.start:
            out.append(a)
            continue
        if a.start < unit.start:
            out.append(replace(a, end=unit.start))
        if unit.end < a.end:
            out.append(replace(a, start=unit.end))
    out.append(unit)
    return out


def _cover(text: str, frames: list[_Frame], background: tuple[int, str, str, str] | None) -> list[Unit]:
    """Units covering the whole text: the frames, and the author's words (or a dateline's agency) in between."""
    n = len(text)
    base_voice, base_speaker, base_cue = ("author", "", "")
    if background is not None:
        _, base_voice, base_speaker, base_cue = background
    pieces: list[Unit] = []
    pos = 0
    for f in sorted(frames, key=lambda f: f.start):
        start, end = max(f.start, pos), min(f.end, n)
        if end <= start:
            continue
        if start > pos:
            pieces.append(Unit(pos, start, base_voice, base_speaker, base_cue))
        pieces.append(Unit(start, end, f.voice, f.speaker, f.cue))
        pos = end
    if pos < n:
        pieces.append(Unit(pos, n, base_voice, base_speaker, base_cue))
    # fold pieces with no word in them into a neighbour, then merge neighbours alike
    folded: list[Unit] = []
    for u in pieces:
        if not _ALNUM.search(text[u.start:u.end]) and folded:
            folded[-1] = replace(folded[-1], end=u.end)
        elif folded and not _ALNUM.search(text[folded[-1].start:folded[-1].end]):
            folded[-1] = replace(u, start=folded[-1].start)
        else:
            folded.append(u)
    merged: list[Unit] = []
    for u in folded:
        if merged and (merged[-1].voice, merged[-1].speaker, merged[-1].cue) == (u.voice, u.speaker, u.cue):
            merged[-1] = replace(merged[-1], end=u.end)
        else:
            merged.append(u)
    return merged


def attribute(text: str, *, rules: AttributionRules | None = None) -> list[Unit]:
    """Cut one sentence into units by voice: non-overlapping, in order, covering the whole text.

    Args:
        text: The sentence.
        rules: The cues (default: the shipped ``lexicons/attribution.yaml``).

    Returns:
        The units, with offsets into ``text``.

    >>> [(u.voice, u.speaker) for u in attribute('"Maduro is a dictator," Pompeo said, but the vote was clean.')]
    [('quoted', 'Pompeo'), ('author', '')]
    >>> [(u.voice, u.speaker, u.cue) for u in attribute("Peskov said Moscow considered Maduro the legitimate head.")]
    [('reported', 'Peskov', 'verb:said')]
    >>> [u.voice for u in attribute("The vote was clean.")]
    ['author']
    """
    return _analyse(text, rules or default_rules())[0]


def scare_quotes(text: str, *, rules: AttributionRules | None = None) -> list[tuple[int, int]]:
    """Spans (inside the marks) of scare quotes.

    Scare quotes are one to three quoted words in the author's voice, with no speech verb right before them and no
    speaker after them.

    >>> text = "The 'opposition' met, while Cavusoglu called it \\"very strange\\"."
    >>> [text[a:b] for a, b in scare_quotes(text)]
    ['opposition']
    """
    rules = rules or default_rules()
    if not any(ch in text for ch in rules.quote_chars):
        return []
    units, s = _analyse(text, rules)
    if s is None:
        return []
    spans = []
    for q in s.quotes:
        if q.kind != "pair" or not 1 <= q.words <= rules.scare_max_words:
            continue
        unit = next((u for u in units if u.start <= q.start < u.end), None)
        if unit is not None and unit.voice != "author":
            continue
        before = text[max(0, q.start - 60):q.start].split()[-4:]
        if any(_bare(w) in rules.verbs for w in before):
            continue  # 'called Guaido's self-appointment "very strange"': a partial quote
        spans.append((q.inner_start, q.inner_end))
    return spans


# ---------------------------------------------------------------- tables

@lru_cache(maxsize=1)
def _registries() -> tuple[Any, Any]:
    from framing.features.actors import ActorRegistry
    from framing.outlets import OutletRegistry

    return ActorRegistry.load(), OutletRegistry.default()


@lru_cache(maxsize=65536)
def resolve_speaker(name: str) -> str:
    """The registry id of a speaker as written, or "" when no registry knows it.

    Ids are ``actor:<slug>`` (``lexicons/actors.yaml``) or ``outlet:<slug>`` (``lexicons/outlets.yaml``).

    The head of the name counts: the part before an apposition's comma, and in it an actor followed by no other
    capitalised word ("Russian Foreign Ministry spokeswoman Maria Zakharova" is Zakharova; "former US diplomat Jim
    Jatras" is no one the registry knows); a possessive ("Russia's envoy") only when no other actor is named.

    >>> resolve_speaker("Russian Foreign Ministry spokeswoman Maria Zakharova"), resolve_speaker("Reuters")
    ('actor:zakharova', 'outlet:reuters')
    >>> resolve_speaker("Peskov said"), resolve_speaker("the tech giant")
    ('actor:peskov', '')
    """
    from framing.features.actors import IGNORED, _fold

    if not name or not name.strip():
        return ""
    actors, outlets = _registries()
    for part in dict.fromkeys((name.split(",")[0], name)):
        folded = _fold(part)
        # an actor that only qualifies someone else ("former US diplomat Jim Jatras") is not the speaker
        found = [(m.group(1), folded[m.end(1):m.end(1) + 2] in ("'s", "’s")) for m in actors.pattern.finditer(folded)
                 if not re.search(r"\b[A-Z]", re.sub(r"\([^)]*\)", "", folded[m.end():]))
                 and not folded[m.end():m.end() + 1] == "-"]  # "US-designated leader"
        found = [(alias, poss) for alias, poss in found if actors.alias_to_actor[alias] != IGNORED]
        plain = [alias for alias, poss in found if not poss]
        pick = plain or [alias for alias, _ in found]
        if pick:
            return f"actor:{actors.alias_to_actor[pick[-1]]}"
        outlet = outlets.find(part) or outlets.mentioned_in(part)
        if outlet is not None:
            return f"outlet:{outlet.slug}"
    return ""


def _empty_units() -> pd.DataFrame:
    dtypes = {"doc_id": "string", "sent_idx": "int64", "unit_idx": "int64", "char_start": "int64",
              "char_end": "int64", "voice": "string", "speaker": "string", "speaker_ref": "string", "cue": "string"}
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})


def _named(speaker: str, rules: AttributionRules) -> bool:
    return bool(speaker) and speaker.lower() not in rules.pronouns and speaker.lower() not in rules.first_person


def attribute_sentences(sentences: pd.DataFrame, documents: pd.DataFrame | None = None, *,
                        rules: AttributionRules | None = None) -> pd.DataFrame:
    """The table ``sentence_voice``: every sentence cut into attribution units.

    A sentence of a document whose ``voice`` is ``quoted`` (a quoted block of a post) is one ``quoted`` unit whose
    speaker is the document's ``quoted_from``. Within a document, sentences are read in order: a pronoun speaker
    ("he said") takes the most recent named speaker; a quote left open runs on (up to six sentences) until a closing
    mark, and its sentences take the speaker named at either end; a quote with no speaker takes the previous
    sentence's named speaker.

    Args:
        sentences: ``doc_id``, ``sent_idx``, ``text``.
        documents: ``doc_id``, ``voice``, ``quoted_from`` (None: every document in the author's voice).
        rules: The cues (default: the shipped ``lexicons/attribution.yaml``).

    Returns:
        Columns ``doc_id`` (string), ``sent_idx``, ``unit_idx``, ``char_start``, ``char_end`` (int64, offsets into
        the sentence text), ``voice``, ``speaker``, ``speaker_ref``, ``cue`` (string); sorted by doc_id, sent_idx,
        unit_idx.

    >>> s = pd.DataFrame({"doc_id": ["d", "d"], "sent_idx": [0, 1], "text": [
    ...     "Zakharova said the US wants regime change.", '"It is a coup," she added.']})
    >>> attribute_sentences(s)[["sent_idx", "voice", "speaker", "speaker_ref"]].values.tolist()
    [[0, 'reported', 'Zakharova', 'actor:zakharova'], [1, 'quoted', 'Zakharova', 'actor:zakharova']]
    """
    rules = rules or default_rules()
    if sentences.empty:
        return _empty_units()
    quoted_docs: dict[str, str] = {}
    if documents is not None and not documents.empty and "voice" in documents.columns:
        docs = documents.drop_duplicates("doc_id")
        source = docs["quoted_from"] if "quoted_from" in docs.columns else pd.Series("", index=docs.index)
        mask = docs["voice"].astype(str) == "quoted"
        quoted_docs = {str(d): ("" if pd.isna(q) else str(q))
                       for d, q in zip(docs.loc[mask, "doc_id"], source[mask], strict=True)}
    order = pd.DataFrame({"doc_id": sentences["doc_id"].astype(str).to_numpy(),
                          "sent_idx": sentences["sent_idx"].astype("int64").to_numpy(),
                          "text": sentences["text"].fillna("").astype(str).to_numpy()})
    order = order.sort_values(["doc_id", "sent_idx"], kind="stable")
    rows: list[tuple[str, int, int, int, int, str, str, str]] = []
    for doc_id, group in order.groupby("doc_id", sort=True):
        doc = str(doc_id)
        idxs = group["sent_idx"].tolist()
        texts = group["text"].tolist()
        if doc in quoted_docs:
            for sent_idx, text in zip(idxs, texts, strict=True):
                rows.append((doc, int(sent_idx), 0, 0, len(text), "quoted", quoted_docs[doc], "document"))
            continue
        rows.extend(_document_units(doc, idxs, texts, rules))
    refs = {sp: resolve_speaker(sp) for sp in {r[6] for r in rows}}
    out = pd.DataFrame(rows, columns=["doc_id", "sent_idx", "unit_idx", "char_start", "char_end", "voice", "speaker",
                                      "cue"])
    out["speaker_ref"] = out["speaker"].map(refs)
    out = out[list(UNIT_COLUMNS)]
    return out.astype({"doc_id": "string", "sent_idx": "int64", "unit_idx": "int64", "char_start": "int64",
                       "char_end": "int64", "voice": "string", "speaker": "string", "speaker_ref": "string",
                       "cue": "string"}).reset_index(drop=True)


def _document_units(doc: str, idxs: list[int], texts: list[str], rules: AttributionRules
                    ) -> list[tuple[str, int, int, int, int, str, str, str]]:
    """Units of one document's sentences, read in order (quotes over several sentences, pronouns)."""
    plain = [_analyse(text, rules) for text in texts]
    per_sentence = [units for units, _ in plain]
    i = 0
    closing: set[int] = set()  # sentences whose first mark closes a quote from before
    while i < len(texts):
        i = _quote_run(texts, plain, per_sentence, i, rules, closing)
    rows = []
    last_named, last_at = "", -1
    prev_named = ""
    for n, (sent_idx, units) in enumerate(zip(idxs, per_sentence, strict=True)):
        named_here = ""
        for k, u in enumerate(units):
            speaker = u.speaker
            if speaker.lower() in _PERSONAL and last_named and n - last_at <= PRONOUN_REACH:
                speaker = last_named
            elif not speaker and u.voice == "quoted" and u.start == 0 and prev_named:
                speaker = prev_named  # a quote that opens the sentence goes on from the speaker just before
            if _named(u.speaker, rules):  # a name written here (not one a pronoun took)
                last_named, last_at = speaker, n
            named_here = speaker if u.voice != "author" and _named(speaker, rules) else ""
            rows.append((doc, int(sent_idx), k, u.start, u.end, u.voice, speaker, u.cue))
        prev_named = named_here
    return rows


def _quote_run(texts: list[str], plain: list[tuple[list[Unit], _Sentence | None]], per_sentence: list[list[Unit]],
               i: int, rules: AttributionRules, closing: set[int]) -> int:
    """Follow a quote that sentence ``i`` leaves open; return the next sentence to look at.

    The quote runs on through the next sentences (at most :data:`MAX_QUOTE_RUN`) and counts only if a closing mark
    of its family ends it there: then the sentences in between are quoted, and all take the speaker named at
    either end. A closing mark at the very end of sentence ``i`` with no quote open is the segmenter's misplaced
    opening mark of the next sentence when a closing mark follows.
    """
    text = texts[i]
    units, s = plain[i]
    if s is None or not s.quotes:
        return i + 1
    last = s.quotes[-1]
    misplaced = last.kind == "close" and not text[last.end:].strip(" .,;:!?)]") and i not in closing
    if last.kind != "open" and not misplaced:
        return i + 1
    carried: list[tuple[list[Unit], _Sentence | None]] = []
    for j in range(i + 1, min(len(texts), i + 1 + MAX_QUOTE_RUN)):
        u2, s2 = _analyse(texts[j], rules, last.mark)
        carried.append((_forced_quote(texts[j], u2, s2), s2))
        first = s2.quotes[0] if s2 is not None and s2.quotes else None
        if first is None or first.start != 0:
            return i + 1  # the quote did not run on into this sentence
        if first.kind == "close":
            break
    else:
        return i + 1  # never closed: a stray mark, not a quote over sentences
    if misplaced:
        blanked = text[:last.end - 1] + " " + text[last.end:]
        per_sentence[i] = _analyse(blanked, rules)[0]
        speaker = ""
    else:
        speaker = next((u.speaker for u in units if u.voice == "quoted" and u.start <= last.start < u.end), "")
    for u2, _ in carried:
        speaker = speaker or next((u.speaker for u in u2 if u.voice == "quoted" and u.speaker), "")
    if misplaced and not speaker:  # '..., said in a statement that ... unexpected."' then the quote: same speaker
        speaker = next((u.speaker for u in reversed(per_sentence[i]) if u.voice != "author" and u.speaker), "")
    if not misplaced and speaker:
        per_sentence[i] = [replace(u, speaker=speaker) if u.voice == "quoted" and not u.speaker
                           and u.start <= last.start < u.end else u for u in per_sentence[i]]
    for k, (u2, s2) in enumerate(carried, start=i + 1):
        per_sentence[k] = [replace(u, speaker=speaker) if u.voice == "quoted" and not u.speaker and speaker
                           and u.start == 0 else u for u in u2]
        plain[k] = (per_sentence[k], s2)
    closing.add(i + len(carried))
    return i + len(carried)  # the closing sentence may open the next quote


def _forced_quote(text: str, units: list[Unit], s: _Sentence | None) -> list[Unit]:
    """A quote run on from the sentence before is quoted whatever its words look like."""
    if s is None or not s.quotes or s.quotes[0].start != 0:
        return units
    q = s.quotes[0]
    first = next((u for u in units if u.start == 0), None)
    if first is not None and first.voice == "quoted" and first.end >= q.end - 1:
        return units
    kept = [_Frame(u.start, u.end, u.voice, u.speaker, u.cue, 0, u.start) for u in units
            if u.start >= q.end and u.voice != "author"]
    return _cover(text, [_Frame(0, q.end, "quoted", "", "quote_marks", 0, 0), *kept], None)


def span_voice(spans: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """The voice, speaker and speaker_ref of the unit that holds each span's start.

    Args:
        spans: Rows with ``doc_id``, ``sent_idx``, ``char_start`` (and ``char_end``): actor mentions, cue hits.
        units: The ``sentence_voice`` table.

    Returns:
        ``spans`` (same rows, same order) with columns ``voice``, ``speaker``, ``speaker_ref`` set; a span whose
        sentence has no units, or which starts outside them, is in the author's voice.
    """
    out = spans.copy()
    n = len(spans)
    voice = np.full(n, "author", dtype=object)
    speaker = np.full(n, "", dtype=object)
    ref = np.full(n, "", dtype=object)
    if n and not units.empty:
        left = pd.DataFrame({"doc_id": spans["doc_id"].astype(str).to_numpy(),
                             "sent_idx": spans["sent_idx"].astype("int64").to_numpy(),
                             "pos": spans["char_start"].astype("int64").to_numpy(), "_row": np.arange(n)})
        right = pd.DataFrame({"doc_id": units["doc_id"].astype(str).to_numpy(),
                              "sent_idx": units["sent_idx"].astype("int64").to_numpy(),
                              "pos": units["char_start"].astype("int64").to_numpy(),
                              "_end": units["char_end"].astype("int64").to_numpy(),
                              "_voice": units["voice"].astype(str).to_numpy(),
                              "_speaker": units["speaker"].fillna("").astype(str).to_numpy(),
                              "_ref": units["speaker_ref"].fillna("").astype(str).to_numpy()})
        merged = pd.merge_asof(left.sort_values("pos", kind="stable"), right.sort_values("pos", kind="stable"),
                               on="pos", by=["doc_id", "sent_idx"], direction="backward")
        hit = merged["_end"].notna() & (merged["pos"] < merged["_end"])
        rows = merged.loc[hit, "_row"].to_numpy(dtype=np.int64)
        voice[rows] = merged.loc[hit, "_voice"].to_numpy()
        speaker[rows] = merged.loc[hit, "_speaker"].to_numpy()
        ref[rows] = merged.loc[hit, "_ref"].to_numpy()
    out["voice"] = pd.Series(voice, index=spans.index, dtype="string")
    out["speaker"] = pd.Series(speaker, index=spans.index, dtype="string")
    out["speaker_ref"] = pd.Series(ref, index=spans.index, dtype="string")
    return out


def sentence_voice_summary(units: pd.DataFrame) -> pd.DataFrame:
    """One row per sentence: the voice covering most of its characters, and its speaker.

    Ties go to quoted, then reported; the speaker is that of the sentence's longest unit in the voice.

    Returns:
        Columns ``doc_id``, ``sent_idx``, ``voice``, ``speaker``, ``speaker_ref``, ``share_chars`` (the voice's
        share of the sentence's characters).
    """
    cols = {"doc_id": "string", "sent_idx": "int64", "voice": "string", "speaker": "string", "speaker_ref": "string",
            "share_chars": "float64"}
    if units.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})
    u = pd.DataFrame({"doc_id": units["doc_id"].astype(str).to_numpy(),
                      "sent_idx": units["sent_idx"].astype("int64").to_numpy(),
                      "voice": units["voice"].astype(str).to_numpy(),
                      "speaker": units["speaker"].fillna("").astype(str).to_numpy(),
                      "speaker_ref": units["speaker_ref"].fillna("").astype(str).to_numpy(),
                      "_len": (units["char_end"] - units["char_start"]).clip(lower=0).astype("int64").to_numpy()})
    u["_rank"] = u["voice"].map(_VOICE_RANK).fillna(0).astype("int64")
    key = ["doc_id", "sent_idx"]
    per_voice = u.groupby([*key, "voice", "_rank"], sort=False)["_len"].sum().rename("_vlen").reset_index()
    total = u.groupby(key, sort=False)["_len"].sum().rename("_total").reset_index()
    best = (per_voice.sort_values([*key, "_vlen", "_rank"], ascending=[True, True, False, False], kind="stable")
            .drop_duplicates(key))
    longest = (u.sort_values([*key, "voice", "_len"], ascending=[True, True, True, False], kind="stable")
               .drop_duplicates([*key, "voice"])[[*key, "voice", "speaker", "speaker_ref"]])
    out = best.merge(longest, on=[*key, "voice"], how="left").merge(total, on=key, how="left")
    out["share_chars"] = np.where(out["_total"] > 0, out["_vlen"] / out["_total"].where(out["_total"] > 0, 1), 1.0)
    out = out.sort_values(key, kind="stable")[list(cols)].reset_index(drop=True)
    return out.astype(cols)


# ---------------------------------------------------------------- evaluation

GOLD = EXTERNAL_DIR / "attribution" / "sentences.tsv"


def load_gold(path: Path | None = None) -> pd.DataFrame:
    """The hand-labelled gold (``data/external/attribution/sentences.tsv``), empty strings kept."""
    return pd.read_csv(path or GOLD, sep="\t", dtype=str, keep_default_na=False)


def _norm(name: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", name.casefold()).split())


def speaker_matches(gold: str, predicted: str) -> bool:
    """A predicted speaker matches the gold one when either contains the other (case and punctuation aside).

    >>> speaker_matches("Jatras", "former US diplomat Jim Jatras"), speaker_matches("Peskov", "he")
    (True, False)
    """
    g, p = _norm(gold), _norm(predicted)
    return bool(g) and bool(p) and (f" {g} " in f" {p} " or f" {p} " in f" {g} ")


def predict_gold(gold: pd.DataFrame, *, rules: AttributionRules | None = None) -> pd.DataFrame:
    """Predicted sentence voice and speaker of each gold row.

    Each row is read on its own, as a document of one sentence; a row whose ``doc_voice`` is ``quoted`` is a sentence
    of a quoted document with that ``quoted_from``.
    """
    sents = pd.DataFrame({"doc_id": gold["id"].astype(str).to_numpy(), "sent_idx": 0,
                          "text": gold["text"].astype(str).to_numpy()})
    docs = None
    if "doc_voice" in gold.columns:
        docs = pd.DataFrame({"doc_id": gold["id"].astype(str).to_numpy(),
                             "voice": gold["doc_voice"].replace("", "author").to_numpy(),
                             "quoted_from": gold.get("quoted_from", pd.Series("", index=gold.index)).to_numpy()})
    summary = sentence_voice_summary(attribute_sentences(sents, docs, rules=rules))
    ids = gold["id"].astype(str).to_numpy()
    voice = dict(zip(summary["doc_id"].astype(str), summary["voice"].astype(str), strict=True))
    speaker = dict(zip(summary["doc_id"].astype(str), summary["speaker"].astype(str), strict=True))
    return pd.DataFrame({"id": ids, "voice": [voice[i] for i in ids], "speaker": [speaker[i] for i in ids]})


def score(gold: pd.DataFrame, *, rules: AttributionRules | None = None) -> pd.DataFrame:
    """Sentence-level precision, recall and F1 of each voice against hand labels, and speaker accuracy.

    Args:
        gold: Columns ``id``, ``text``, ``voice``, ``speaker`` (optional ``doc_voice``, ``quoted_from``), as in
            ``data/external/attribution/sentences.tsv``.
        rules: The cues to score (default: the shipped ones).

    Returns:
        One row per voice (``precision``, ``recall``, ``f1``, ``support``), a row ``macro`` (their unweighted
        means), and a row ``speaker`` whose ``accuracy`` is the share of gold non-author sentences with a gold
        speaker whose predicted speaker matches it (:func:`speaker_matches`); ``support`` counts those sentences.
    """
    pred = predict_gold(gold, rules=rules)
    g = gold["voice"].astype(str).to_numpy()
    p = pred["voice"].to_numpy()
    rows = []
    for v in VOICES:
        tp = int(((g == v) & (p == v)).sum())
        n_pred, n_gold = int((p == v).sum()), int((g == v).sum())
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append({"voice": v, "precision": precision, "recall": recall, "f1": f1, "support": n_gold,
                     "accuracy": float("nan")})
    table = pd.DataFrame(rows)
    rows.append({"voice": "macro", "precision": table["precision"].mean(), "recall": table["recall"].mean(),
                 "f1": table["f1"].mean(), "support": len(gold), "accuracy": float((g == p).mean()) if len(g) else 0})
    has_speaker = (g != "author") & (gold["speaker"].astype(str).str.strip() != "").to_numpy()
    matches = [speaker_matches(gs, ps) for gs, ps in zip(gold["speaker"].astype(str)[has_speaker],
                                                         pred["speaker"][has_speaker], strict=True)]
    rows.append({"voice": "speaker", "precision": float("nan"), "recall": float("nan"), "f1": float("nan"),
                 "support": int(has_speaker.sum()), "accuracy": float(np.mean(matches)) if matches else 0.0})
    return pd.DataFrame(rows).astype({"support": "int64"})


def _compute(inputs: Inputs) -> dict[str, pd.DataFrame]:
    units = attribute_sentences(inputs.sentences, inputs.documents)
    return {"sentence_voice": missing_as_na(units, ("speaker", "speaker_ref", "cue"))}


FEATURE = Feature(
    name="attribution", compute=_compute, lexicons=("attribution", "actors", "outlets"),
    validated_by=("attribution:",),
    tables=(Table("sentence_voice", {"doc_id": "string", "sent_idx": "int64", "unit_idx": "int64",
                                     "char_start": "int64", "char_end": "int64", "voice": "string",
                                     "speaker": "string", "speaker_ref": "string", "cue": "string"},
                  ("doc_id", "sent_idx", "unit_idx"), per_sentence=True),))
