"""Seeded synthetic text for equivalence tests and benchmarks: VADER rule exercisers and whole corpora.

:func:`vader_sentences` mixes lexicon words with every construction VADER has a rule for (boosters and dampeners,
negations, "no", "never so", "without doubt", "least", "but", "kind of", special-case idioms, ALL-CAPS emphasis,
"!" and "?", emoticons, emoji, non-ASCII words, edge punctuation), so an equivalence test on them visits every branch.

:func:`write_corpus` writes a corpus of JSON Lines files (the table reader's format) whose sentences are resampled
from the bundled corpus with a few words substituted, with a realistic length distribution (short forum comments and
long articles) and duplicate rate (exact re-posts and near copies with a changed credit line).

>>> vader_sentences(3, seed=1) == vader_sentences(3, seed=1)
True
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vaderSentiment import vaderSentiment as _vs

from framing.config import RAW_DIR
from framing.text import split_sentences

_RULE_TOKENS = [
    # negations, incl. contractions with straight and curly apostrophes, and "no" forms
    "not", "never", "no", "nor", "or", "isn't", "isnt", "don't", "don’t", "ain't", "without", "nothing", "cannot",
    # boosters / dampeners, multi-word ones split so that they form by chance and on purpose below
    "very", "extremely", "VERY", "EXTREMELY", "barely", "slightly", "kind", "of", "sort", "just", "enough",
    "kinda", "sorta",
    # special rules
    "least", "at", "so", "this", "doubt", "but", "BUT", "But", "the", "shit", "bomb", "bad", "ass", "badass", "bus",
    "stop", "yeah", "right", "kiss", "death", "to", "die", "for", "beating", "heart",
    # punctuation, emoticons, emoji, non-ASCII
    "!", "!!", "!!!!!", "?", "??", "???", "?!", ":)", ":-(", ":D", "<3", "😁", "💘", "©", "👍🏽", "Guaidó", "İstanbul",
    "naïve", "“great”", "(good)", "bad,", "'terrible'", "...", "—", "12", "U.S.",
]
_FILLER = ["government", "opposition", "president", "the", "a", "in", "on", "said", "was", "is", "and", "army",
           "Venezuela", "Maduro", "oil", "sanctions", "people", "report", "Washington", "Caracas", "Moscow", "it"]
_IDIOMS = ["the shit", "the bomb", "bad ass", "yeah right", "kiss of death", "to die for", "beating heart",
           "bus stop", "kind of", "sort of", "just enough", "at least", "very least", "never so", "never this",
           "without a doubt", "without doubt", "no or", "not only", "cut the mustard"]


def vader_sentences(n: int, *, seed: int = 20190123) -> list[str]:
    """``n`` seeded sentences (2–40 tokens) that together exercise every VADER rule."""
    rng = random.Random(seed)
    lexicon = sorted(_vs.SentimentIntensityAnalyzer().lexicon)
    out = []
    for _ in range(n):
        length = rng.randint(1, 40)
        words: list[str] = []
        while len(words) < length:
            r = rng.random()
            if r < 0.30:
                word = rng.choice(lexicon)
            elif r < 0.55:
                word = rng.choice(_RULE_TOKENS)
            elif r < 0.62:
                word = rng.choice(_IDIOMS)
            else:
                word = rng.choice(_FILLER)
            if rng.random() < 0.08:
                word = word.upper()
            elif rng.random() < 0.08:
                word = word.capitalize()
            if rng.random() < 0.1:
                word += rng.choice([",", ".", "!", "?", ";", ":", "'s", "...", ")"])
            words.append(word)
        sentence = " ".join(words)
        if rng.random() < 0.02:  # all capitals: no word stands out, so ALL-CAPS emphasis must not apply
            sentence = sentence.upper()
        if rng.random() < 0.05:
            sentence = "  " + sentence.replace(" ", rng.choice(["  ", "\t", " \n "]), 2) + " "
        out.append(sentence)
    return out


@dataclass(frozen=True)
class CorpusShape:
    """Length and duplicate distribution of a synthetic corpus."""

    comment_share: float = 0.6  # share of short documents (1–4 sentences), the rest are articles
    article_sentences: tuple[float, float] = (2.7, 0.6)  # lognormal (mu, sigma) of sentences per article: median ~15
    exact_duplicate_rate: float = 0.03  # re-posted verbatim
    near_duplicate_rate: float = 0.02  # re-syndicated with a changed credit line
    substitutions: int = 3  # words replaced per resampled sentence, so that sentences are mostly unique
    docs_per_file: int = 10_000


OUTLETS = ["RT", "The Canary", "Dissident Voice", "teleSUR English", "SOTT", "PopularResistance.Org", "forum",
           "Strategic Culture", "Reuters", "Mint Press News"]


def _sentence_pool(raw_dir: Path) -> list[str]:
    pool: list[str] = []
    for path in sorted(raw_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        pool.extend(s for para in text.split("\n\n") for _, _, s in split_sentences(" ".join(para.split()))
                    if len(s.split()) >= 5)
    if not pool:
        raise FileNotFoundError(f"no text files with sentences in {raw_dir} to resample from")
    return pool


def documents(n: int, *, seed: int = 20190123, shape: CorpusShape = CorpusShape(),
              raw_dir: Path = RAW_DIR) -> Iterator[dict[str, str]]:
    """``n`` synthetic documents as table rows (``id``, ``outlet``, ``date``, ``title``, ``text``), in order."""
    rng = random.Random(seed)
    pool = _sentence_pool(raw_dir)
    vocab = sorted({w for s in pool for w in s.split() if w.isalpha()})
    recent: list[dict[str, str]] = []
    for i in range(n):
        r = rng.random()
        if recent and r < shape.exact_duplicate_rate:
            doc = dict(rng.choice(recent), id=f"syn{i:08d}")
        elif recent and r < shape.exact_duplicate_rate + shape.near_duplicate_rate:
            base = rng.choice(recent)
            doc = dict(base, id=f"syn{i:08d}", outlet=rng.choice(OUTLETS),
                       text=base["text"] + f"\n\nThis article was originally published by {rng.choice(OUTLETS)}.")
        else:
            if rng.random() < shape.comment_share:
                k = rng.randint(1, 4)
            else:
                k = max(2, min(120, round(rng.lognormvariate(*shape.article_sentences))))
            sentences = []
            for _ in range(k):
                words = rng.choice(pool).split()
                for _ in range(shape.substitutions):
                    words[rng.randrange(len(words))] = rng.choice(vocab)
                sentences.append(" ".join(words))
            paragraphs = [" ".join(sentences[j:j + 3]) for j in range(0, len(sentences), 3)]
            doc = {"id": f"syn{i:08d}", "outlet": rng.choice(OUTLETS),
                   "date": f"20{rng.randint(19, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                   "title": " ".join(sentences[0].split()[:8]), "text": "\n\n".join(paragraphs)}
        recent.append(doc)
        if len(recent) > 1000:
            recent.pop(rng.randrange(len(recent)))
        yield doc


def write_corpus(folder: Path, n: int, *, seed: int = 20190123, shape: CorpusShape = CorpusShape(),
                 raw_dir: Path = RAW_DIR) -> list[Path]:
    """Write ``n`` synthetic documents as JSON Lines files of ``shape.docs_per_file`` rows into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    handle = None
    for i, doc in enumerate(documents(n, seed=seed, shape=shape, raw_dir=raw_dir)):
        if i % shape.docs_per_file == 0:
            if handle:
                handle.close()
            paths.append(folder / f"part-{len(paths):05d}.jsonl")
            handle = paths[-1].open("w", encoding="utf-8", newline="\n")
        assert handle is not None
        handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
    if handle:
        handle.close()
    return paths
