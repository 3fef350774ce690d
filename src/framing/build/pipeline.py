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
import multiprocessing
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from framing import __version__
from framing.build.dedupe import DedupeIndex, Signatures
from framing.build.memo import TextMemo, text_hash
from framing.config import INTERIM_DIR, DedupeSettings, LanguageSettings, resolve
from framing.corpus import comparable, conform, empty, parquet_bytes, validate
from framing.features import registry
from framing.features.topics import TopicLexicon
from framing.ingest import FileReport, Record, Reject, read_corpus
from framing.ingest.base import document_fields, format_ranges
from framing.language import clean_code, detect_languages, english_measures_mask, policy_key
from framing.lexicons import file_hash, lexicon_path
from framing.outlets import OutletRegistry
from framing.safeio import atomic_path, atomic_write_bytes, atomic_write_text, private_name, publish_dir
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
    def load(cls, folder: Path) -> StudyTables:
        """Read tables written by :meth:`save`."""
        frames = {}
        for name in cls.TABLES:
            df = pd.read_csv(folder / f"{name}.csv", keep_default_na=False, na_values=[""])
            frames[name] = df
        for name in ("documents", "sentences", "rejects"):
            frames[name] = validate(frames[name].astype({c: "string" for c in frames[name].columns
                                                         if frames[name][c].dtype == object}), name)
        files = frames["files"]
        for col in files.columns:
            if files[col].dtype == object or str(files[col].dtype) == "str":
                files[col] = files[col].astype("string")
        # declared dtypes; sentence tables of a run written before they kept one copy of each text are cut now
        frames.update(without_copies({name: frames[name] for name in registry.tables()}, frames["documents"]))
        return cls.of(frames)


# ---------------------------------------------------------------- stages

@dataclass(frozen=True)
class Memos:
    """The per-text memos of a build (see :mod:`framing.build.memo`): repair, language, sentences, dedupe hashes."""

    repair: TextMemo
    lang: TextMemo
    split: TextMemo
    dedupe: TextMemo

    @classmethod
    def open(cls, folder: Path, language: LanguageSettings | None) -> Memos:
        """The memos under ``folder``, each in a subfolder named by what its results depend on."""
        from importlib.metadata import version

        from framing.build.memo import memo_key

        repair = memo_key("repair", version("ftfy"), modules=["framing.text"])
        lang = memo_key("lang", policy_key(language), version("py3langid"), modules=["framing.language",
                                                                                    "framing.text"])
        split = memo_key("split", version("syntok"), modules=["framing.text"])
        dedupe = memo_key("dedupe", DedupeSettings(), modules=["framing.build.dedupe", "framing.text"])
        return cls(repair=TextMemo(folder / f"repair-{repair}", ["text"]),
                   lang=TextMemo(folder / f"lang-{lang}", ["lang"]),
                   split=TextMemo(folder / f"split-{split}", ["spans"]),
                   dedupe=TextMemo(folder / f"dedupe-{dedupe}", ["fingerprint", "n_tokens", "shingles"]))


def _chunk_bounds(n: int, workers: int) -> list[tuple[int, int]]:
    """Slices of ``n`` items for ``workers`` processes: a few per worker, or one when there is nothing to share.

    Several chunks per worker even out long and short documents.

    >>> _chunk_bounds(10, 2), _chunk_bounds(10, 1), _chunk_bounds(3, 2), _chunk_bounds(0, 2)
    ([(0, 2), (2, 4), (4, 6), (6, 8), (8, 10)], [(0, 10)], [(0, 3)], [])
    """
    if n == 0:
        return []
    size = -(-n // (4 * workers)) if workers > 1 and n >= 2 * workers else n
    return [(a, min(a + size, n)) for a in range(0, n, size)]


def _fork_map(fn: Callable[[Any], Any], chunks: list[Any], workers: int) -> list[Any]:
    """``fn`` of each chunk, in order: in ``workers`` forked processes when there is more than one chunk."""
    if workers <= 1 or len(chunks) <= 1:
        return [fn(chunk) for chunk in chunks]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(fn, chunks))


