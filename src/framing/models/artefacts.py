"""Trained models as reviewable, safe-to-load artefacts: one JSON file and one ``.npz`` of arrays per model.

The JSON file holds everything but the numbers: the model's settings, its vocabularies, the cross-validated
figures it was chosen on, the SHA-256 of every file it was trained from and the code version that trained it. The
``.npz`` holds the numeric arrays (coefficients, IDF weights, scalings), read with ``allow_pickle=False``. Nothing
is unpickled: a loader rebuilds objects only of the classes in :data:`ALLOWED` and sets their fitted attributes,
so a file cannot make the loader run code. Arrays are stored bit for bit, so a loaded model predicts exactly what
the trained one did.

A model's inputs are checked when it is loaded: an artefact whose training files or lexicons no longer have the
recorded hashes raises :class:`StaleArtefact`, which says to run ``framing train``. Models are never retrained
silently.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import logging
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from framing.config import EXTERNAL_DIR, PACKAGE_DIR, PROJECT_ROOT
from framing.lexicons import file_hash
from framing.safeio import atomic_path

log = logging.getLogger(__name__)

FORMAT = "framing-model/1"
SHIPPED_DIR = PACKAGE_DIR / "models" / "shipped"

# Every class a loader may build, by its import path. Anything else in a file is refused.
ALLOWED = frozenset({
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.pipeline.Pipeline",
    "framing.features.actors.FastTargetSentiment",
    "framing.features.actors.AccurateTargetSentiment",
    "framing.features.actor_tuned.TunedTargetSentiment",
    "framing.features.frames.GenericFrameModel",
    "framing.features.frames.FastGenericFrameModel",
    "framing.features.roles.RoleClassifier",
})
# Attributes not worth saving: scikit-learn's cache of ``id(stop_words)``, which differs between processes.
SKIPPED = frozenset({"_stop_words_id"})


class ArtefactError(ValueError):
    """A model file that is not a valid artefact, or one that asks for a class the loader does not build."""


class StaleArtefact(ArtefactError):
    """An artefact whose training inputs or code version no longer match the current files."""


# ---------------------------------------------------------------- encoding objects as JSON plus arrays

class _Encoder:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def array(self, value: np.ndarray) -> dict[str, Any]:
        key = f"a{len(self.arrays):03d}"
        as_object = value.dtype == object
        if as_object:  # labels kept as Python strings (scikit-learn's classes_): stored as unicode, restored
            if not all(isinstance(v, str) for v in value.flat):
                raise ArtefactError("an object array that is not all strings cannot be stored without pickle")
            value = value.astype(str)
        self.arrays[key] = value
        return {"__array__": key, **({"object": True} if as_object else {})}

    def encode(self, value: Any) -> Any:
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int | float) and type(value) in (int, float):
            return value
        if isinstance(value, np.ndarray):
            return self.array(value)
        if isinstance(value, np.generic):
            return {"__scalar__": value.dtype.str, "value": value.item()}
        if isinstance(value, type) and issubclass(value, np.generic):
            return {"__dtype__": np.dtype(value).str}
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v) for v in value]}
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, dict):
            if not all(isinstance(k, str) for k in value):
                raise ArtefactError(f"dictionary keys must be strings: {list(value)[:3]}")
            if value and all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in value.values()) \
                    and _is_index(value):
                return {"__vocabulary__": sorted(value, key=value.__getitem__)}  # a term -> column map
            return {"__dict__": {k: self.encode(v) for k, v in value.items()}}
        name = f"{type(value).__module__}.{type(value).__qualname__}"
        if name not in ALLOWED:
            raise ArtefactError(f"cannot store an object of class {name}")
        transient = set(getattr(value, "TRANSIENT", ())) | SKIPPED
        state = {k: self.encode(v) for k, v in sorted(vars(value).items()) if k not in transient}
        return {"__object__": name, "state": state}


def _is_index(mapping: dict[str, Any]) -> bool:
    """Whether the values are exactly 0..n-1 (a vocabulary), so the keys can be stored as an ordered list."""
    return sorted(int(v) for v in mapping.values()) == list(range(len(mapping)))


def _build(name: str) -> Any:
    if name not in ALLOWED:
        raise ArtefactError(f"refusing to build an object of class {name}: not in framing.models.artefacts.ALLOWED")
    module, _, qualname = name.rpartition(".")
    cls = getattr(importlib.import_module(module), qualname)
    return cls.__new__(cls)


def _decode(value: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    if not isinstance(value, dict):
        return value
    if "__array__" in value:
        out = arrays[value["__array__"]]
        return out.astype(object) if value.get("object") else out
    if "__scalar__" in value:
        return np.dtype(value["__scalar__"]).type(value["value"])
    if "__dtype__" in value:
        return np.dtype(value["__dtype__"]).type
    if "__tuple__" in value:
        return tuple(_decode(v, arrays) for v in value["__tuple__"])
    if "__vocabulary__" in value:
        return {term: i for i, term in enumerate(value["__vocabulary__"])}
    if "__dict__" in value:
        return {k: _decode(v, arrays) for k, v in value["__dict__"].items()}
    if "__object__" in value:
        obj = _build(value["__object__"])
        obj.__dict__.update({k: _decode(v, arrays) for k, v in value["state"].items()})
        restore = getattr(obj, "restore", None)
        if callable(restore):  # what the object does not store (an encoder, a codebook) is set up again
            restore()
        return obj
    raise ArtefactError(f"unknown entry in a model file: {sorted(value)[:4]}")


# ---------------------------------------------------------------- artefacts: files, inputs, provenance

def _bases() -> tuple[tuple[Path, str], ...]:
    return ((PACKAGE_DIR, "framing/"), (EXTERNAL_DIR, "data/external/"), (PROJECT_ROOT, ""))


def input_name(path: Path) -> str:
    """How an input is named in an artefact: ``framing/…`` in the package, ``data/external/…``, else absolute.

    Paths are not resolved: a project root whose ``data/external`` links to another checkout's names its files
    the same way.
    """
    path = path.absolute()
    for base, prefix in _bases():
        try:
            return prefix + path.relative_to(base.absolute()).as_posix()
        except ValueError:
            continue
    return path.as_posix()


@dataclass(frozen=True)
class Spec:
    """What one model kind is: how it is trained, from which files, and the version of the code that trains it.

    Attributes:
        kind: Name of the artefact (``fast``, ``accurate``, ``frames``, ``frames-fast``, ``roles``).
        version: Bumped by hand whenever a change to the code changes what training produces; an artefact of an
            older version is refused on load.
        inputs: Returns the training files and lexicons whose bytes the model depends on.
        train: Returns ``(model, validation figures)`` trained from those files with fixed seeds.
        code: Source files of the modules that define the model's features (their hash is recorded, for review).
        packages: Installed packages whose versions are recorded.

    """

    kind: str
    version: int
    inputs: Callable[[], list[Path]]
    train: Callable[..., tuple[Any, dict[str, Any]]]
    code: tuple[str, ...]
    packages: tuple[str, ...] = ("scikit-learn", "numpy", "scipy", "vaderSentiment")

    def input_hashes(self) -> dict[str, str | None]:
        """SHA-256 of each current input file, by input name (None for a file that is not there)."""
        out: dict[str, str | None] = {}
        for path in self.inputs():
            try:
                out[input_name(path)] = file_hash(path)
            except FileNotFoundError:
                out[input_name(path)] = None
            except OSError as exc:
                raise ArtefactError(f"{path}: a training file of the {self.kind} model is not readable ({exc})"
                                    ) from exc
        return out

    def code_sha256(self) -> str:
        """One hash over the source files that define the model."""
        h = hashlib.sha256()
        for rel in self.code:
            h.update(rel.encode())
            h.update((PACKAGE_DIR / rel).read_bytes())
        return h.hexdigest()


def installed_versions(names: tuple[str, ...]) -> dict[str, str]:
    """The installed version of each distribution in ``names`` ("not installed" when it is missing)."""
    import importlib.metadata

    out = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def artefact_paths(folder: Path, name: str) -> tuple[Path, Path]:
    """The JSON and ``.npz`` files of artefact ``name`` in ``folder``."""
    return folder / f"{name}.json", folder / f"{name}.npz"


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """The arrays as a deterministic ``.npz`` (deflated): sorted members, fixed timestamps, no pickled objects."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, member.getvalue())
    return buffer.getvalue()


