"""Paths anchored on the project root, and the frozen settings objects of each stage.

Notebooks take every path from here: nbval runs a notebook from its own folder while papermill runs it from
the caller's folder, so a relative path written in a notebook would mean two different things.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
LEXICONS_DIR = PACKAGE_DIR / "lexicons"


def _looks_like_root(path: Path) -> bool:
    return (path / "pyproject.toml").is_file() and (path / "notebooks").is_dir()


def find_project_root(start: Path | None = None) -> Path:
    """Return the project root.

    Order: the ``FRAMING_PROJECT_ROOT`` environment variable; the nearest parent of ``start`` (default: the
    current folder) holding ``pyproject.toml`` and ``notebooks/``; the checkout this package was installed
    from (editable installs); finally the current folder.
    """
    env = os.environ.get("FRAMING_PROJECT_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if _looks_like_root(candidate):
            return candidate
    checkout = PACKAGE_DIR.parents[1]
    if _looks_like_root(checkout):
        return checkout
    return here


PROJECT_ROOT = find_project_root()
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
EXTERNAL_DIR = DATA_DIR / "external"
INTERIM_DIR = DATA_DIR / "interim"
PROCESSED_DIR = DATA_DIR / "processed"
REPORTS_DIR = PROJECT_ROOT / "reports"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
PARAMS_DIR = NOTEBOOKS_DIR / "params"
DEFAULT_PARAMS = PARAMS_DIR / "default.yaml"


def resolve(path: str | os.PathLike[str]) -> Path:
    """Resolve ``path`` against the project root unless it is absolute.

    >>> resolve("/tmp").as_posix()
    '/tmp'
    >>> resolve("data/raw") == PROJECT_ROOT / "data" / "raw"
    True
    """
    p = Path(path).expanduser()
    return p if p.is_absolute() else (PROJECT_ROOT / p)


@dataclass(frozen=True)
class DedupeSettings:
    """Settings for :func:`framing.build.dedupe.find_duplicates`."""

    shingle_words: int = 5  # words per shingle for near-duplicate detection
    min_jaccard: float = 0.8  # shingle-set Jaccard at or above which two texts count as one
    min_words: int = 30  # texts shorter than this are only matched exactly
    sketch_size: int = 8  # smallest shingle hashes kept per text to find candidate pairs
    # Earlier texts a sketch hash proposes as candidates: a hash that more texts share (a stock phrase, a footer)
    # keeps only its first ones, so the pairs checked per text stay bounded as the corpus grows.
    max_per_hash: int = 64


@dataclass(frozen=True)
class SentimentSettings:
    """Settings for sentence sentiment (VADER) and its document aggregation."""

    negative_below: float = -0.05  # VADER's own convention for a negative compound score
    positive_above: float = 0.05


@dataclass(frozen=True)
class CompareSettings:
    """Settings for per-outlet comparisons."""

    n_resamples: int = 2000  # bootstrap resamples over documents
    confidence_level: float = 0.95
    min_docs: int = 5  # outlets (or cells) with fewer documents are marked small-n
    seed: int = 20190123  # the day Guaidó declared himself interim president
    # Means get a percentile bootstrap interval from this many documents; below it a t interval (the bootstrap of
    # a handful of values has too few distinct resamples: two documents give three possible means).
    min_bootstrap_n: int = 20
    # From this many documents in a comparison (an outlet and the rest together), the outlets of a measure share
    # one set of permutations (framing.analysis.stats.shared_permutation_pvalues) and differences of means get
    # Welch's t interval instead of the bootstrap: both cost a pass over every document per resample, which at
    # 10^4 documents and a few hundred tests is minutes, and at this size the results agree within Monte Carlo
    # error (tests check both). Below it, the p-values are scipy's own, bit for bit. From this many documents in
    # one group, its mean gets a t interval, and where an outlet and its rest both have this many, its p-value
    # comes from the permutation distribution itself (hypergeometric for shares, normal for means), so neither
    # grows with the corpus.
    large_n: int = 1000


@dataclass(frozen=True)
class LanguageSettings:
    """Settings for language identification and for which documents the English measures score.

    :func:`framing.language.detect_language` asks py3langid (its bundled model, offline) for the probability of
    each of its 140 languages; the set is not restricted, because a restricted set forces text in an unlisted
    language into a listed one and makes the confidence meaningless. A document is called non-English only when
    the model is sure of it (``min_confidence`` for the top language *and* at most ``max_english_prob`` for
    English), since that verdict removes the document from every English-lexicon and English-model measure.
    Texts too short to tell (py3langid's confidence on a handful of words is noise: "Good riddance." comes out
    Somali) are ``und``, and ``und`` documents are scored: most are short English forum comments and headlines.
    """

    min_letters: int = 20  # texts with fewer letters are "und": too short to tell
    min_words: int = 4  # texts with fewer words are "und"
    min_confidence: float = 0.5  # probability the top language needs to be named (English included), else "und"
    max_english_prob: float = 0.05  # a non-English verdict also needs p(English) at or below this: mixed text is "und"
    scored_langs: tuple[str, ...] = ("en",)  # languages the English lexicons and models score
    score_undetermined: bool = True  # score "und" documents too (short English comments mostly come out "und")


@dataclass(frozen=True)
class TopicSettings:
    """Settings for topic tagging from ``lexicons/topics.yaml``."""

    min_hits: int = 2  # a document needs this many cue matches to carry a topic tag