def repair_records(records: list[Record], language: LanguageSettings | None
                   ) -> list[tuple[str, str | None, str]]:
    """Repaired text, repaired title and language of each record (each depends on its record alone).

    The costly part of :func:`normalise` (text repair and language identification), so it can run apart.
    """
    texts = [normalise_text(rec.text) for rec in records]
    given = [clean_code(getattr(rec, "lang", None)) for rec in records]
    unknown = [i for i, code in enumerate(given) if code is None]
    for i, code in zip(unknown, detect_languages([texts[i] for i in unknown], settings=language), strict=True):
        given[i] = code
    return [(text, normalise_text(rec.title) if rec.title else None, str(code))
            for rec, text, code in zip(records, texts, given, strict=True)]


def _normalise_all(texts: list[str]) -> list[str]:
    return [normalise_text(t) for t in texts]


def _detect_all(texts: list[str], *, language: LanguageSettings | None) -> list[str]:
    return detect_languages(texts, settings=language)


def _memo_map(fn: Callable[[list[str]], list[Any]], texts: list[str], memo: TextMemo | None, workers: int, *,
              encode: Callable[[Any], tuple[Any, ...]] = lambda v: (v,),
              decode: Callable[[tuple[Any, ...]], Any] = lambda row: str(row[0])) -> list[Any]:
    """``fn`` of each text (one result a text), from ``memo`` where it holds the text; new results are stored.

    The texts it lacks are computed once each, in ``workers`` forked processes; ``encode`` turns a result into the
    memo's columns and ``decode`` turns them back.
    """
    keys = [text_hash(t) for t in texts]
    known = {k: decode(v) for k, v in memo.get(keys).items()} if memo is not None else {}
    todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in known}  # each missing text once
    missing = list(todo.values())
    chunks = [missing[a:b] for a, b in _chunk_bounds(len(missing), workers)]
    fresh = dict(zip(todo, [r for part in _fork_map(fn, chunks, workers) for r in part], strict=True))
    if memo is not None:
        memo.put({k: encode(v) for k, v in fresh.items()})
    known.update(fresh)
    return [known[k] for k in keys]


def repair_records_memo(records: list[Record], language: LanguageSettings | None, memos: Memos,
                        workers: int = 1) -> list[tuple[str, str | None, str]]:
    """:func:`repair_records`, with each text's repair and language taken from ``memos`` where a run made them."""
    titles = [rec.title for rec in records if rec.title]
    repaired = _memo_map(_normalise_all, [rec.text for rec in records] + titles, memos.repair, workers)
    texts, fixed_titles = repaired[:len(records)], iter(repaired[len(records):])
    given = [clean_code(getattr(rec, "lang", None)) for rec in records]
    unknown = [i for i, code in enumerate(given) if code is None]
    detected = _memo_map(partial(_detect_all, language=language), [texts[i] for i in unknown], memos.lang, workers)
    for i, code in zip(unknown, detected, strict=True):
        given[i] = code
    return [(text, next(fixed_titles) if rec.title else None, str(code))
            for rec, text, code in zip(records, texts, given, strict=True)]


def normalise(records: Iterable[Record], *, outlets: OutletRegistry | None = None,
              language: LanguageSettings | None = None, workers: int = 1,
              seen: dict[str, int] | None = None,
              repaired: list[tuple[str, str | None, str]] | None = None,
              memos: Memos | None = None) -> pd.DataFrame:
    """Records → documents: repair and tidy text, map outlets to slugs, fill kinds, count words, hash ids.

    ``lang`` is the record's own (a manifest ``lang:`` hint or override), else detected from the repaired text
    (:func:`framing.language.detect_languages` with ``language``). ``parent_id`` and ``depth`` come from a record's
    ``extra`` (``comment_id``, ``parent_id``, ``depth``), as comment threads give them. With ``workers`` > 1 the
    text repair and language identification run in that many forked processes (same table). ``seen`` carries the
    counts of identical copies across calls on successive batches of one file (the chunked engine), so the
    copies get the doc_ids a single call would give them. ``repaired``: :func:`repair_records` of these records,
    computed elsewhere (the chunked engine does it on its workers). ``memos``: where earlier runs' repairs and
    languages are kept (:class:`Memos`); only texts they do not hold are repaired.
    """
    outlets = outlets or OutletRegistry.default()
    records = list(records)
    if repaired is None and memos is not None:
        repaired = repair_records_memo(records, language, memos, workers)
    if repaired is None:
        chunks = [records[a:b] for a, b in _chunk_bounds(len(records), workers)]
        repaired = [t for part in _fork_map(partial(repair_records, language=language), chunks, workers) for t in part]
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