def save(model: Any, spec: Spec, folder: Path, *, validation: Mapping[str, Any], name: str | None = None,
         extra: Mapping[str, Any] | None = None) -> Path:
    """Write ``model`` as ``<name>.json`` and ``<name>.npz`` in ``folder``; returns the JSON path.

    The files are byte-identical for identical models: no timestamp, attributes in sorted order, dictionaries
    in their own order (a frame's figures stay in codebook order), fixed zip metadata.

    Args:
        model: The trained model (objects of :data:`ALLOWED` classes, arrays, numbers, strings).
        spec: Its kind's :class:`Spec` (inputs, version, code).
        folder: Where to write.
        validation: The cross-validated and dev-file figures computed when it was trained.
        name: File stem (default: the kind).
        extra: Provenance of extra training rows (hand-coded units), recorded as given.

    """
    inputs = spec.input_hashes()
    missing = sorted(k for k, v in inputs.items() if v is None)
    if missing:
        raise ArtefactError(f"cannot record the {spec.kind} model's training files: {', '.join(missing)} not found")
    enc = _Encoder()
    body = enc.encode(model)
    npz = _npz_bytes(enc.arrays)
    from framing import __version__

    doc = {
        "format": FORMAT,
        "kind": spec.kind,
        "model_version": spec.version,
        "framing_version": __version__,
        "inputs": inputs,
        "code_sha256": spec.code_sha256(),
        "packages": installed_versions(spec.packages),
        "arrays_sha256": hashlib.sha256(npz).hexdigest(),
        "extra": dict(extra) if extra else None,
        "validation": validation,
        "model": body,
    }
    json_path, npz_path = artefact_paths(folder, name or spec.kind)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(npz_path) as tmp:
        tmp.write_bytes(npz)
    with atomic_path(json_path) as tmp:
        tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False) + "\n",
                       encoding="utf-8")
    return json_path


