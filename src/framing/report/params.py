"""Report parameters: the corpus-neutral defaults, their checks, and the split of a params file among notebooks.

:class:`ReportSettings` holds every parameter of the report notebooks with its default. The defaults fit any corpus:
no focus topic, no event windows, every outlet, the most-mentioned actors, and a topic count that adapts to the
number of documents. A study's own choices (the bundled study's Venezuela focus and its two event windows) live in
its params file, ``notebooks/params/default.yaml``. The notebooks' ``parameters`` cells repeat these defaults (a
test checks that they agree), because papermill reads them there.
"""

from __future__ import annotations

import functools
import math
import os
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from framing.config import PROJECT_ROOT, CompareSettings, resolve


class ParameterError(ValueError):
    """Parameters that a notebook does not declare, of the wrong type, or out of range."""


ACTOR_MODES = ("accurate", "fast")
VOICES = ("author", "quoted")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ReportSettings:
    """Every report parameter, with the defaults a corpus without a params file gets."""

    corpus_dir: str = "data/raw"  # folder of raw files, relative to the project root
    topic: str = "all"  # restrict every comparison to one topic tag from lexicons/topics.yaml, or "all"
    outlets: list[str] | None = None  # outlet slugs to include; None: every outlet
    focus_topic: str | None = None  # a topic slice shown beside the full comparison; None: none
    min_docs: int = 5  # groups with fewer documents are shown as small-n, never tested
    actor_mode: str = "accurate"  # "accurate" (MiniLM) or "fast" (scikit-learn only)
    voice: str = "author"  # the voice of the main actor and frame tables: "author" or "quoted"
    key_actors: list[str] | None = None  # actors for the evidence table; None: the eight most mentioned
    fdr: float = 0.05  # false discovery rate of the key findings (Benjamini-Hochberg)
    windows: dict[str, list[str]] | None = None  # event windows, name -> [start, end] (ISO dates); None: none
    n_resamples: int = 2000  # bootstrap and permutation resamples
    confidence_level: float = 0.95
    seed: int = 20190123
    n_topics: int | None = None  # NMF topics; None: about sqrt(documents / 2), from 2 to 10
    keyness_alpha0: float = 1000.0  # strength of the informative Dirichlet prior (Monroe et al. 2008)
    coding_per_frame: int = 20  # sentences per issue frame in the hand-coding sheet
    extra: dict[str, Any] = field(default_factory=dict, compare=False)  # parameters of other notebooks

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ReportSettings:
        """Settings from a mapping of parameter values (checked; unknown names go to ``extra``)."""
        names = {f.name for f in fields(cls)} - {"extra"}
        known = {k: v for k, v in params.items() if k in names}
        check_values(known)
        return cls(**known, extra={k: v for k, v in params.items() if k not in names})

    @property
    def compare(self) -> CompareSettings:
        """The interval and test settings."""
        return CompareSettings(n_resamples=self.n_resamples, confidence_level=self.confidence_level,
                               min_docs=self.min_docs, seed=self.seed)

    def topics_for(self, n_docs: int) -> int:
        """NMF topics for ``n_docs`` documents: ``n_topics``, or about √(n/2) from 2 to 10.

        >>> [ReportSettings().topics_for(n) for n in (3, 40, 94, 10_000)]
        [2, 4, 7, 10]
        """
        if self.n_topics is not None:
            return self.n_topics
        return int(min(10, max(2, round(math.sqrt(max(n_docs, 0) / 2)))))

    def as_params(self) -> dict[str, Any]:
        """The settings as parameter values (what the manifest records)."""
        out = asdict(self)
        out.pop("extra")
        return out


DEFAULTS = ReportSettings()


def _known_topics() -> list[str]:
    from framing.features.topics import TopicLexicon

    return sorted(TopicLexicon.load().labels)


def check_values(params: dict[str, Any]) -> None:
    """Check the values of the report parameters given (types are checked against the notebooks elsewhere).

    Raises:
        ParameterError: naming the parameter, the value and what is allowed.

    >>> check_values({"focus_topic": "venezuela", "windows": {"2019": ["2019-01-01", "2019-12-31"]}})
    >>> check_values({"windows": {"x": ["2019-12-31", "2019-01-01"]}})
    Traceback (most recent call last):
    ...
    framing.report.params.ParameterError: window 'x' ends (2019-01-01) before it starts (2019-12-31)
    """
    def bad(name: str, why: str) -> ParameterError:
        return ParameterError(f"parameter {name!r} = {params[name]!r}: {why}")

    for name in ("topic", "focus_topic"):
        value = params.get(name)
        if value is None or (name == "topic" and value == "all"):
            continue
        topics = _known_topics()
        if value not in topics:
            allowed = ("'all' or " if name == "topic" else "null or ") + ", ".join(topics)
            raise bad(name, f"not a topic of lexicons/topics.yaml; choose {allowed}")
    if params.get("actor_mode", "accurate") not in ACTOR_MODES:
        raise bad("actor_mode", f"choose one of {list(ACTOR_MODES)}")
    if params.get("voice", "author") not in VOICES:
        raise bad("voice", f"choose one of {list(VOICES)}")
    for name, low in (("min_docs", 1), ("n_resamples", 1), ("seed", 0), ("coding_per_frame", 0)):
        if name in params and isinstance(params[name], int) and params[name] < low:
            raise bad(name, f"must be at least {low}")
    if isinstance(params.get("n_topics"), int) and params["n_topics"] < 1:
        raise bad("n_topics", "must be at least 1, or null to adapt to the corpus")
    for name in ("confidence_level", "fdr"):
        value = params.get(name)
        if isinstance(value, int | float) and not 0 < value < 1:
            raise bad(name, "must lie strictly between 0 and 1")
    if isinstance(params.get("keyness_alpha0"), int | float) and not params["keyness_alpha0"] > 0:
        raise bad("keyness_alpha0", "must be positive")
    for name in ("outlets", "key_actors"):
        value = params.get(name)
        if isinstance(value, list) and not value:
            raise bad(name, "an empty list selects nothing; use null for all")
    windows = params.get("windows")
    if isinstance(windows, dict):
        for label, span in windows.items():
            if not (isinstance(span, list | tuple) and len(span) == 2
                    and all(isinstance(d, str) and _DATE.fullmatch(d) for d in span)):
                raise ParameterError(f"window {label!r} must be [start, end] as YYYY-MM-DD dates, got {span!r}")
            if span[1] < span[0]:
                raise ParameterError(f"window {label!r} ends ({span[1]}) before it starts ({span[0]})")