def _signatures_all(texts: list[str], *, settings: DedupeSettings) -> list[Signatures]:
    return Signatures.of(texts, settings).split()


def dedupe(documents: pd.DataFrame, *, settings: DedupeSettings = DedupeSettings(), workers: int = 1,
           memo: TextMemo | None = None) -> pd.DataFrame:
    """Fill ``duplicate_of`` with the first copy's doc_id (corpus order: file, then first line).

    The decisions are :func:`framing.build.dedupe.find_duplicates`'; they are made by
    :class:`framing.build.dedupe.DedupeIndex`, with the texts' signatures (the hashing) computed in ``workers``
    forked processes, or taken from ``memo`` for texts an earlier run hashed.
    """
    if documents.empty:
        return documents
    order = documents.assign(_first=documents["source_lines"].str.extract(r"^(\d+)", expand=False).astype(float))
    order = order.sort_values(["source_file", "_first"], kind="stable").drop(columns="_first")
    texts = order["text"].astype(str).tolist()
    bounds = _chunk_bounds(len(texts), workers)
    if memo is None or settings != DedupeSettings():  # the memo holds signatures of the default settings
        signatures = _fork_map(partial(Signatures.of, settings=settings), [texts[a:b] for a, b in bounds], workers)
    else:
        each = _memo_map(partial(_signatures_all, settings=settings), texts, memo, workers,
                         encode=Signatures.to_memo, decode=Signatures.from_memo)
        signatures = [Signatures.join(each[a:b]) for a, b in bounds]
    ordinals = [f"{i:016x}" for i in range(len(texts))]  # the index's ids; mapped back to doc_ids below
    found: list[str | None] = []
    with tempfile.TemporaryDirectory(prefix="framing-dedupe-") as tmp:
        index = DedupeIndex(Path(tmp), settings)
        try:
            for (a, b), sig in zip(bounds, signatures, strict=True):
                found += index.assign(ordinals[a:b], sig)
        finally:
            index.close()
    doc_ids = order["doc_id"].tolist()
    out = order.copy()
    out["duplicate_of"] = [None if f is None else doc_ids[int(f, 16)] for f in found]
    return conform(out, "documents")


def _spans_text(spans: list[tuple[int, int, str]]) -> str:
    """Sentence offsets as the memo stores them: ``start,end`` pairs joined by ``;``."""
    return ";".join(f"{a},{b}" for a, b, _ in spans)


def _text_spans(text: str, stored: str) -> list[tuple[int, int, str]]:
    """:func:`framing.text.split_sentences` of ``text``, from its stored offsets."""
    out = []
    for pair in stored.split(";") if stored else []:
        a, b = map(int, pair.split(","))
        out.append((a, b, text[a:b]))
    return out


def _split_all(texts: list[str]) -> list[str]:
    return [_spans_text(split_sentences(t)) for t in texts]


def segment(documents: pd.DataFrame, *, memo: TextMemo | None = None, workers: int = 1) -> pd.DataFrame:
    """Documents → sentences, with character offsets into the document text.

    Each distinct text is split once; with ``memo``, only texts no earlier run split (the others' offsets are
    stored), in ``workers`` forked processes.
    """
    rows = []
    texts = documents["text"].astype(str).tolist()
    if memo is not None:
        stored = dict(zip(texts, _memo_map(_split_all, texts, memo, workers), strict=True))
    split: dict[str, list[tuple[int, int, str]]] = {}  # identical texts (exact copies) are split once
    for doc_id, text, voice in zip(documents["doc_id"], texts, documents["voice"], strict=True):
        spans = split.get(text)
        if spans is None:
            spans = split[text] = _text_spans(text, stored[text]) if memo is not None else split_sentences(text)
        for i, (start, end, sent) in enumerate(spans):
            rows.append((doc_id, i, start, end, sent, voice))
    if not rows:
        return empty("sentences")
    df = pd.DataFrame(rows, columns=["doc_id", "sent_idx", "char_start", "char_end", "text", "voice"])
    return conform(df, "sentences")


def _segment_in(documents: pd.DataFrame, *, workers: int, memo: TextMemo | None = None) -> pd.DataFrame:
    """:func:`segment`, in ``workers`` forked processes over chunks of documents, concatenated in order."""
    if memo is not None:
        return segment(documents, memo=memo, workers=workers)
    bounds = _chunk_bounds(len(documents), workers)
    if len(bounds) <= 1:
        return segment(documents)
    parts = [part for part in _fork_map(segment, [documents.iloc[a:b] for a, b in bounds], workers) if len(part)]
    if not parts:
        return empty("sentences")
    return conform(pd.concat(parts, ignore_index=True), "sentences")


