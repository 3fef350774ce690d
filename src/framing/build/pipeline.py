"""The stages, as pure functions from tables to tables, and a cached runner for the whole study.

``raw files → records/rejects (ingest) → documents (normalise, dedupe) → sentences (segment) → features``.
:func:`run` caches its result in ``data/interim/`` under a key made of the corpus files' hashes, the package
version, the lexicon files' hashes and the parameters, so a notebook that calls it after ``framing run``
(or a rerun on an unchanged corpus) reads the tables back instead of recomputing them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from framing import __version__
from framing.build.dedupe import DedupeIndex, Signatures
from framing.config import INTERIM_DIR, DedupeSettings, LanguageSettings, resolve
from framing.corpus import comparable, conform, empty, validate
from framing.features import registry
from framing.features.topics import TopicLexicon
from framing.ingest import FileReport, Record, Reject
from framing.ingest.base import document_fields, format_ranges
from framing.language import clean_code, detect_languages, english_measures_mask, policy_key
from framing.lexicons import file_hash, lexicon_path
from framing.outlets import OutletRegistry
from framing.safeio import atomic_path, atomic_write_text, private_name, publish_dir
from framing.text import count_words, normalise_text, split_sentences

log = logging.getLogger(__name__)
# Modules whose code the tables do not depend on (they read the tables): the rest of the package is hashed into the
# cache and feature-store keys (:func:`code_fingerprint`), so a changed rule or feature never serves stale tables.
REPORT_SIDE = ("analysis", "report", "handcoding", "cli.py", "api.py", "__init__.py", "synthetic.py", "models/shipped")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 of the package's source and data files that the tables depend on (all but :data:`REPORT_SIDE`).

    The shipped model artefacts are hashed apart (:func:`framing.models.fingerprint`).
    """
    root = Path(__file__).parent.parent  # the framing package
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".py", ".yaml", ".tsv", ".csv")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(REPORT_SIDE):
            continue
        h.update(rel.encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:20]


class _AllTables:
    """``StudyTables.TABLES``: the corpus tables, then every registered feature's, in build order."""

    def __get__(self, obj: object, owner: type) -> tuple[str, ...]:
        return (*registry.RESERVED, *registry.tables())


