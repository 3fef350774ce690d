"""Conflict, violence and war vocabulary: Empath categories and the Grievance Dictionary, per 1,000 words.

- Empath (Fast, Chen & Bernstein, CHI 2016; MIT): the categories shipped with empath 0.89, matched as whole
  lower-cased words, as Empath itself does.
- Grievance Dictionary (van der Vegt et al., Behavior Research Methods 2021; MIT), the 7+ version: entries are
  Snowball (Porter2) stems and a few multi-word phrases, so document words are stemmed the same way.

Neither is validated against human judgement in this repository (no gold data for these categories is bundled);
the Empath authors report r = 0.906 with comparable LIWC categories, and the Grievance Dictionary was built for
threat assessment of individuals' writing, not news.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd

from framing.config import LEXICONS_DIR
from framing.features.registry import Feature, Inputs, Table
from framing.text import tokens

EMPATH_FILE = LEXICONS_DIR / "empath_categories.tsv"
GRIEVANCE_FILE = LEXICONS_DIR / "grievance_dictionary_7plus.csv"
EMPATH_CATEGORIES = ("war", "violence", "aggression", "terrorism", "weapon", "military", "fight", "kill", "death",
                     "crime", "hate", "fear", "power", "government")
GRIEVANCE_CATEGORIES = ("violence", "weaponry", "soldier", "threat", "murder", "hate", "surveillance", "grievance",
                        "desperation", "frustration")


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


class _StemMemo(dict[str, str]):
    """Word → Snowball stem, computed once per distinct word (a corpus has far fewer words than tokens)."""

    limit = 500_000  # distinct words kept before the memo starts afresh (bounds its memory)

    def __missing__(self, word: str) -> str:
        if len(self) >= self.limit:
            self.clear()
        stem: str = _stemmer().stemWord(word)
        self[word] = stem
        return stem


_STEMS = _StemMemo()


def stem_words(words: list[str]) -> list[str]:
    """Snowball (Porter2) English stems.

    >>> stem_words(["ammunition", "artillery", "attacks"])
    ['ammunit', 'artilleri', 'attack']
    """
    stems = _STEMS
    return [stems[w] for w in words]


@dataclass(frozen=True)
class CategoryLexicon:
    """Category → single terms and multi-word phrases (already in the form they are matched in)."""

    name: str
    terms: dict[str, frozenset[str]]
    phrases: dict[str, tuple[tuple[str, ...], ...]]
    stemmed: bool


@lru_cache(maxsize=1)
def empath(categories: tuple[str, ...] = EMPATH_CATEGORIES) -> CategoryLexicon:
    """The selected Empath categories."""
    terms: dict[str, frozenset[str]] = {}
    with EMPATH_FILE.open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if row and row[0] in categories:
                terms[row[0]] = frozenset(w.lower() for w in row[1:] if w and " " not in w)
    missing = set(categories) - set(terms)
    if missing:
        raise ValueError(f"{EMPATH_FILE}: no categories {sorted(missing)}")
    return CategoryLexicon("empath", terms, {c: () for c in terms}, stemmed=False)


@lru_cache(maxsize=1)
def grievance(categories: tuple[str, ...] = GRIEVANCE_CATEGORIES) -> CategoryLexicon:
    """The selected Grievance Dictionary (7+) categories."""
    terms: dict[str, set[str]] = {c: set() for c in categories}
    phrases: dict[str, list[tuple[str, ...]]] = {c: [] for c in categories}
    with GRIEVANCE_FILE.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            cat, word = row["category"], row["word"].strip().lower()
            if cat in terms and word:
                if " " in word:
                    phrases[cat].append(tuple(stem_words(word.split())))
                else:
                    terms[cat].add(word)
    return CategoryLexicon("grievance", {c: frozenset(v) for c, v in terms.items()},
                           {c: tuple(v) for c, v in phrases.items()}, stemmed=True)


def category_rates(documents: pd.DataFrame, lexicons: tuple[CategoryLexicon, ...] | None = None) -> pd.DataFrame:
    """Hits per 1,000 words for every document × lexicon category.

    Returns:
        Columns ``doc_id``, ``lexicon``, ``category``, ``n_hits``, ``rate_per_1000_words``.

    >>> docs = pd.DataFrame({"doc_id": ["d"], "text": ["The soldiers attacked; war and ammunition."]})
    >>> r = category_rates(docs).set_index(["lexicon", "category"])
    >>> int(r.loc[("empath", "war"), "n_hits"]) >= 1, int(r.loc[("grievance", "weaponry"), "n_hits"]) >= 1
    (True, True)
    """
    lexicons = lexicons or (empath(), grievance())
    # term -> the positions of the categories listing it, per lexicon: a document's words are looked up once each
    cats = [list(lex.terms) for lex in lexicons]
    inverted: list[dict[str, list[int]]] = []
    for lex, names in zip(lexicons, cats, strict=True):
        index: dict[str, list[int]] = {}
        for k, cat in enumerate(names):
            for term in lex.terms[cat]:
                index.setdefault(term, []).append(k)
        inverted.append(index)
    # A phrase's hits are what str.count finds of " a b " in the document's stems joined by spaces: occurrences
    # that do not share a character, so an n-word phrase found at word i is next counted at word i + n + 1 or later
    # (" a b a b " holds one " a b "). The document's n-grams are looked up with that rule, which gives the same
    # number; phrases with an empty or spaced word, and documents with such a stem, use str.count itself.
    ngram_index: list[dict[tuple[str, ...], list[int]]] = []
    phrases: list[list[tuple[int, list[str]]]] = []
    for lex, names in zip(lexicons, cats, strict=True):
        grams: dict[tuple[str, ...], list[int]] = {}
        counted: list[tuple[int, list[str]]] = []
        for k, cat in enumerate(names):
            rest = []
            for p in lex.phrases.get(cat, ()):
                if not p or any(" " in w or not w for w in p):
                    rest.append(" " + " ".join(p) + " ")
                else:
                    grams.setdefault(tuple(p), []).append(k)
            if rest:
                counted.append((k, rest))
        ngram_index.append(grams)
        phrases.append(counted)
    sizes = sorted({len(g) for grams in ngram_index for g in grams})
    rows: list[tuple[object, str, str, int, float]] = []
    for doc_id, text in documents[["doc_id", "text"]].itertuples(index=False):
        words = tokens(str(text))
        n = max(1, len(words))
        plain = Counter(words)
        stems = stem_words(words) if any(lex.stemmed for lex in lexicons) else []
        stem_counts = Counter(stems)
        joined = " " + " ".join(stems) + " "
        plain_stems = all(w and " " not in w for w in stems)  # else the n-gram lookup could differ from str.count
        for lex, names, index, lex_phrases, grams in zip(lexicons, cats, inverted, phrases, ngram_index, strict=True):
            counts = stem_counts if lex.stemmed else plain
            hits = [0] * len(names)
            for word, c in counts.items():
                for k in index.get(word, ()):
                    hits[k] += c
            for k, cat_phrases in lex_phrases:
                hits[k] += sum(joined.count(p) for p in cat_phrases)
            if grams and plain_stems:
                last: dict[tuple[str, ...], int] = {}  # where each phrase was last counted
                for size in sizes:
                    for i in range(len(stems) - size + 1):
                        gram = tuple(stems[i:i + size])
                        ks = grams.get(gram)
                        if ks is None or i < last.get(gram, -size - 1) + size + 1:
                            continue
                        last[gram] = i
                        for k in ks:
                            hits[k] += 1
            elif grams:
                for gram, ks in grams.items():
                    found = joined.count(" " + " ".join(gram) + " ")
                    for k in ks:
                        hits[k] += found
            rows.extend((doc_id, lex.name, cat, h, round(1000 * h / n, 4) if h else 0.0)
                        for cat, h in zip(names, hits, strict=True))
    return pd.DataFrame(rows, columns=["doc_id", "lexicon", "category", "n_hits", "rate_per_1000_words"])


def _compute(inputs: Inputs) -> dict[str, pd.DataFrame]:
    return {"doc_lexcats": category_rates(inputs.documents)}


FEATURE = Feature(
    name="lexcats", compute=_compute, lexicons=("empath_categories.tsv", "grievance_dictionary_7plus.csv"),
    packages=("snowballstemmer",),
    tables=(Table("doc_lexcats", {"doc_id": "string", "lexicon": "string", "category": "string", "n_hits": "int64",
                                  "rate_per_1000_words": "float64"}, ("doc_id", "lexicon", "category")),))