# The stages that make what a feature reads (its documents and sentences): their source is in every feature's key.
INPUT_STAGES: tuple[Callable[..., Any], ...] = (repair_records, repair_records_memo, normalise, segment, _segment_in,
                                                 _split_all, _spans_text, _text_spans)


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


def feature_key(actor_mode: str) -> str:
    """What the engine's cached chunks depend on besides their documents: every feature's key and the code.

    The code (:func:`code_fingerprint`) covers the engine itself; the feature store is keyed per feature instead.

    Not the language settings: a document's rows do not depend on them, only whether it has English-measure rows,
    and the store records that per document (see :class:`FeatureStore`).
    """
    return hashlib.sha256(f"{__version__}|{registry.key(actor_mode)}|{code_fingerprint()}".encode()).hexdigest()[:16]


class FeatureStore:
    """One feature's per-document rows on disk (Parquet), with the context each document was computed in.

    Documents are identified by ``doc_id``, a hash of outlet, source file and text, so a changed document is a
    new document; a document whose context changed (:func:`document_context`) is computed again. An English-only
    feature's store holds the documents the language settings scored when it was computed, so a document newly
    scored (a manifest ``lang:`` hint, new thresholds) is computed then. Writes go to a temporary file and are
    renamed into place.
    """

    def __init__(self, folder: Path):
        self.folder = folder

    def _documents(self) -> pd.DataFrame:
        path = self.folder / "_documents.parquet"
        if not path.is_file():
            return pd.DataFrame({"doc_id": pd.Series(dtype="object"), "context": pd.Series(dtype="object")})
        return pd.read_parquet(path)

    def contexts(self) -> dict[str, str]:
        """doc_id → the document context (:func:`document_context`) its rows were computed in."""
        df = self._documents()
        return {str(d): str(c) for d, c in zip(df["doc_id"], df["context"], strict=True) if c is not None}

    def load(self, name: str, doc_ids: set[str]) -> pd.DataFrame | None:
        """Stored rows of table ``name`` for ``doc_ids``."""
        path = self.folder / f"{name}.parquet"
        if not path.is_file():
            return None
        df = pd.read_parquet(path)
        return df[df["doc_id"].isin(doc_ids)]

    def add(self, tables: dict[str, pd.DataFrame], doc_ids: set[str], *, contexts: dict[str, str]) -> None:
        """Store the rows of these documents (replacing any they had), then record them with their context.

        The documents are recorded last, so a crash loses nothing.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        for name, df in tables.items():
            path = self.folder / f"{name}.parquet"
            old = pd.read_parquet(path) if path.is_file() else None
            if old is not None:
                old = old[~old["doc_id"].isin(doc_ids)]
            merged = df if old is None or old.empty else pd.concat([old, df], ignore_index=True)
            _write_parquet(merged, path)
        known = self._documents()
        known = known[~known["doc_id"].isin(doc_ids)]
        added = pd.DataFrame({"doc_id": sorted(doc_ids), "context": [contexts.get(d) for d in sorted(doc_ids)]})
        ids = pd.concat([known, added], ignore_index=True) if len(known) else added
        _write_parquet(ids.sort_values("doc_id", kind="stable").reset_index(drop=True),
                       self.folder / "_documents.parquet")


CONTEXT_COLUMNS = ("voice", "quoted_from", "source_kind", "title")


def document_context(documents: pd.DataFrame) -> dict[str, str]:
    """doc_id → what a document's feature rows depend on besides its text: the :data:`CONTEXT_COLUMNS`.

    ``doc_id`` hashes outlet, source file and text only, so a manifest that marks a block quoted (``quoted_blocks``,
    ``quoted_from``) keeps the id but changes the document's attribution units, and a corrected title changes its
    topic tags; the store recomputes such a document. The title enters as a hash, to keep the store small.
    """
    voice, source, kind = (documents[c].astype("string").fillna("") for c in CONTEXT_COLUMNS[:3])
    titles = [hashlib.sha256(str(t).encode()).hexdigest()[:12]
              for t in documents["title"].astype("string").fillna("")]
    return {str(d): f"{v}|{q}|{k}|{t}" for d, v, q, k, t in zip(documents["doc_id"], voice, source, kind, titles,
                                                                    strict=True)}


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` to ``path`` atomically (serialised in memory first, so a failed write keeps its errno)."""
    atomic_write_bytes(path, parquet_bytes(df))