@dataclass
class StudyTables:
    """Every table of one run, keyed as in DESIGN.md.

    The corpus tables and the package's own feature tables are fields; the tables of features registered beyond
    them are in ``extra``, and read as attributes too (``tables.doc_exclamations``).
    """

    documents: pd.DataFrame
    sentences: pd.DataFrame
    rejects: pd.DataFrame
    files: pd.DataFrame
    doc_topics: pd.DataFrame
    sentence_sentiment: pd.DataFrame
    doc_sentiment: pd.DataFrame
    sentence_voice: pd.DataFrame
    actor_mentions: pd.DataFrame
    actor_labels: pd.DataFrame
    actor_roles: pd.DataFrame
    doc_frames: pd.DataFrame
    sentence_frames: pd.DataFrame
    issue_frame_sentences: pd.DataFrame
    issue_frame_docs: pd.DataFrame
    doc_lexcats: pd.DataFrame
    meta: dict[str, object] = field(default_factory=dict)
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)

    TABLES = _AllTables()

    @classmethod
    def of(cls, frames: dict[str, pd.DataFrame], *, meta: dict[str, object] | None = None) -> StudyTables:
        """Tables from a name → frame dict holding every table of :attr:`TABLES`."""
        missing = [name for name in cls.TABLES if name not in frames]
        if missing:
            raise KeyError(f"tables missing: {missing}")
        fixed = {f.name for f in fields(cls)} - {"meta", "extra"}
        return cls(**{k: v for k, v in frames.items() if k in fixed},
                   extra={k: v for k, v in frames.items() if k not in fixed}, meta=dict(meta or {}))

    def __getattr__(self, name: str) -> pd.DataFrame:
        extra = self.__dict__.get("extra") or {}
        if name in extra:
            return extra[name]
        raise AttributeError(f"{type(self).__name__} has no table {name!r}")

    def replaced(self, **tables: pd.DataFrame) -> StudyTables:
        """A copy with the given tables replaced (``dataclasses.replace`` reads every table of lazy tables).

        The copy keeps these tables' ``meta`` (its own dict), so it reads sentence text from the same store.
        """
        import copy

        unknown = sorted(set(tables) - set(self.TABLES))
        if unknown:
            raise KeyError(f"not tables: {unknown}")
        new = copy.copy(self)
        fixed = {f.name for f in fields(self)}
        for name, frame in tables.items():
            if name in fixed:
                object.__setattr__(new, name, frame)
            else:
                new.extra = {**new.extra, name: frame}
        new.meta = dict(self.meta)
        return new

    def save(self, folder: Path) -> dict[str, Path]:
        """Write every table as CSV (deterministic: fixed column order, sorted rows, ``\\n`` line ends)."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name in self.TABLES:
            paths[name] = self.save_table(name, folder / f"{name}.csv")
        return paths

    def save_table(self, name: str, path: Path) -> Path:
        """Write table ``name`` as :meth:`save` does, to ``path``."""
        with atomic_path(path) as tmp:  # a failed write leaves the old file (or none), never half of one
            getattr(self, name).to_csv(tmp, index=False, lineterminator="\n", float_format="%.6g")
        return path

    def export(self, folder: Path) -> dict[str, Path]:
        """:meth:`save`, by copying the files these tables were read from when :func:`run` read them from its cache.

        Writing CSV is most of the cost of handing a large corpus's tables to a run folder (2 s at 10^4 documents);
        the cache's files are what :meth:`save` writes of the tables read from them, byte for byte (a test checks
        it), so they are copied instead. Tables read from anywhere else, or changed since, are saved.
        """
        import shutil

        source = self.meta.get("read_from")
        if not isinstance(source, str) or self.meta.get("read_from_id") != id(self.documents):
            return self.save(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name in self.TABLES:
            path, src = folder / f"{name}.csv", Path(source) / f"{name}.csv"
            try:
                with atomic_path(path) as tmp:
                    shutil.copyfile(src, tmp)
            except OSError as exc:
                if isinstance(exc, FileNotFoundError) and exc.filename in (str(src), src):
                    self.save_table(name, path)  # the cache went meanwhile (make clean): write the table itself
                else:  # shutil names the source in a failed write (a full disk); the error is the copy's
                    exc.filename, exc.filename2 = str(path), None
                    raise
            paths[name] = path
        return paths

    @classmethod
    def load(cls, folder: Path, *, lazy: bool = False) -> StudyTables:
        """Read tables written by :meth:`save`.

        With ``lazy``, each table is read when first used, so a report section that reads three tables holds those
        three (a kernel of ``01_corpus`` at 10^4 documents never reads the sentence-level tables).
        """
        if lazy:
            return LazyStudyTables.of({name: _Pending(folder, name) for name in cls.TABLES})  # type: ignore[misc]
        frames: dict[str, pd.DataFrame] = {}
        for name in ("documents", *(n for n in cls.TABLES if n != "documents")):
            frames[name] = _read_csv_table(folder, name, lambda: frames["documents"])
        return cls.of(frames)


def _read_csv_table(folder: Path, name: str, documents: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Table ``name`` as :meth:`StudyTables.save` wrote it, with its declared dtypes.

    ``documents`` gives the documents table, read only for a sentence-level table of a run written before those
    kept one copy of each text (cut now).
    """
    df = pd.read_csv(folder / f"{name}.csv", keep_default_na=False, na_values=[""])
    if name in ("documents", "sentences", "rejects"):
        return validate(df.astype({c: "string" for c in df.columns if df[c].dtype == object}), name)
    if name == "files":
        for col in df.columns:
            if df[col].dtype == object or str(df[col].dtype) == "str":
                df[col] = df[col].astype("string")
        return df
    if name in registry.sentence_tables() and "n_copies" not in df.columns:
        return without_copies({name: df}, documents())[name]
    return conform_feature(name, df)