def read_metadata(json_path: Path) -> dict[str, Any]:
    """The artefact's JSON document (no arrays, no objects built)."""
    try:
        doc = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArtefactError(f"{json_path}: not a readable model artefact ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ArtefactError(f"{json_path}: not a {FORMAT} artefact")
    return doc


def check_current(doc: dict[str, Any], spec: Spec, json_path: Path) -> None:
    """Raise :class:`StaleArtefact` unless the artefact's version and input hashes match the current ones."""
    if doc.get("kind") != spec.kind or doc.get("model_version") != spec.version:
        raise StaleArtefact(
            f"{json_path} holds the {doc.get('kind')} model version {doc.get('model_version')}, and this code "
            f"expects the {spec.kind} model version {spec.version}: run `framing train {spec.kind}` to rebuild it")
    current = spec.input_hashes()
    recorded: dict[str, str] = doc.get("inputs", {})
    absent = sorted(k for k in current if current[k] is None)
    changed = sorted(k for k in set(current) | set(recorded)
                     if k not in absent and current.get(k) != recorded.get(k))
    if changed:
        raise StaleArtefact(
            f"{json_path} was trained on other versions of {', '.join(changed)} than the files now present: "
            f"run `framing train {spec.kind}` to rebuild it from them (or restore the files it records)")
    if absent:  # an install without the project's data/external (a wheel, a Dask worker): nothing to compare with
        log.warning("%s: %d training file(s) not present (%s), so the artefact is used as shipped, unchecked",
                    json_path.name, len(absent), ", ".join(absent[:3]) + (" ..." if len(absent) > 3 else ""))
    installed = installed_versions(tuple(doc.get("packages", {})))
    moved = [f"{name} {was} -> {installed[name]}" for name, was in doc.get("packages", {}).items()
             if _minor(installed[name]) != _minor(str(was))]
    if moved:  # the arrays load either way; whether they predict the same is what `framing validate all` checks
        log.warning("%s was trained with other package versions (%s): run `framing validate all` to check its "
                    "figures", json_path.name, "; ".join(moved))


def _minor(version: str) -> str:
    """``major.minor`` of a version string.

    >>> _minor("1.9.1"), _minor("2.3"), _minor("not installed")
    ('1.9', '2.3', 'not installed')
    """
    return ".".join(version.split(".")[:2])


def load(json_path: Path, spec: Spec) -> Any:
    """The model stored at ``json_path``, after checking its format, version, inputs and arrays.

    Raises:
        ArtefactError: the file is missing, unreadable, not an artefact, or asks for a class not in :data:`ALLOWED`.
        StaleArtefact: its version or training inputs do not match the current code and files.

    """
    if not json_path.is_file():
        raise ArtefactError(f"model artefact not found: {json_path} (run `framing train {spec.kind}`)")
    doc = read_metadata(json_path)
    check_current(doc, spec, json_path)
    npz_path = json_path.with_suffix(".npz")
    try:
        raw = npz_path.read_bytes()
    except OSError as exc:
        raise ArtefactError(f"{npz_path}: arrays of the model not readable ({exc})") from exc
    if hashlib.sha256(raw).hexdigest() != doc.get("arrays_sha256"):
        raise ArtefactError(f"{npz_path} does not have the hash its {json_path.name} records: the two files do not "
                            f"belong together (run `framing train {spec.kind}`)")
    with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return _decode(doc["model"], arrays)