# The layout of the assembled tables a run cache holds (bump it when their columns or rows change for the same
# inputs). 2: sentence-level feature tables keep one copy of each text, with n_copies; declared dtypes. 3: the
# sentence_voice table; actor mentions carry their voice and speaker; documents carry author, date_precision, is_stub.
TABLES_VERSION = 3
FEATURE_BATCH_DOCS = 400  # documents per feature batch: the unit of progress and of writes to the store


def _batch_features(documents: pd.DataFrame, sentences: pd.DataFrame, actor_mode: str,
                    language: LanguageSettings | None, needs: dict[str, set[str]] | None = None,
                    stored: dict[str, pd.DataFrame] | None = None) -> dict[str, pd.DataFrame]:
    """:func:`compute_features` of one batch (module level, so that a worker process can run it)."""
    return compute_features(documents, sentences, actor_mode=actor_mode, language=language, needs=needs,
                            stored=stored)


def feature_stores(folder: Path, actor_mode: str) -> dict[str, FeatureStore]:
    """The store of each registered feature, ``folder/<name>-<key>``.

    A feature whose key changed starts afresh there, and the others keep their rows.
    """
    return {f.name: FeatureStore(folder / f"{f.name}-{f.key(actor_mode)}") for f in registry.features()}


def cached_features(documents: pd.DataFrame, sentences: pd.DataFrame, *, actor_mode: str,
                    store: Path | None, language: LanguageSettings | None = None, progress: bool = False,
                    workers: int = 1) -> tuple[dict[str, pd.DataFrame], int, dict[str, int]]:
    """Per-document features, computing only what the feature stores under ``store`` lack.

    Returns the tables, the number of documents computed for any feature, and that number per feature.

    Each feature has its own store, keyed by :meth:`~framing.features.registry.Feature.key`: a feature whose code,
    lexicons, models or gold files changed is computed again for every document, the others only for documents
    they do not hold (new documents, documents whose context changed, documents newly scored as English).
    Documents are computed in batches of :data:`FEATURE_BATCH_DOCS` in corpus order (a progress bar counts them),
    and each batch is stored as soon as it is done, so an interrupted run keeps what it finished.

    With ``workers`` > 1 the batches are computed by that many forked processes (documents are independent) and
    collected in corpus order, so the tables are the same as with one. The models are loaded before the fork, so
    the workers share them.
    """
    ids = set(documents["doc_id"])
    scored = set(documents.loc[english_measures_mask(documents, settings=language), "doc_id"])
    contexts = document_context(documents)
    features = registry.features()
    stores = feature_stores(store, actor_mode) if store is not None else {}
    needs: dict[str, set[str]] = {}
    stored: dict[str, pd.DataFrame] = {}
    for feature in features:
        covered = scored if feature.english_only else ids
        if feature.name not in stores:
            needs[feature.name] = set(covered)
            continue
        fstore = stores[feature.name]
        known = fstore.contexts()
        needs[feature.name] = {d for d in covered if known.get(d) != contexts[d]}  # not held, or a changed context
        kept = covered - needs[feature.name]
        for table in feature.table_names():
            old = fstore.load(table, kept) if kept else None
            stored[table] = old if old is not None else conform_feature(table, pd.DataFrame())
    pending = set().union(*needs.values()) if needs else set()
    order = [d for d in documents["doc_id"] if d in pending]
    batches = [set(order[start:start + FEATURE_BATCH_DOCS]) for start in range(0, len(order), FEATURE_BATCH_DOCS)]

    def batch_input(b: set[str]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, set[str]], dict[str, pd.DataFrame]]:
        return (documents[documents["doc_id"].isin(b)], sentences[sentences["doc_id"].isin(b)],
                {name: need & b for name, need in needs.items() if need & b},
                {name: df[df["doc_id"].isin(b)] for name, df in stored.items()})

    results = _computed_batches((batch_input(b) for b in batches), actor_mode=actor_mode, language=language,
                                workers=workers if len(batches) > 1 else 1)
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in registry.tables()}
    with tqdm(total=len(order), desc="features", unit="doc", disable=not progress or not order,
              leave=False) as bar:
        for batch, fresh in zip(batches, results, strict=True):
            for feature in features:
                done = needs[feature.name] & batch
                if feature.name in stores and done:
                    stores[feature.name].add({t: fresh[t] for t in feature.table_names()}, done, contexts=contexts)
            for name, df in fresh.items():
                parts[name].append(df)
            bar.update(len(batch))
    out = {}
    for name, keys in registry.sort_keys().items():
        frames = [p for p in [*parts[name], stored.get(name)] if p is not None and len(p)]
        df = pd.concat(frames, ignore_index=True) if frames else conform_feature(name, pd.DataFrame())
        if len(df):
            df = df.sort_values(keys, kind="stable").reset_index(drop=True)
        out[name] = df
    return out, len(order), {name: len(need) for name, need in needs.items()}