@dataclass(frozen=True)
class _Pending:
    """A table of a run cache not read yet."""

    folder: Path
    name: str


class LazyStudyTables(StudyTables):
    """:class:`StudyTables` whose tables are read from their CSV files when first used."""

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if isinstance(value, _Pending):
            value = self._resolve(value)
            object.__setattr__(self, name, value)
        return value

    def __getattr__(self, name: str) -> pd.DataFrame:
        extra = self.__dict__.get("extra") or {}
        if name in extra and isinstance(extra[name], _Pending):
            extra[name] = self._resolve(extra[name])
        return super().__getattr__(name)

    def _resolve(self, pending: _Pending) -> pd.DataFrame:
        return _read_csv_table(pending.folder, pending.name, lambda: self.documents)


# ---------------------------------------------------------------- stages

def repair_records(records: list[Record], language: LanguageSettings | None
                   ) -> list[tuple[str, str | None, str]]:
    """Repaired text, repaired title and language of each record (each depends on its record alone).

    The costly part of :func:`normalise` (text repair and language identification), so it can run apart: the
    build runs it on its workers (:func:`framing.build.engine.prepare_records`).
    """
    texts = [normalise_text(rec.text) for rec in records]
    given = [clean_code(getattr(rec, "lang", None)) for rec in records]
    unknown = [i for i, code in enumerate(given) if code is None]
    for i, code in zip(unknown, detect_languages([texts[i] for i in unknown], settings=language), strict=True):
        given[i] = code
    return [(text, normalise_text(rec.title) if rec.title else None, str(code))
            for rec, text, code in zip(records, texts, given, strict=True)]


def normalise(records: Iterable[Record], *, outlets: OutletRegistry | None = None,
              language: LanguageSettings | None = None, seen: dict[str, int] | None = None,
              repaired: list[tuple[str, str | None, str]] | None = None) -> pd.DataFrame:
    """Records → documents: repair and tidy text, map outlets to slugs, fill kinds, count words, hash ids.

    ``lang`` is the record's own (a manifest ``lang:`` hint or override), else detected from the repaired text
    (:func:`framing.language.detect_languages` with ``language``). ``parent_id`` and ``depth`` come from a record's
    ``extra`` (``comment_id``, ``parent_id``, ``depth``), as comment threads give them. ``seen`` carries the
    counts of identical copies across calls on successive batches of one file (the build reads big tables in
    batches), so the copies get the doc_ids a single call would give them. ``repaired``: :func:`repair_records`
    of these records, computed elsewhere (the build does it on its workers).
    """
    outlets = outlets or OutletRegistry.default()
    records = list(records)
    if repaired is None:
        repaired = repair_records(records, language)
    elif len(repaired) != len(records):
        raise ValueError(f"{len(repaired)} repaired texts for {len(records)} records")
    rows = []
    links: list[tuple[str | None, str | None]] = []  # (comment id, parent's comment id) per row
    seen = {} if seen is None else seen  # hash of (outlet, file, text) -> copies so far
    for rec, (text, title, lang) in zip(records, repaired, strict=True):
        outlet = outlets.lookup(rec.outlet)
        quoted = outlets.lookup(rec.quoted_from).slug if rec.quoted_from else None
        kind = rec.source_kind or ("quoted" if rec.voice == "quoted" else outlet.kind)
        base = f"{outlet.slug}\x1f{rec.source_file}\x1f{text}"
        digest = hashlib.sha1(base.encode("utf-8")).hexdigest()
        seen[digest] = copies = seen.get(digest, 0) + 1
        doc_id = digest[:16] if copies == 1 else hashlib.sha1(  # identical copies in one file
            f"{base}\x1f{copies}".encode()).hexdigest()[:16]
        rows.append({
            "doc_id": doc_id,
            "outlet": outlet.slug,
            "outlet_name": outlet.name,
            "via": rec.via,
            "source_kind": kind,
            "voice": rec.voice,
            "quoted_from": quoted,
            "title": title,
            "published_date": rec.published_date,
            "text": text,
            "n_words": count_words(text),
            "lang": lang,
            "source_file": rec.source_file,
            "source_lines": format_ranges(rec.lines),
            "duplicate_of": None,
            "parent_id": None,
            "depth": rec.extra.get("depth"),
            **document_fields(rec, text=text, title=title),  # author, date_precision, is_stub
        })
        links.append((rec.extra.get("comment_id"), rec.extra.get("parent_id")))
    # Comment readers name parents by their comment id within the file; documents point at the parent's doc_id
    # (missing when the parent went to the ledger, e.g. a deleted comment).
    by_comment = {(row["source_file"], cid): row["doc_id"] for row, (cid, _) in zip(rows, links, strict=True)
                  if cid is not None}
    for row, (_, parent) in zip(rows, links, strict=True):
        row["parent_id"] = by_comment.get((row["source_file"], parent)) if parent is not None else None
    if not rows:
        return empty("documents")
    return conform(pd.DataFrame(rows), "documents")