# ---------------------------------------------------------------- params files and notebooks

def notebook_parameters(path: Path) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares in its ``parameters`` cell (papermill's own inspection).

    Kept in ``data/interim/notebook-parameters/`` under a hash of the notebook's bytes and papermill's version:
    papermill's import is over a second of every ``framing run``'s start, before any work.
    """
    return dict(_inspect(str(path), path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=32)
def _inspect(path: str, mtime_ns: int) -> dict[str, dict[str, Any]]:
    import hashlib
    import json
    from importlib.metadata import version

    from framing.config import INTERIM_DIR
    from framing.safeio import atomic_write_text

    del mtime_ns  # part of the cache key only: an edited notebook is inspected again
    digest = hashlib.sha256(Path(path).read_bytes() + f"|papermill={version('papermill')}".encode()).hexdigest()
    cached = INTERIM_DIR / "notebook-parameters" / f"{digest[:24]}.json"
    try:
        return dict(json.loads(cached.read_text(encoding="utf-8")))
    except (OSError, ValueError):  # not there yet, or unreadable: inspect
        pass
    import papermill

    found = dict(papermill.inspect_notebook(path))
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(cached, json.dumps(found) + "\n")
    except (OSError, TypeError, ValueError):  # a cache that cannot be written costs the next run a second
        pass
    return found


def load_params(path: Path | None) -> dict[str, Any]:
    """Read a params YAML file (a flat mapping of parameter names to values)."""
    if path is None:
        return {}
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path}: invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ParameterError(f"{path}: expected a mapping of parameter names to values")
    return data


_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "dict": (dict,),
    "Optional[list[str]]": (list, type(None)), "Optional[str]": (str, type(None)),
    "Optional[int]": (int, type(None)), "Optional[dict]": (dict, type(None)),
}
RUN_SETS = ("output_dir",)  # parameters the runner sets itself: a value from the user would be overridden


def check_params(params: dict[str, Any], notebooks: list[Path]) -> dict[Path, dict[str, Any]]:
    """Split ``params`` among notebooks; unknown names, wrong types and values out of range are errors.

    Papermill only warns about unknown names, and a value reaches a notebook only as a literal (papermill writes
    strings escaped), so these checks are about clear errors before any work: unknown names, wrong types,
    ``output_dir`` (the run chooses it), a ``corpus_dir`` that is not a folder, and the values
    :func:`check_values` refuses (an unknown topic, a window that ends before it starts, ...).

    Returns:
        For each notebook, the parameters it declares.

    """
    declared = {nb: notebook_parameters(nb) for nb in notebooks}
    known = {name for d in declared.values() for name in d}
    unknown = sorted(set(params) - known)
    if unknown:
        raise ParameterError(f"unknown parameters {unknown}; the notebooks declare {sorted(known)}")
    reserved = sorted(set(params) & set(RUN_SETS))
    if reserved:
        raise ParameterError(f"parameters {reserved} are set by the run (figures and tables go into the run folder); "
                             "choose where runs go with --out")
    if "corpus_dir" in params:
        corpus = params["corpus_dir"]
        if not isinstance(corpus, str | os.PathLike) or not resolve(corpus).is_dir():
            raise ParameterError(f"corpus_dir {corpus!r} is not a folder (relative paths start at the project root "
                                 f"{PROJECT_ROOT})")
    out: dict[Path, dict[str, Any]] = {}
    for nb, decl in declared.items():
        mine = {}
        for name, value in params.items():
            if name not in decl:
                continue
            expected = (decl[name].get("inferred_type_name") or "").strip()
            allowed = _TYPES.get(expected)
            if allowed and not isinstance(value, allowed) or (expected in ("int", "float", "Optional[int]")
                                                              and isinstance(value, bool)):
                raise ParameterError(f"parameter {name!r} must be {expected}, got {type(value).__name__} {value!r}")
            if (expected == "Optional[list[str]]" and isinstance(value, list)
                    and not all(isinstance(v, str) for v in value)):
                raise ParameterError(f"parameter {name!r} must be a list of strings")
            mine[name] = value
        out[nb] = mine
    check_values(params)
    return out