def _computed_batches(inputs: Iterable[tuple[pd.DataFrame, pd.DataFrame, dict[str, set[str]], dict[str, pd.DataFrame]]],
                      *, actor_mode: str, language: LanguageSettings | None, workers: int
                      ) -> Iterator[dict[str, pd.DataFrame]]:
    """Features of each batch, in order: in this process, or in ``workers`` forked ones."""
    if workers <= 1:
        for docs, sents, needs, stored in inputs:
            yield _batch_features(docs, sents, actor_mode, language, needs, stored)
        return
    _warm_models(actor_mode)  # loads every model of the mode here, before the fork, so workers share them
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(_batch_features, docs, sents, actor_mode, language, needs, stored)
                   for docs, sents, needs, stored in inputs]
        for future in futures:
            yield future.result()


@lru_cache(maxsize=2)
def _warm_models(actor_mode: str) -> None:
    """Compute every feature once on a one-sentence English document, which loads the mode's models."""
    probe = Record("_", [1], "Maduro said that the army of Venezuela would back the government in Caracas.",
                   outlet="_")
    documents = normalise([probe], language=LanguageSettings(scored_langs=("en", "und")))
    compute_features(documents, segment(documents), actor_mode=actor_mode)


def build(corpus_dir: Path, *, outlets: OutletRegistry | None = None, actor_mode: str = "accurate",
          progress: bool = True, use_store: bool = False, feature_dir: Path | None = None,
          language: LanguageSettings | None = None, workers: int = 1) -> StudyTables:
    """Run every stage on a corpus folder.

    Ingest, normalising, deduplication and segmentation always run (they are cheap and corpus-wide). The
    per-document features are read from the feature store for documents it already holds (``use_store``), so a
    corpus that grew only costs the new documents; ``meta["computed_docs"]`` says how many were computed.

    Args:
        corpus_dir: Folder of raw files.
        outlets: Outlet alias table (default: the shipped one).
        actor_mode: Models for sentiment toward actors and for generic frames: "accurate" (MiniLM) or "fast"
            (scikit-learn only).
        progress: Show a progress bar.
        use_store: Read and extend the per-document feature store.
        feature_dir: Where the store lives (default ``data/interim/features``).
        language: Language identification thresholds, and which languages the English measures score
            (default :class:`framing.config.LanguageSettings`); other documents stay in ``documents`` and
            ``sentences`` but get no rows in the tables of English-only features.
        workers: Processes for the per-document features (2 uses both cores of a 2-core machine); the tables
            are the same for any number. Best with ``actor_mode="fast"``: the accurate models already use every
            core through torch's threads.
    """
    steps = tqdm(total=9, desc="framing", disable=not progress, leave=False)
    steps.set_postfix_str("ingest")
    ingested = read_corpus(corpus_dir, outlets=outlets)
    steps.update()
    steps.set_postfix_str("normalise")
    memos = Memos.open((feature_dir.parent if feature_dir else INTERIM_DIR) / "memo", language) if use_store else None
    documents = dedupe(normalise(ingested.records, outlets=outlets, language=language, workers=workers,
                                 memos=memos), workers=workers, memo=memos.dedupe if memos else None)
    documents = documents.sort_values("doc_id", kind="stable").reset_index(drop=True)
    steps.update()
    steps.set_postfix_str("segment")
    sentences = _segment_in(documents, workers=workers, memo=memos.split if memos else None)
    steps.update()
    steps.set_postfix_str("features")
    store = (feature_dir or INTERIM_DIR / "features") if use_store else None
    features, pending, computed = cached_features(documents, sentences, actor_mode=actor_mode, store=store,
                                         language=language, progress=progress, workers=workers)
    steps.update(6)
    steps.close()
    rejects = rejects_table(ingested.rejects).sort_values(
        ["source_file", "source_lines"], kind="stable").reset_index(drop=True)
    return StudyTables.of({
        "documents": validate(documents, "documents"),
        "sentences": validate(sentences, "sentences"),
        "rejects": validate(rejects, "rejects"),
        "files": files_table(ingested.files),
        **without_copies(features, documents),
    }, meta={"computed_docs": pending, "computed_features": computed, "n_docs": int(len(documents))})