def dedupe(documents: pd.DataFrame, *, settings: DedupeSettings = DedupeSettings()) -> pd.DataFrame:
    """Fill ``duplicate_of`` with the first copy's doc_id (corpus order: file, then first line).

    The decisions are :func:`framing.build.dedupe.find_duplicates`', made by
    :class:`framing.build.dedupe.DedupeIndex` as the build makes them, for documents already in memory.
    """
    if documents.empty:
        return documents
    order = documents.assign(_first=documents["source_lines"].str.extract(r"^(\d+)", expand=False).astype(float))
    order = order.sort_values(["source_file", "_first"], kind="stable").drop(columns="_first")
    texts = order["text"].astype(str).tolist()
    ordinals = [f"{i:016x}" for i in range(len(texts))]  # the index's ids; mapped back to doc_ids below
    with tempfile.TemporaryDirectory(prefix="framing-dedupe-") as tmp:
        index = DedupeIndex(Path(tmp), settings)
        try:
            found = index.assign(ordinals, Signatures.of(texts, settings))
        finally:
            index.close()
    doc_ids = order["doc_id"].tolist()
    out = order.copy()
    out["duplicate_of"] = [None if f is None else doc_ids[int(f, 16)] for f in found]
    return conform(out, "documents")


def segment(documents: pd.DataFrame) -> pd.DataFrame:
    """Documents → sentences, with character offsets into the document text (identical texts are split once)."""
    rows = []
    split: dict[str, list[tuple[int, int, str]]] = {}
    for doc_id, text, voice in zip(documents["doc_id"], documents["text"].astype(str), documents["voice"],
                                   strict=True):
        spans = split.get(text)
        if spans is None:
            spans = split[text] = split_sentences(text)
        for i, (start, end, sent) in enumerate(spans):
            rows.append((doc_id, i, start, end, sent, voice))
    if not rows:
        return empty("sentences")
    df = pd.DataFrame(rows, columns=["doc_id", "sent_idx", "char_start", "char_end", "text", "voice"])
    return conform(df, "sentences")


# The stages that make what a feature reads (its documents and sentences): their source is in every feature's key.
INPUT_STAGES: tuple[Callable[..., Any], ...] = (repair_records, normalise, segment)


def rejects_table(rejects: Iterable[Reject]) -> pd.DataFrame:
    """The rejects ledger, with repaired excerpts; ``source_lines`` is missing for a reject of the whole file."""
    rows = [{"source_file": r.source_file, "source_lines": format_ranges(r.lines) or None, "reason": r.reason,
             "excerpt": normalise_text(r.excerpt)} for r in rejects]
    return conform(pd.DataFrame(rows), "rejects") if rows else empty("rejects")


