"""The feature registry: each measure is one module that declares its tables, its inputs and how to compute them.

A feature is a :class:`Feature`: a name, the tables it writes (:class:`Table`, with their columns, dtypes and sort
keys), what it reads (other features' tables, lexicon files, model artefacts, gold files), a version, whether it
is English-only, a ``compute`` function, and optionally the document-level measures it offers to the comparisons
and key findings (:class:`DocumentMeasure`). The build, the feature store's keys, the findings, ``framing diff``,
the validation listing and the README's schema table all read the registry; nothing else lists the features.

The nine measures of the package register themselves from their own modules (``FEATURE`` in each, loaded in
:data:`BUILTIN` order). A researcher's own measure is one :func:`register` call::

    from framing.features import registry

    def exclamations(inputs):
        s = inputs.sentences.assign(excl=inputs.sentences["text"].str.contains("!"))
        return {"doc_exclamations": s.groupby("doc_id", as_index=False)["excl"].mean()
                .rename(columns={"excl": "share_exclaiming"})}

    registry.register(registry.Feature(
        name="exclamations", compute=exclamations,
        tables=(registry.Table("doc_exclamations", {"doc_id": "string", "share_exclaiming": "float64"},
                               ("doc_id",)),),
        measures=(registry.DocumentMeasure("doc_exclamations", "share_exclaiming", "mean",
                                           "share of sentences exclaiming"),)))

A feature registered by a call reaches the build in that process (and its forked workers). The report's notebook
kernels and Dask's workers are other processes: for them, name the feature's module in ``FRAMING_FEATURES`` or
publish it as a ``framing.features`` entry point (:func:`plugins`), and every process loads it with the registry.

**Cache keys.** :meth:`Feature.key` hashes the feature's version, its table schemas, the source of its module and
of every ``framing`` module that module imports (found by reading their ``import`` statements, so a helper edited
in ``framing/text.py`` reaches every feature that uses it), its lexicon files, the shipped artefacts of its models
with the files each was trained on, its gold files, the versions of the packages it names, and the keys of the
features it requires. The code that makes its inputs (ingest, normalising, segmenting) is in every key. Editing
one feature's code therefore recomputes that feature and those that read its tables, and nothing else.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import importlib.util
import inspect
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

if TYPE_CHECKING:
    from framing.config import LanguageSettings

DTYPES = ("string", "int64", "float64", "bool")
# Tables of the corpus itself (not features): a feature may not take their names.
RESERVED = ("documents", "sentences", "rejects", "files")
# The package's own measures, in build order (each module defines FEATURE).
BUILTIN = ("topics", "sentiment", "attribution", "actors", "labels", "roles", "frames", "issue_frames", "lexcats")
# What every feature's rows depend on besides its own code: what makes the documents and sentences it reads.
BASE_PACKAGES = ("ftfy", "syntok", "py3langid")
BASE_MODULES = ("framing.ingest", "framing.text", "framing.language", "framing.corpus", "framing.outlets",
                "framing.build.dedupe", "framing.config", "framing.lexicons")


class RegistryError(ValueError):
    """A feature that cannot be registered as declared (duplicate name or table, unknown input, bad schema)."""


@dataclass(frozen=True)
class Table:
    """One table a feature writes: every row is keyed by ``doc_id``.

    Attributes:
        name: Table name (the CSV/Parquet file name).
        columns: Column → dtype (``string``, ``int64``, ``float64`` or ``bool``), in order; ``doc_id`` first.
        sort: Columns that order the rows (deterministic output).
        per_sentence: Rows of one copy of each text only, with an ``n_copies`` column added (a duplicate
            document's sentences are not scored twice).
    """

    name: str
    columns: dict[str, str]
    sort: tuple[str, ...] = ("doc_id",)
    per_sentence: bool = False

    def schema(self) -> dict[str, str]:
        """The columns as stored, ``n_copies`` included for a per-sentence table."""
        return {**self.columns, "n_copies": "int64"} if self.per_sentence else dict(self.columns)


@dataclass(frozen=True)
class DocumentMeasure:
    """A document-level value a feature offers to the comparisons and key findings.

    Attributes:
        table: One of the feature's tables.
        value: Its numeric column (a 0/1 column for ``kind="share"``).
        kind: ``mean`` (Hedges' g, difference of means) or ``share`` (Cohen's h, difference of proportions).
        label: The measure's name in the findings; with ``by``, the prefix of one measure per value of ``by``.
        by: A column whose values split the table into several measures (``frame`` gives one per frame).
        within_genre: Also compare within genre (news with news, opinion with opinion).
    """

    table: str
    value: str
    kind: Literal["mean", "share"]
    label: str
    by: str | None = None
    within_genre: bool = True


@dataclass(frozen=True)
class Inputs:
    """What :attr:`Feature.compute` gets for one batch of documents.

    Attributes:
        documents: The documents to compute (for an English-only feature, those the language settings score).
        sentences: Their sentences.
        tables: The tables of the features it requires, cut to these documents.
        actor_mode: ``accurate`` or ``fast``.
        language: The language settings of the build.
    """

    documents: pd.DataFrame
    sentences: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    actor_mode: str = "accurate"
    language: LanguageSettings | None = None


@dataclass(frozen=True)
class Feature:
    """One measure: its tables, its inputs, and how to compute them (see the module docstring).

    Attributes:
        name: Unique name (it names the feature's folder in the store).
        tables: The tables it writes.
        compute: ``Inputs`` → ``{table name: DataFrame}``; each document's rows depend on that document alone.
        version: Bump when its output changes for the same code and inputs (a changed rule in a data file, say).
        english_only: Computed only for documents the language settings score.
        requires: Names of features whose tables it reads (registered before it).
        lexicons: Lexicon files it reads (names as :func:`framing.lexicons.lexicon_path` takes them).
        models: Shipped model kinds it loads, per actor mode: ``{"accurate": ("accurate",), "fast": ("fast",)}``.
        gold: Files under ``data/external`` it reads at run time.
        packages: Distributions whose version its output depends on.
        modules: Modules whose source it depends on beyond the one defining ``compute`` (found by itself).
        measures: Document-level measures it offers to comparisons and findings.
        mode_free: Its output does not depend on ``actor_mode``, so both modes share its stored rows.
        validated_by: Prefixes of the rows of ``framing validate all`` that score it against gold data (empty: not
            validated against human judgement; the listing says so).
    """

    name: str
    tables: tuple[Table, ...]
    compute: Callable[[Inputs], dict[str, pd.DataFrame]]
    version: int = 1
    english_only: bool = True
    requires: tuple[str, ...] = ()
    lexicons: tuple[str, ...] = ()
    models: dict[str, tuple[str, ...]] = field(default_factory=dict)
    gold: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    measures: tuple[DocumentMeasure, ...] = ()
    mode_free: bool = True
    validated_by: tuple[str, ...] = ()

    def key(self, actor_mode: str) -> str:
        """Hash of everything this feature's rows depend on besides the documents (see the module docstring).

        Computed afresh from the files each time (a few milliseconds), so a lexicon edited or a model retrained in
        this process is seen.
        """
        return _feature_key(self.name, actor_mode)

    def table_names(self) -> tuple[str, ...]:
        """Names of its tables."""
        return tuple(t.name for t in self.tables)


_features: dict[str, Feature] = {}
_loaded = False
_loading = False


def _builtins() -> None:
    global _loaded, _loading
    if _loaded or _loading:
        return
    _loading = True
    try:
        for module in BUILTIN:
            feature = importlib.import_module(f"framing.features.{module}").FEATURE
            if feature.name not in _features:
                register(feature)
        for feature in plugins():
            if _features.get(feature.name) is not feature:  # loaded by an earlier, failed attempt: kept
                register(feature)  # a name taken by another feature is an error, not a silent skip
        _loaded = True  # only once everything loaded: a broken plugin raises again on the next use
    finally:
        _loading = False


def plugins() -> list[Feature]:
    """Features from outside the package, loaded in every process that reads the registry.

    Two ways, so that the report's kernels and Dask's workers see them as the build does:

    - an installed package's entry point in the ``framing.features`` group, naming a :class:`Feature`;
    - the environment variable ``FRAMING_FEATURES``: comma-separated ``module`` or ``module:attribute`` names
      (``attribute`` defaults to ``FEATURE``), importable from the process's path.

    Raises:
        RegistryError: a name that does not import, or does not name a :class:`Feature`.
    """
    import os
    from importlib.metadata import entry_points

    found: list[tuple[str, object]] = []
    for point in entry_points(group="framing.features"):
        try:
            found.append((f"entry point {point.name}", point.load()))
        except Exception as exc:  # a broken plugin names itself, not a traceback from deep in importlib
            raise RegistryError(f"the framing.features entry point {point.name!r} does not load: {exc}") from exc
    for spec in filter(None, (s.strip() for s in os.environ.get("FRAMING_FEATURES", "").split(","))):
        module, _, attribute = spec.partition(":")
        try:
            found.append((f"FRAMING_FEATURES {spec}", getattr(importlib.import_module(module), attribute or "FEATURE")))
        except (ImportError, AttributeError) as exc:
            raise RegistryError(f"FRAMING_FEATURES names {spec!r}, which does not load: {exc} (is its folder on "
                                "PYTHONPATH? e.g. PYTHONPATH=. for a module in the current folder)") from exc
    for where, value in found:
        if not isinstance(value, Feature):
            raise RegistryError(f"{where} is a {type(value).__name__}, not a framing Feature")
    return [value for _, value in found if isinstance(value, Feature)]


def register(feature: Feature) -> Feature:
    """Add ``feature`` to the registry (after the package's own); returns it.

    Raises:
        RegistryError: its name or a table name is taken, a required feature is not registered, a table's schema
            or sort key is malformed, or a measure names a table or column it does not declare.
    """
    _builtins()
    _check(feature)
    _features[feature.name] = feature
    return feature


def unregister(name: str) -> None:
    """Remove a feature registered by :func:`register` (not one another feature requires)."""
    _builtins()
    if name not in _features:
        raise RegistryError(f"no feature named {name!r}; registered: {list(_features)}")
    users = [f.name for f in _features.values() if name in f.requires]
    if users:
        raise RegistryError(f"feature {name!r} is required by {users}")
    del _features[name]


def _check(feature: Feature) -> None:
    if not feature.name.isidentifier():
        raise RegistryError(f"feature name {feature.name!r} must be an identifier")
    if feature.name in _features:
        raise RegistryError(f"a feature named {feature.name!r} is already registered")
    if not feature.tables:
        raise RegistryError(f"feature {feature.name!r} declares no table")
    taken = {t: f.name for f in _features.values() for t in f.table_names()}
    for table in feature.tables:
        where = f"feature {feature.name!r}, table {table.name!r}"
        if table.name in RESERVED or table.name in taken:
            raise RegistryError(f"{where}: the name is taken (by {taken.get(table.name, 'the corpus')})")
        if not table.name.isidentifier():
            raise RegistryError(f"{where}: a table name must be an identifier")
        if next(iter(table.columns), None) != "doc_id":
            raise RegistryError(f"{where}: the first column must be doc_id")
        bad = {c: d for c, d in table.columns.items() if d not in DTYPES}
        if bad:
            raise RegistryError(f"{where}: unknown dtypes {bad}; use one of {DTYPES}")
        missing = [c for c in table.sort if c not in table.columns]
        if missing or not table.sort:
            raise RegistryError(f"{where}: sort columns {missing or '()'} are not among its columns")
        if table.per_sentence and "n_copies" in table.columns:
            raise RegistryError(f"{where}: n_copies is added to a per-sentence table, do not declare it")
    unknown = [r for r in feature.requires if r not in _features]
    if unknown:
        raise RegistryError(f"feature {feature.name!r} requires {unknown}, which are not registered (yet)")
    own = {t.name: t for t in feature.tables}
    for m in feature.measures:
        if m.table not in own or m.value not in own[m.table].columns or (m.by and m.by not in own[m.table].columns):
            raise RegistryError(f"feature {feature.name!r}: measure {m.label!r} names a table or column it does "
                                f"not declare ({m.table}.{m.value}, by={m.by})")
        if not m.label.strip():
            raise RegistryError(f"feature {feature.name!r}: a measure on {m.table}.{m.value} needs a label")
        if m.kind not in ("mean", "share"):
            raise RegistryError(f"feature {feature.name!r}: measure kind {m.kind!r}; use 'mean' or 'share'")
    from framing.models import SPECS

    kinds = {k for ks in feature.models.values() for k in ks}
    if kinds - set(SPECS):
        raise RegistryError(f"feature {feature.name!r}: unknown models {sorted(kinds - set(SPECS))}")


def missing_as_na(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Empty strings in ``columns`` as missing values, as a table read back from the store or CSV has them.

    So a computed table and a stored one are equal, and a feature that reads it gets the same rows either way.
    """
    out = df.copy()
    for col in columns:
        if col in out.columns:
            values = out[col].astype("string")
            out[col] = values.mask(values == "")
    return out


# ---------------------------------------------------------------- what the rest of the package reads

def features() -> tuple[Feature, ...]:
    """Every registered feature, in build order."""
    _builtins()
    return tuple(_features.values())


def is_builtin(feature: Feature) -> bool:
    """Whether ``feature`` is one of the package's own (defined by a module of :data:`BUILTIN`)."""
    return getattr(feature.compute, "__module__", None) in {f"framing.features.{m}" for m in BUILTIN}


def get(name: str) -> Feature:
    """The feature named ``name``."""
    _builtins()
    try:
        return _features[name]
    except KeyError:
        raise RegistryError(f"no feature named {name!r}; registered: {list(_features)}") from None


def tables() -> dict[str, Table]:
    """Every feature table by name, in build order."""
    return {t.name: t for f in features() for t in f.tables}


def table_schemas() -> dict[str, dict[str, str]]:
    """Table → its stored columns and dtypes."""
    return {name: t.schema() for name, t in tables().items()}


def sort_keys() -> dict[str, list[str]]:
    """Table → the columns that order its rows."""
    return {name: list(t.sort) for name, t in tables().items()}


def sentence_tables() -> tuple[str, ...]:
    """Tables that hold one copy of each text (per-sentence rows, with ``n_copies``)."""
    return tuple(name for name, t in tables().items() if t.per_sentence)


def english_tables() -> tuple[str, ...]:
    """Tables of English-only features: rows only for documents the language settings score."""
    return tuple(t.name for f in features() if f.english_only for t in f.tables)


def lexicon_names() -> tuple[str, ...]:
    """Every lexicon file a feature reads, in order of first use."""
    return tuple(dict.fromkeys(name for f in features() for name in f.lexicons))


def measures() -> tuple[DocumentMeasure, ...]:
    """Every document-level measure offered to comparisons, in build order."""
    return tuple(m for f in features() for m in f.measures)


def key(actor_mode: str) -> str:
    """One hash of every feature's key: what a whole-corpus cache of feature tables depends on."""
    h = hashlib.sha256()
    for f in features():
        h.update(f"{f.name}={f.key(actor_mode)}".encode())
    return h.hexdigest()[:16]


def describe() -> pd.DataFrame:
    """One row per feature table: feature, table, columns, sort key, English-only, per sentence, inputs, measures.

    The README's schema table and the methods section list the features from it.
    """
    rows = []
    for f in features():
        for t in f.tables:
            offered = [m.label.strip() + (f" <{m.by}>" if m.by else "") for m in f.measures if m.table == t.name]
            models = [f"{'/'.join(f.models[mode])} ({mode})" for mode in sorted(f.models)]
            inputs = [f"{what}: {', '.join(names)}" for what, names in (
                ("tables of", f.requires), ("lexicons", f.lexicons), ("models", models), ("gold", f.gold)) if names]
            rows.append({"feature": f.name, "table": t.name, "columns": ", ".join(t.schema()),
                         "sort": ", ".join(t.sort), "english_only": f.english_only, "per_sentence": t.per_sentence,
                         "inputs": "; ".join(inputs), "measures": "; ".join(offered),
                         "validated_by": "; ".join(f.validated_by) or "not validated against gold data",
                         "version": f.version})
    return pd.DataFrame(rows)


def markdown() -> str:
    """The feature tables as a Markdown table (the README's listing, which a test keeps equal to this)."""
    lines = ["| feature | table | columns (sorted by) | English only | inputs | offers to comparisons | validated by "
             "(`framing validate all` rows) |", "|---|---|---|---|---|---|---|"]
    for row in describe().to_dict("records"):
        columns = ", ".join(f"`{c}`" for c in str(row["columns"]).split(", "))
        lines.append(f"| {row['feature']} | `{row['table']}` | {columns} (by {row['sort']}) | "
                     f"{'yes' if row['english_only'] else 'no'} | {row['inputs'] or '—'} | {row['measures'] or '—'} | "
                     f"{row['validated_by']} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- keys

def _module_file(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


# Modules hashed but not followed: the registry imports the build to hash its stages, and models/__init__ imports
# every model's training code; a feature that loads a model depends on its artefact (hashed apart) and on
# framing.models.artefacts, which reads it.
LEAVES = frozenset({"framing.features.registry", "framing.models"})


@cache
def _installed_roots() -> tuple[str, ...]:
    import site
    import sys
    import sysconfig

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, *site.getsitepackages(), site.getusersitepackages(),
             *(sysconfig.get_paths().get(k, "") for k in ("stdlib", "platstdlib", "purelib", "platlib"))}
    return tuple(sorted(str(Path(r).resolve()) for r in roots if r))


def _followed(name: str) -> bool:
    """Whether a module's source counts in a key.

    The package's own modules do, and a researcher's: any module not installed (not under the interpreter's
    prefixes or site-packages).
    """
    if name == "framing" or name.startswith("framing."):
        return True
    path = _module_file(name)
    if path is None:
        return False
    resolved = str(path.resolve())
    return not any(resolved.startswith(root + "/") or resolved == root for root in _installed_roots())


def _imports(path: Path, package: str) -> tuple[str, ...]:
    """The modules a source file imports that :func:`module_closure` follows.

    For ``from pkg import mod``, the submodule only: what ``pkg/__init__`` does is not what the importing code uses.
    """
    stat = path.stat()
    return _imports_of(path, package, stat.st_mtime_ns, stat.st_size)


@cache
def _imports_of(path: Path, package: str, mtime_ns: int, size: int) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for name in _read_imports(path, package) if _followed(name)))


def _read_imports(path: Path, package: str) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                mod = f"{base}.{node.module}" if node.module else base
            else:
                mod = node.module or ""
            if not mod or mod.partition(".")[0] in ("__future__", "typing"):
                continue
            submodules = [f"{mod}.{a.name}" for a in node.names
                          if _followed(mod) and _module_file(f"{mod}.{a.name}") is not None]
            yield from submodules or [mod]


def module_closure(names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` and every module of the package, or of the researcher's own code, they import, directly or not.

    The root package's ``__init__`` is left out (it only offers the short API), and :data:`LEAVES` are hashed
    without following their imports.
    """
    seen: dict[str, Path] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen or name == "framing":
            continue
        path = _module_file(name)
        if path is None:
            continue
        seen[name] = path
        if name in LEAVES:
            continue
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        todo.extend(_imports(path, package))
    return tuple(sorted(seen))


def source_hash(names: tuple[str, ...]) -> str:
    """SHA-256 of the source of these modules and of everything they import from the package."""
    h = hashlib.sha256()
    for name in module_closure(tuple(sorted(set(names)))):
        path = _module_file(name)
        assert path is not None
        h.update(name.encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _stage_source() -> str:
    """The source of the stages that make a feature's inputs (normalise and segment live in the pipeline)."""
    from framing.build import pipeline

    return "".join(inspect.getsource(fn) for fn in pipeline.INPUT_STAGES)


def input_key() -> str:
    """Hash of what makes every feature's inputs, the documents and their sentences.

    The base modules, the stages and the versions of the packages they use: the key of the build's cached
    sentences and parsed files.
    """
    from framing import __version__
    from framing.models.artefacts import installed_versions

    h = hashlib.sha256(f"{__version__}|{source_hash(BASE_MODULES)}".encode())
    h.update(hashlib.sha256(_stage_source().encode()).digest())
    for package, installed in installed_versions(BASE_PACKAGES).items():
        h.update(f"{package}={installed}".encode())
    return h.hexdigest()[:16]


def _feature_key(name: str, actor_mode: str) -> str:
    from framing import models
    from framing.config import EXTERNAL_DIR
    from framing.lexicons import file_hash, lexicon_path
    from framing.models.artefacts import installed_versions

    f = _features[name]
    h = hashlib.sha256()
    h.update(json.dumps({"name": f.name, "version": f.version, "english_only": f.english_only,
                         "schema": {t.name: [t.schema(), list(t.sort), t.per_sentence] for t in f.tables},
                         "mode": None if f.mode_free else actor_mode}, sort_keys=True).encode())
    fn: object = f.compute
    while isinstance(fn, functools.partial):  # the function a partial wraps, and the arguments it binds
        h.update(repr((fn.args, sorted(fn.keywords.items()))).encode())
        fn = fn.func
    own = inspect.getmodule(fn)
    uses_models = ("framing.models.artefacts",) if f.models else ()
    modules = (*f.modules, *((own.__name__,) if own is not None else ()), *uses_models)
    h.update(source_hash(tuple(modules)).encode())
    h.update(input_key().encode())  # what makes its documents and sentences: the base modules, stages, packages
    if own is None or own.__name__ == "__main__":  # defined in a notebook or a script: hash the function itself
        try:
            h.update(inspect.getsource(fn).encode())  # type: ignore[arg-type]
        except (OSError, TypeError):  # no source to read: its name (bump the feature's version when it changes)
            h.update(str(getattr(fn, "__qualname__", type(fn).__name__)).encode())
    for package, installed in installed_versions(f.packages).items():
        h.update(f"{package}={installed}".encode())
    for lexicon in f.lexicons:
        h.update(f"{lexicon}={file_hash(lexicon_path(lexicon))}".encode())
    for kind in f.models.get(actor_mode, ()):
        h.update(f"{kind}={models.artefact_hash(kind)}".encode())
        for input_name, digest in sorted(models.SPECS[kind].input_hashes().items()):
            h.update(f"{input_name}={digest}".encode())
    for gold in f.gold:
        h.update(gold.encode())
        h.update(hashlib.sha256((EXTERNAL_DIR / gold).read_bytes()).digest())
    for required in f.requires:
        h.update(f"{required}={_feature_key(required, actor_mode)}".encode())
    return h.hexdigest()[:16]


def clear_keys() -> None:
    """Forget the parsed imports (they are keyed on each file's size and modification time already)."""
    _imports_of.cache_clear()
    _installed_roots.cache_clear()