def empty_tables() -> StudyTables:
    """The tables of a corpus with no document: every table with its columns and no rows."""
    return StudyTables.of({"documents": empty("documents"), "sentences": empty("sentences"),
                           "rejects": empty("rejects"), "files": files_table([]),
                           **{name: conform_feature(name, pd.DataFrame()) for name in registry.tables()}},
                          meta={"computed_docs": 0, "n_docs": 0})


# ---------------------------------------------------------------- cached runner

def cache_key(corpus_dir: Path, *, actor_mode: str = "accurate", language: LanguageSettings | None = None) -> str:
    """Hash of the corpus files, the package and ingest versions, the lexicons and the parameters the tables depend on.

    The parameters include the language identifier's version and thresholds (``lang`` and the English-measure
    tables depend on them).
    """
    from framing import models
    from framing.ingest import INGEST_VERSION

    h = hashlib.sha256()
    h.update(f"{__version__}|ingest={INGEST_VERSION}|tables={TABLES_VERSION}".encode())
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


def run(corpus_dir: str | Path = "data/raw", *, actor_mode: str = "accurate", use_cache: bool = True,
        cache_dir: Path | None = None, progress: bool = True, language: LanguageSettings | None = None
        ) -> StudyTables:
    """The study's tables for a corpus folder, from cache when nothing they depend on changed.

    Args:
        corpus_dir: Folder of raw files, relative to the project root unless absolute.
        actor_mode: Model for sentiment toward actors: "accurate" or "fast".
        use_cache: Read and write ``data/interim/corpus-<key>/``.
        cache_dir: Where to cache (default ``data/interim``).
        progress: Show a progress bar.
        language: Language thresholds and the languages the English measures score (see :func:`build`).

    """
    folder = resolve(corpus_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {folder} (give a folder of raw files)")
    if actor_mode not in ("accurate", "fast"):
        raise ValueError(f"unknown actor_mode {actor_mode!r}; choose 'accurate' or 'fast'")
    key = cache_key(folder, actor_mode=actor_mode, language=language)
    cached = (cache_dir or INTERIM_DIR) / f"corpus-{key}"
    if use_cache and (cached / "COMPLETE").is_file():
        log.info("reading cached tables from %s", cached)
        tables = StudyTables.load(cached)
        tables.meta["computed_docs"] = 0
    else:
        tables = build(folder, actor_mode=actor_mode, progress=progress, use_store=use_cache,
                       feature_dir=(cache_dir / "features") if cache_dir else None, language=language)
        if use_cache:
            _store_tables(tables, cached, key)
            computed = tables.meta.get("computed_docs")
            tables = StudyTables.load(cached)  # one code path: what is returned is what was written
            tables.meta["computed_docs"] = computed
    tables.meta.update({"corpus_dir": str(folder), "cache_key": key, "actor_mode": actor_mode})
    if use_cache:  # what StudyTables.export copies instead of writing again
        tables.meta.update({"read_from": str(cached), "read_from_id": id(tables.documents)})
    return tables


def _store_tables(tables: StudyTables, cached: Path, key: str) -> None:
    """Write the run cache: every table, then ``COMPLETE``, in a private folder renamed into place.

    A run killed at any point leaves either no ``corpus-<key>`` folder or a complete one; a failed write (disk
    full) removes the private folder and raises.
    """
    import shutil

    tmp = private_name(cached)
    try:
        tables.save(tmp)
        atomic_write_text(tmp / "COMPLETE", json.dumps({"key": key, "version": __version__}) + "\n")
        publish_dir(tmp, cached, whole=lambda d: (d / "COMPLETE").is_file())
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


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