def files_table(reports: Iterable[FileReport]) -> pd.DataFrame:
    """One row per raw file: hash, size, reader, records, rejects and blanked dates (documents kept)."""
    rows = [asdict(r) for r in reports]
    cols = ["source_file", "sha256", "n_bytes", "reader", "encoding", "n_records", "n_rejects", "n_dates_unreadable",
            "n_dates_implausible"]
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------- per-document features, incrementally

# The feature tables are declared by the features themselves (framing.features.registry): their names, columns,
# dtypes and sort keys are read from there, so a registered measure reaches the build, the store and the run folder.
# Sentence-level tables hold the rows of one copy of each text: a duplicate document's sentences, mentions,
# labels and frame hits are left out, and ``n_copies`` says how many documents carry the text (the corpus tables,
# documents and sentences, keep every copy, flagged by ``duplicate_of``). Tables of English-only features hold rows
# only for documents whose ``lang`` the language settings score (English, and by default undetermined).
_LIVE: dict[str, Callable[[], Any]] = {
    "FEATURE_TABLES": registry.sort_keys,
    "FEATURE_COLUMNS": registry.table_schemas,
    "SENTENCE_TABLES": registry.sentence_tables,
    "ENGLISH_TABLES": registry.english_tables,
    "LEXICON_FILES": lambda: lexicon_files(),  # defined below
}


def lexicon_files() -> tuple[str, ...]:
    """Every lexicon file the tables depend on: the outlet table, then each feature's."""
    return ("outlets", *(n for n in registry.lexicon_names() if n != "outlets"))


def __getattr__(name: str) -> Any:
    """The registry's current lists under their old names (``FEATURE_TABLES``, ``LEXICON_FILES``, ...)."""
    if name in _LIVE:
        return _LIVE[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def conform_feature(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Feature table ``name`` with its declared columns, in order, and dtypes (missing columns added empty).

    Raises:
        SchemaError: if ``df`` has columns the table does not declare.
    """
    from framing.corpus import SchemaError

    schema = registry.tables()[name].schema()
    extra = [c for c in df.columns if c not in schema]
    if extra:
        raise SchemaError(f"{name}: undeclared columns {extra}")
    out = df.reindex(columns=list(schema))
    for col, dtype in schema.items():
        if dtype == "bool":
            out[col] = out[col].fillna(False).astype(bool) if len(out) else out[col].astype(bool)
        elif dtype == "int64":
            out[col] = pd.to_numeric(out[col], errors="raise").astype("int64")
        elif dtype == "float64":
            out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
        else:
            out[col] = out[col].astype("string")
    return out.reset_index(drop=True)


def without_copies(features: dict[str, pd.DataFrame], documents: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The feature tables with the sentence-level ones cut to one copy of each text, with ``n_copies``.

    A copy is a document whose ``duplicate_of`` is set; the first copy keeps its rows, and ``n_copies`` counts it
    and its duplicates.
    """
    from framing.corpus import copies

    dups = set(documents.loc[documents["duplicate_of"].notna(), "doc_id"].astype(str))
    n = copies(documents)
    out = dict(features)
    for name in registry.sentence_tables():
        if name not in features or "n_copies" in features[name].columns:  # already cut (read from a run cache)
            continue
        df = features[name]
        if "doc_id" not in df.columns:  # a table without columns has no rows: give it its columns
            df = conform_feature(name, df.assign(n_copies=pd.Series(dtype="int64")))
        kept = df[~df["doc_id"].astype(str).isin(dups)]
        out[name] = kept.assign(n_copies=n.reindex(kept["doc_id"].astype(str).to_numpy()).fillna(1).astype("int64")
                                .to_numpy())
    return {name: conform_feature(name, df) for name, df in out.items()}


def compute_features(documents: pd.DataFrame, sentences: pd.DataFrame, *, actor_mode: str = "accurate",
                     language: LanguageSettings | None = None, needs: dict[str, set[str]] | None = None,
                     stored: dict[str, pd.DataFrame] | None = None) -> dict[str, pd.DataFrame]:
    """The tables of the registered features for these documents, in registry order.

    Each feature gets the documents it covers (an English-only one, those ``language`` scores) and the tables of
    the features it requires. ``needs`` limits each feature to some doc_ids (default: all); a required table's
    rows for documents not computed here come from ``stored``. Returns only the tables computed.
    """
    scored_mask = english_measures_mask(documents, settings=language)
    out: dict[str, pd.DataFrame] = {}
    for feature in registry.features():
        docs = documents[scored_mask] if feature.english_only else documents
        if needs is not None:
            docs = docs[docs["doc_id"].isin(needs.get(feature.name, set()))]
            if feature.name not in needs:
                continue
        ids = set(docs["doc_id"])
        if docs.empty:  # the feature functions need at least one document: give their columns, no rows
            out.update({t.name: conform_feature(t.name, pd.DataFrame()) for t in feature.tables})
            continue
        upstream = {}
        for required in feature.requires:
            for table in registry.get(required).table_names():
                parts = [df[df["doc_id"].isin(ids)] for df in (out.get(table), (stored or {}).get(table))
                         if df is not None and len(df)]
                upstream[table] = (pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
                                   ) if parts else conform_feature(table, pd.DataFrame())
        inputs = registry.Inputs(documents=docs, sentences=sentences[sentences["doc_id"].isin(ids)],
                                 tables=upstream, actor_mode=actor_mode, language=language)
        tables = feature.compute(inputs)
        if set(tables) != set(feature.table_names()):
            raise registry.RegistryError(f"feature {feature.name!r} returned tables {sorted(tables)}; it declares "
                                         f"{list(feature.table_names())}")
        out.update(tables)
    return out


def document_features(documents: pd.DataFrame, sentences: pd.DataFrame, *, actor_mode: str = "accurate",
                      language: LanguageSettings | None = None) -> dict[str, pd.DataFrame]:
    """Every feature table for these documents (each document's rows depend on it alone).

    The tables of English-only features cover only the documents that ``language`` scores (by their ``lang``).
    """
    return compute_features(documents, sentences, actor_mode=actor_mode, language=language)


# The layout of the assembled tables a run cache holds (bump it when their columns or rows change for the same
# inputs). 2: sentence-level feature tables keep one copy of each text, with n_copies; declared dtypes. 3: the
# sentence_voice table; actor mentions carry their voice and speaker; documents carry author, date_precision, is_stub.
# 4: the run cache holds the build's Parquet store (``store/``) beside the CSV exports.
TABLES_VERSION = 4


def build(corpus_dir: Path, *, outlets: OutletRegistry | None = None, actor_mode: str = "accurate",
          progress: bool = True, use_cache: bool = False, cache_dir: Path | None = None,
          language: LanguageSettings | None = None, workers: int = 1, settings: Any = None,
          store: Path | None = None) -> StudyTables:
    """Every table of the study for a corpus folder, in memory: :func:`framing.build.engine.build_chunked`, read back.

    This is the one build (ingest, normalise, dedupe, segment, features, a chunk of documents at a time) on a
    corpus small enough to hold: its Parquet store is written to ``store`` (default: a temporary folder) and read
    back sorted by ``doc_id``, each feature table by its sort key. ``meta["computed_docs"]`` says how many
    documents were computed rather than read from the cache, ``meta["computed_features"]`` how many each feature
    scored.

    Args:
        corpus_dir: Folder of raw files.
        outlets: Outlet alias table (default: the shipped one).
        actor_mode: Models for sentiment toward actors and for generic frames: "accurate" (MiniLM) or "fast"
            (scikit-learn only).
        progress: Show a progress bar.
        use_cache: Read and extend the build's cache (parsed files, dedupe decisions, each feature's tables of
            each chunk), so a corpus that grew only costs the new files, and a changed feature only itself.
        cache_dir: Where that cache lives (default ``data/interim/engine``).
        language: Language identification thresholds, and which languages the English measures score
            (default :class:`framing.config.LanguageSettings`); other documents stay in ``documents`` and
            ``sentences`` but get no rows in the tables of English-only features.
        workers: Local worker processes (1: everything in this process); the tables are the same for any number.
        settings: :class:`framing.build.engine.EngineSettings` (engine, workers, scheduler, chunk size), instead
            of ``workers``.
        store: Where to write the Parquet store (kept); default a temporary folder.
    """
    from framing.build.engine import EngineSettings, build_chunked, read_tables

    settings = settings or EngineSettings(workers=workers if workers > 1 else 0)
    with tempfile.TemporaryDirectory(prefix="framing-store-") as tmp:
        out = store or Path(tmp)
        summary = build_chunked(Path(corpus_dir), out, actor_mode=actor_mode, settings=settings, cache_dir=cache_dir,
                                use_cache=use_cache, language=language, outlets=outlets, progress=progress)
        tables = read_tables(out, order="doc_id")
    tables.meta = {"computed_docs": summary.computed_docs, "computed_features": summary.computed_features,
                   "n_docs": summary.n_docs}
    return tables


def empty_tables() -> StudyTables:
    """The tables of a corpus with no document: every table with its columns and no rows."""
    return StudyTables.of({"documents": empty("documents"), "sentences": empty("sentences"),
                           "rejects": empty("rejects"), "files": files_table([]),
                           **{name: conform_feature(name, pd.DataFrame()) for name in registry.tables()}},
                          meta={"computed_docs": 0, "n_docs": 0})


# ---------------------------------------------------------------- cached runner

def cache_key(corpus_dir: Path, *, actor_mode: str = "accurate", language: LanguageSettings | None = None,
              chunk_docs: int = 1000) -> str:
    """Hash of the corpus files, the package and ingest versions, the lexicons and the parameters the tables depend on.

    The parameters include the language identifier's version and thresholds (``lang`` and the English-measure
    tables depend on them) and the chunk size (the accurate mode's encoder batches follow the chunks, and its
    scores differ in the 6th digit when they change).
    """
    from framing import models
    from framing.ingest import INGEST_VERSION

    h = hashlib.sha256()
    h.update(f"{__version__}|ingest={INGEST_VERSION}|tables={TABLES_VERSION}|chunk_docs={chunk_docs}".encode())
    h.update(f"actor_mode={actor_mode}".encode())
    h.update(f"models={models.fingerprint()}|code={code_fingerprint()}".encode())
    h.update(policy_key(language).encode())
    h.update(registry.key(actor_mode).encode())
    for name in lexicon_files():
        h.update(file_hash(lexicon_path(name)).encode())
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file()):
        h.update(path.relative_to(corpus_dir).as_posix().encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:20]


# Corpora from this size on are built by worker processes; smaller ones in this process (starting workers and
# loading their models costs more than it saves).
IN_PROCESS_BYTES = 4 << 20


def default_settings(corpus_dir: Path) -> Any:
    """The build's engine settings for a corpus folder: in this process when it is small, else local workers."""
    import os

    from framing.build.engine import EngineSettings

    size = sum(p.stat().st_size for p in corpus_dir.rglob("*") if p.is_file())
    return EngineSettings(workers=0 if size < IN_PROCESS_BYTES else max(1, min(os.cpu_count() or 1, 4)))


def run(corpus_dir: str | Path = "data/raw", *, actor_mode: str = "accurate", use_cache: bool = True,
        cache_dir: Path | None = None, progress: bool = True, language: LanguageSettings | None = None,
        settings: Any = None) -> StudyTables:
    """The study's tables for a corpus folder, from cache when nothing they depend on changed.

    Args:
        corpus_dir: Folder of raw files, relative to the project root unless absolute.
        actor_mode: Model for sentiment toward actors: "accurate" or "fast".
        use_cache: Read and write ``data/interim/corpus-<key>/`` (the build's Parquet store and CSV exports of
            its tables) and the build's own cache ``data/interim/engine/``.
        cache_dir: Where to cache (default ``data/interim``).
        progress: Show a progress bar.
        language: Language thresholds and the languages the English measures score (see :func:`build`).
        settings: :class:`framing.build.engine.EngineSettings` (default :func:`default_settings`); the tables are
            the same on every engine.

    """
    folder = resolve(corpus_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {folder} (give a folder of raw files)")
    if actor_mode not in ("accurate", "fast"):
        raise ValueError(f"unknown actor_mode {actor_mode!r}; choose 'accurate' or 'fast'")
    settings = settings or default_settings(folder)
    key = cache_key(folder, actor_mode=actor_mode, language=language, chunk_docs=settings.chunk_docs)
    root = cache_dir or INTERIM_DIR
    cached = root / f"corpus-{key}"
    if use_cache and (cached / "COMPLETE").is_file():
        log.info("reading cached tables from %s", cached)
        tables = StudyTables.load(cached, lazy=True)
        tables.meta["computed_docs"] = 0
    elif use_cache:
        import shutil

        tmp = private_name(cached)  # the store and the exports, renamed into place once whole
        try:
            built = build(folder, actor_mode=actor_mode, progress=progress, use_cache=True,
                          cache_dir=root / "engine", language=language, settings=settings, store=tmp / "store")
            built.save(tmp)
            atomic_write_text(tmp / "COMPLETE", json.dumps({"key": key, "version": __version__}) + "\n")
            publish_dir(tmp, cached, whole=lambda d: (d / "COMPLETE").is_file())
        except BaseException:  # a run killed at any point leaves no corpus-<key> folder or a whole one
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        tables = StudyTables.load(cached, lazy=True)  # one code path: what is returned is what was written
        tables.meta.update({k: built.meta[k] for k in ("computed_docs", "computed_features")})
    else:
        tables = build(folder, actor_mode=actor_mode, progress=progress, language=language, settings=settings)
    tables.meta.update({"corpus_dir": str(folder), "cache_key": key, "actor_mode": actor_mode})
    if use_cache:  # what StudyTables.export copies instead of writing again
        tables.meta.update({"read_from": str(cached), "read_from_id": id(tables.documents)})
    return tables


def select(tables: StudyTables, *, outlets: list[str] | None = None, topic: str = "all",
           include_duplicates: bool = False) -> pd.DataFrame:
    """Documents for a comparison, joined with their sentiment, restricted to outlets and a topic.

    By default the documents the comparisons count (:func:`framing.corpus.comparable`): copies and headline-only
    stubs dropped.

    Args:
        tables: The study's tables.
        outlets: Outlet slugs to keep (None: all).
        topic: A topic slug from ``topics.yaml``, or ``"all"``.
        include_duplicates: Keep every document, copies flagged ``duplicate_of`` and stubs included (the report's
            selection, whose corpus overview counts them).

    """
    docs = tables.documents
    if not include_duplicates:
        docs = comparable(docs)
    if outlets:
        unknown = sorted(set(outlets) - set(tables.documents["outlet"]))
        if unknown:
            present = sorted(tables.documents["outlet"].unique())
            raise ValueError(f"outlets not in the corpus: {unknown}; present: {present}")
        docs = docs[docs["outlet"].isin(outlets)]
    if topic != "all":
        known = set(TopicLexicon.load().labels)
        if topic not in known:
            raise ValueError(f"unknown topic {topic!r}; choose 'all' or one of {sorted(known)}")
        tagged = tables.doc_topics.loc[tables.doc_topics["topic"] == topic, "doc_id"]
        docs = docs[docs["doc_id"].isin(tagged)]
    return docs.merge(tables.doc_sentiment, on="doc_id", how="left")
