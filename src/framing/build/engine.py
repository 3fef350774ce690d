"""The one build: a corpus of any size, a chunk of documents at a time, in this process, on local processes or Dask.

:func:`build_chunked` runs every stage (:func:`framing.build.pipeline.build` is this build on a corpus small enough
to hold in memory, read back):

1. **read** each raw file in sorted order. Tables (CSV, TSV, JSON Lines, Parquet) of :data:`STREAM_BYTES` or
   more are read on the driver in batches of ``chunk_docs`` rows; other files are read whole on the engine, a few
   files ahead, and cut into chunks. A chunk never spans two files, so adding a file leaves the other files' chunks
   as they were.
2. **normalise** each chunk (:func:`framing.build.pipeline.normalise`) and compute its dedupe signatures (exact
   fingerprint, word-shingle hashes) on the engine; for batches of a big table, the costly per-record part
   (:func:`prepare_records`: text repair, language identification, signatures) runs on the engine, a few batches
   ahead, and the driver assembles the documents in order.
3. **dedupe** sequentially on the driver, in corpus order, against a :class:`DedupeIndex` held in numpy arrays
   (64-bit fingerprints and sketch hashes, searched with ``searchsorted``); the shingle sets that near-duplicate
   checks compare against live in a file on disk. The result equals :func:`framing.build.pipeline.dedupe`'s.
4. **segment and score** each chunk on an engine: :class:`LocalEngine` (worker processes, or the driver itself)
   or :class:`DaskEngine` (a ``distributed`` cluster). Results are consumed in chunk order and written as
   ``<out>/<table>/part-00000.parquet`` … , so the driver never holds the corpus.

Steps 1–2 are cached per raw file (keyed by the file's sha256, its manifest hints, the settings and the code that
makes documents) and step 4 per chunk and feature: a chunk's sentences under
:func:`framing.features.registry.input_key`, each feature's tables under the feature's own key
(:meth:`framing.features.registry.Feature.key`), in a folder named by the chunk's documents. A rerun after adding
files parses and scores only the new files; after a feature changed, it computes that feature alone.

Reading the tables back: :func:`read_tables` gives a :class:`~framing.build.pipeline.StudyTables` (small corpora);
for big ones read the columns you need, e.g.
``pd.read_parquet(out / "doc_sentiment", columns=["doc_id", "compound_mean"])`` or
``pyarrow.dataset.dataset(out / "documents").to_table(columns=[...], filter=...)``.

Rows are in corpus order (file, then row or line), and feature rows follow their documents' order;
``read_tables(out, order="doc_id")`` sorts them as the run's CSV tables are sorted.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import json
import logging
import os
import shutil
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from framing import __version__
from framing.build.dedupe import DedupeDecision, DedupeIndex, Signatures
from framing.build.pipeline import (
    StudyTables,
    compute_features,
    files_table,
    normalise,
    rejects_table,
    repair_records,
    segment,
    without_copies,
)
from framing.config import INTERIM_DIR, DedupeSettings, LanguageSettings
from framing.corpus import conform, parquet_bytes, validate
from framing.features import registry
from framing.features.registry import RegistryError
from framing.ingest import FileReport, Record, Reject, collect_units, load_manifests, read_file
from framing.ingest.base import excerpt
from framing.ingest.registry import MANIFEST_NAME, TABLE_READER, FileContext, choose_byte_reader
from framing.ingest.tabular import iter_parsed_batches, sniff_table, table_units
from framing.language import english_measures_mask, policy_key
from framing.lexicons import file_hash, lexicon_path
from framing.outlets import OutletRegistry
from framing.safeio import atomic_path, atomic_write_bytes, atomic_write_text, private_name, publish_dir

log = logging.getLogger(__name__)
_SKIP = {MANIFEST_NAME, "README.md", "SOURCE.txt"}
def chunk_tables() -> tuple[str, ...]:
    """What a worker computes for a chunk: sentences and every registered feature's tables."""
    return ("sentences", *registry.tables())


def part_tables() -> tuple[str, ...]:
    """The folders of Parquet parts in the output."""
    return ("documents", *chunk_tables(), "rejects", "files")
# Table files from this size on are read in batches on the driver, each batch repaired and signed on the engine, so
# one big file keeps every worker busy; smaller files are read whole on a worker, several files at once.
STREAM_BYTES = 4 << 20


@dataclass(frozen=True)
class EngineSettings:
    """Settings for :func:`build_chunked`.

    ``engine="local"`` runs chunks in ``workers`` processes (0: in the driver); ``engine="dask"`` submits them to
    the ``distributed`` scheduler at ``scheduler`` (None: a ``LocalCluster`` of ``workers`` processes).
    """

    engine: str = "local"  # "local" or "dask"
    workers: int = 2  # processes of the local engine, or of the LocalCluster when no scheduler is given
    scheduler: str | None = None  # e.g. "tcp://10.0.0.5:8786"
    # documents (table rows) per chunk: the unit of work, caching and memory; small enough that the last chunks
    # of a run keep every worker busy (10^4 documents: 1000 took 10% less time than 2000)
    chunk_docs: int = 1000
    in_flight: int = 0  # chunks submitted but not yet written (0: twice the workers, at least 2)


def engine_settings(config: Path | None = None, **overrides: Any) -> EngineSettings:
    """Engine settings from a YAML file, then from ``overrides`` that are not None.

    The file's keys are those of :class:`EngineSettings`: ``engine``, ``scheduler``, ``workers``, ``chunk_docs``,
    ``in_flight``.

    >>> engine_settings(engine="dask", scheduler="tcp://10.0.0.5:8786", chunk_docs=None).chunk_docs
    1000
    """
    values: dict[str, Any] = {}
    if config is not None:
        import yaml

        loaded = yaml.safe_load(config.read_text()) or {}
        known = set(EngineSettings.__dataclass_fields__)
        unknown = sorted(set(loaded) - known)
        if unknown:
            raise ValueError(f"{config}: unknown engine settings {unknown}; known: {sorted(known)}")
        values.update(loaded)
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = EngineSettings(**values)
    if settings.engine not in ("local", "dask"):
        raise ValueError(f"unknown engine {settings.engine!r}; choose 'local' or 'dask'")
    if settings.chunk_docs < 1:
        raise ValueError("chunk_docs must be at least 1")
    return settings


# ---------------------------------------------------------------- engines


class Engine(Protocol):
    """Runs a function on arguments somewhere, returning a future with ``.result()``."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        """Start ``fn(*args)``; return an object whose ``result()`` gives its value."""
        ...

    def close(self) -> None:
        """Release the workers."""
        ...


class _Done:
    """A finished result with the future interface (the in-driver engine)."""

    def __init__(self, value: Any):
        self._value = value

    def result(self) -> Any:
        return self._value


def _init_worker() -> None:
    """One BLAS/torch thread per worker process: the processes are the parallelism."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, "1")


class LocalEngine:
    """Chunks in ``workers`` local processes (spawned, each loads the models once), or in the driver (0)."""

    def __init__(self, workers: int = 2):
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        if workers > 0:
            import multiprocessing

            self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init_worker)

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any] | _Done:
        """Run ``fn(*args)`` in a worker process (or now, in the driver)."""
        if self._pool is None:
            return _Done(fn(*args))
        return self._pool.submit(fn, *args)

    def worker_pids(self) -> list[int]:
        """Process ids of the workers (for memory measurements)."""
        processes = getattr(self._pool, "_processes", None) or {}
        return [int(p.pid) for p in processes.values() if p.pid is not None]

    def close(self) -> None:
        """Shut the processes down."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DaskEngine:
    """Chunks on a ``distributed`` cluster: the scheduler at ``address``, or a new ``LocalCluster``.

    Workers need ``framing`` (and its models' cache, or the means to train them) installed; the chunk's documents
    travel to them and its tables come back as Parquet bytes, so no shared file system is needed.
    """

    def __init__(self, address: str | None = None, *, workers: int = 2, threads_per_worker: int = 1):
        from distributed import Client, LocalCluster

        self._cluster = None
        if address is None:
            self._cluster = LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker, processes=True,
                                         dashboard_address=None)
            self.client = Client(self._cluster)
        else:
            self.client = Client(address)

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        """Submit ``fn(*args)`` to the cluster (never deduplicated by argument hash: ``pure=False``).

        Documents and file contents are scattered to the workers first rather than embedded in the task graph
        (which ``distributed`` warns about above a few MB).
        """
        sent = [self.client.scatter(a, hash=False) if isinstance(a, bytes | pd.DataFrame) else a for a in args]
        return self.client.submit(fn, *sent, pure=False)

    def worker_pids(self) -> list[int]:
        """Process ids of the workers (meaningful for a LocalCluster only)."""
        return [int(v) for v in self.client.run(os.getpid).values()]

    def close(self) -> None:
        """Close the client, and the cluster if this engine started it."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_engine(settings: EngineSettings) -> LocalEngine | DaskEngine:
    """The engine ``settings`` ask for."""
    if settings.engine == "local":
        return LocalEngine(settings.workers)
    if settings.engine == "dask":
        return DaskEngine(settings.scheduler, workers=settings.workers)
    raise ValueError(f"unknown engine {settings.engine!r}; choose 'local' or 'dask'")


# ---------------------------------------------------------------- the work of one chunk (runs on a worker)


def compute_chunk(documents: pd.DataFrame, actor_mode: str, language: LanguageSettings | None,
                  features: tuple[str, ...] = (), stored: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """Sentences and the tables of ``features`` for one chunk of documents, as Parquet bytes.

    ``stored`` holds the cached tables (Parquet bytes) of features that ``features`` require and that are not
    computed again. Rows follow the documents' order, then each table's key columns, so concatenating chunks gives
    the same tables however the corpus was cut.
    """
    sentences = segment(documents)
    out = {"sentences": parquet_bytes(sentences)}
    if not features:
        return out
    ids = set(documents["doc_id"])
    upstream = {name: pd.read_parquet(io.BytesIO(data)) for name, data in (stored or {}).items()}
    tables = compute_features(documents, sentences, actor_mode=actor_mode, language=language,
                              needs={name: ids for name in features}, stored=upstream)
    position = pd.Series(np.arange(len(documents)), index=documents["doc_id"].to_numpy())
    sort_keys = registry.sort_keys()
    for name, df in tables.items():
        keys = sort_keys[name]
        if len(df):
            df = (df.assign(_pos=position.reindex(df["doc_id"].to_numpy()).to_numpy())
                  .sort_values(["_pos", *keys[1:]], kind="stable").drop(columns="_pos"))
        out[name] = parquet_bytes(df)
    return out


# ---------------------------------------------------------------- reading files in chunks


@dataclass
class _FileResult:
    """What reading one file gave besides its chunks."""

    report: FileReport
    rejects: pd.DataFrame = field(default_factory=lambda: rejects_table([]))


def _corpus_files(corpus_dir: Path) -> Iterator[tuple[str, Path]]:
    """The corpus files :func:`framing.ingest.read_corpus` reads, in corpus order (their names, as strings)."""
    named = []
    for path in corpus_dir.rglob("*"):
        if not path.is_file():
            continue
        name = path.relative_to(corpus_dir).as_posix()
        if path.name in _SKIP or any(part.startswith(".") for part in Path(name).parts):
            continue
        named.append((name, path))
    yield from sorted(named)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _stream_kind(path: Path, hints: dict[str, Any], stream_bytes: int) -> str | None:
    """The table kind of a file big enough to read in batches, or None (read whole)."""
    if path.stat().st_size < stream_bytes or hints.get("reader") not in (None, TABLE_READER):
        return None
    if hints.get("table"):
        return str(hints["table"])
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if choose_byte_reader(head, suffix=path.suffix) is not None:
        return None
    return sniff_table(head)


def _first_line(source_lines: pd.Series) -> pd.Series:
    return source_lines.str.extract(r"^(\d+)", expand=False).astype(float)


def _file_chunks(path: Path, name: str, hints: dict[str, Any], *, outlets: OutletRegistry,
                 language: LanguageSettings | None, chunk_docs: int, result: _FileResult,
                 data: bytes | None = None) -> Iterator[pd.DataFrame]:
    """One file read whole: its normalised documents (no ``duplicate_of`` yet) in corpus order, in chunks.

    Fills ``result``. With ``data`` (the file's bytes), the file is read from them.
    """
    records, rejects, report = read_file(path, name=name, hints=hints, outlets=outlets, data=data)
    result.report = report
    result.rejects = rejects_table(rejects)
    docs = normalise(records, outlets=outlets, language=language)
    del records
    docs = docs.iloc[np.argsort(_first_line(docs["source_lines"]).to_numpy(), kind="stable")]
    for start in range(0, len(docs), chunk_docs):
        yield docs.iloc[start:start + chunk_docs].reset_index(drop=True)


def prepare_records(records: list[Record], language: LanguageSettings | None, dedupe: DedupeSettings
                    ) -> tuple[list[tuple[str, str | None, str]], Signatures]:
    """The costly, per-record part of normalising a batch, and its dedupe signatures (runs on a worker).

    The driver assembles the documents from them (:func:`framing.build.pipeline.normalise` with ``repaired``), in order,
    because the doc_ids of identical copies count the copies before them in the file.
    """
    repaired = repair_records(records, language)
    return repaired, Signatures.of([text for text, _, _ in repaired], dedupe)


def _table_batches(path: Path, name: str, kind: str, hints: dict[str, Any], *, outlets: OutletRegistry,
                   chunk_docs: int, report: FileReport, rejected: list[Reject]) -> Iterator[list[Record]]:
    """A big table's records, ``chunk_docs`` rows at a time; counts go to ``report``, rejects to ``rejected``.

    A table that cannot be read on ends with a reject for the rest of the file (the batches before it stay).
    """
    ctx = FileContext(name, hints, outlets)
    try:
        for parsed in iter_parsed_batches(path, kind, rows=chunk_docs):
            bad = [Reject(name, [n], reason, text) for n, reason, text in parsed.bad_rows]
            units = sorted([*table_units(parsed.table, ctx, numbers=parsed.numbers), *bad], key=lambda u: u.lines[0])
            part = FileReport(name, report.sha256, 0, report.reader)
            records, rejects, part = collect_units(units, hints, part)  # hints, date checks, length limit
            rejected += rejects
            report.n_records += part.n_records
            report.n_dates_unreadable += part.n_dates_unreadable
            report.n_dates_implausible += part.n_dates_implausible
            yield records
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        rejected.append(Reject(name, [], f"unreadable {kind} table: {exc}", excerpt("")))


def _table_chunks(path: Path, name: str, kind: str, hints: dict[str, Any], sha256: str, *, outlets: OutletRegistry,
                  language: LanguageSettings | None, chunk_docs: int, dedupe: DedupeSettings, result: _FileResult,
                  runner: Engine, ahead: int) -> Iterator[tuple[pd.DataFrame, Signatures]]:
    """A big table's chunks with their signatures, in order; fills ``result``.

    Batches are read here (cheap) and repaired and signed on the engine, ``ahead`` of them at a time, so a single
    big file keeps every worker busy; the documents are assembled here, in order.
    """
    report = FileReport(name, sha256, path.stat().st_size, f"table:{kind}",
                        encoding="binary" if kind == "parquet" else "utf-8")
    result.report = report
    seen: dict[str, int] = {}  # copies of each text so far (doc_ids of identical copies), across batches
    rejected: list[Reject] = []
    preparing: deque[tuple[list[Record], Any]] = deque()

    def assembled() -> tuple[pd.DataFrame, Signatures]:
        records, future = preparing.popleft()
        repaired, sig = future.result()
        return normalise(records, outlets=outlets, language=language, seen=seen, repaired=repaired), sig

    for records in _table_batches(path, name, kind, hints, outlets=outlets, chunk_docs=chunk_docs, report=report,
                                  rejected=rejected):
        if records:
            preparing.append((records, runner.submit(prepare_records, records, language, dedupe)))
        while len(preparing) > ahead:
            yield assembled()
    while preparing:
        yield assembled()
    if not report.n_records and not rejected:
        rejected.append(Reject(name, [], f"{kind} table without data rows", ""))
    report.n_rejects = len(rejected)
    result.rejects = rejects_table(rejected)


def _write(path: Path, data: bytes) -> None:
    atomic_write_bytes(path, data)


def _store_feature(cached: Path, tables: dict[str, bytes]) -> None:
    """Cache one feature's tables of a chunk: written in a private folder, renamed into place (whole or absent).

    The folder's name holds the chunk's key and the feature's, so a folder already there (another run's) holds
    the same tables.
    """
    tmp = private_name(cached)
    try:
        tmp.mkdir(parents=True)
        for table, data in tables.items():
            (tmp / f"{table}.parquet").write_bytes(data)
        publish_dir(tmp, cached, whole=Path.is_dir)  # feature folders only ever appear whole, by this rename
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@lru_cache(maxsize=1)
def _chunk_code() -> str:
    """The code that turns a chunk's documents into its tables, besides each feature's own (in its key)."""
    from framing.build import pipeline

    source = "".join(inspect.getsource(fn) for fn in (compute_chunk, pipeline.compute_features,
                                                        pipeline.conform_feature, parquet_bytes))
    return hashlib.sha256(f"{__version__}|{source}".encode()).hexdigest()[:16]


def _chunk_key(documents: pd.DataFrame, language: LanguageSettings | None) -> str:
    """What a chunk's tables depend on: its documents (all but ``duplicate_of``), the policy, the chunk code.

    Each feature's tables are cached under the chunk's folder by the feature's own key, and the sentences by
    :func:`framing.features.registry.input_key`.
    """
    h = hashlib.sha256(f"{_chunk_code()}|{policy_key(language)}".encode())
    cols = [c for c in documents.columns if c != "duplicate_of"]
    h.update(pd.util.hash_pandas_object(documents[cols], index=False).to_numpy().tobytes())
    return h.hexdigest()[:24]


def _file_key(name: str, sha256: str, hints: dict[str, Any], *, language: LanguageSettings | None,
              dedupe: DedupeSettings, chunk_docs: int, stream_bytes: int, code: str) -> str:
    """What a file's documents and signatures depend on: ``code`` is :func:`framing.features.registry.input_key`."""
    from framing.ingest import INGEST_VERSION  # read at call time (a test raises it)

    payload = json.dumps({"v": __version__, "ingest": INGEST_VERSION, "code": code, "name": name, "sha256": sha256,
                          "hints": hints,
                          "policy": policy_key(language), "outlets": file_hash(lexicon_path("outlets")),
                          "dedupe": asdict(dedupe), "chunk_docs": chunk_docs, "stream_bytes": stream_bytes},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


@dataclass
class BuildSummary:
    """What :func:`build_chunked` did."""

    out: str
    n_docs: int = 0
    n_chunks: int = 0
    computed_docs: int = 0  # documents whose chunk was segmented and scored in this run (the rest: cache)
    computed_chunks: int = 0
    parsed_files: int = 0  # files read and normalised in this run (the rest: cache)
    cached_files: int = 0
    replayed_chunks: int = 0  # chunks whose dedupe decisions came from the cache (same files before them)
    dedupe_index_mb: float = 0.0
    engine: str = "local"
    chunk_docs: int = 0
    computed_features: dict[str, int] = field(default_factory=dict)  # documents each feature scored

    def as_dict(self) -> dict[str, Any]:
        """The summary as a plain dict (``_meta.json``)."""
        return asdict(self)


def _clear_parts(out: Path, tables: tuple[str, ...]) -> None:
    """Remove the parts of an earlier build (nothing else), and make the folders of ``tables``."""
    for table in part_tables():
        folder = out / table
        if folder.is_dir():
            for part in folder.glob("part-*.parquet"):
                part.unlink()
            if table not in tables and not any(folder.iterdir()):
                folder.rmdir()
        if table in tables:
            folder.mkdir(parents=True, exist_ok=True)


def build_chunked(corpus_dir: Path, out: Path, *, actor_mode: str = "accurate",
                  settings: EngineSettings = EngineSettings(), cache_dir: Path | None = None, use_cache: bool = True,
                  language: LanguageSettings | None = None, dedupe: DedupeSettings = DedupeSettings(),
                  outlets: OutletRegistry | None = None, engine: Engine | None = None,
                  stream_bytes: int = STREAM_BYTES, features: bool = True, progress: bool = False) -> BuildSummary:
    """Every table of the study for ``corpus_dir`` as Parquet parts under ``out``, a chunk at a time.

    Args:
        corpus_dir: Folder of raw files (read as :func:`framing.ingest.read_corpus` reads it).
        out: Folder for ``<table>/part-NNNNN.parquet`` and ``_meta.json`` (old parts there are removed).
        actor_mode: "accurate" or "fast" (see :func:`framing.build.pipeline.build`).
        settings: Engine, workers, scheduler address and chunk size.
        cache_dir: Where parsed files and computed chunks are cached (default ``data/interim/engine``).
        use_cache: Read and write that cache.
        language: Language thresholds and the languages the English measures score.
        dedupe: Duplicate detection settings.
        outlets: Outlet alias table (default: the shipped one; a custom one turns the per-file cache off).
        engine: An engine to use instead of starting one from ``settings`` (it is left open).
        stream_bytes: Table files at least this big are read in batches here and repaired on the engine, a few
            batches ahead; smaller files are read whole on the engine, a few files ahead.
        features: Score the chunks; without, only documents, sentences, rejects and files are written (to
            measure the streaming stages alone, or to segment a corpus now and score it later).
        progress: Show a progress bar of documents.

    Returns:
        Counts of documents, chunks, and what was computed versus read from the cache.

    """
    from tqdm import tqdm

    if actor_mode not in ("accurate", "fast"):
        raise ValueError(f"unknown actor_mode {actor_mode!r}; choose 'accurate' or 'fast'")
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
    cache = cache_dir or INTERIM_DIR / "engine"
    file_cache = use_cache and outlets is None
    outlet_table = outlets or OutletRegistry.default()
    manifest = load_manifests(corpus_dir)
    feature_list = registry.features() if features else ()
    fkeys = {f.name: f.key(actor_mode) for f in feature_list}
    skey = registry.input_key()
    chunk_names = chunk_tables() if features else ("sentences",)
    _clear_parts(out, part_tables() if features else ("documents", "sentences", "rejects", "files"))
    summary = BuildSummary(out=str(out), engine=settings.engine, chunk_docs=settings.chunk_docs,
                           computed_features=dict.fromkeys(fkeys, 0))
    runner = engine or make_engine(settings)
    window = settings.in_flight or max(2, 2 * settings.workers)
    index = DedupeIndex(out / ".dedupe", dedupe)
    pending: deque[tuple[int, Path, tuple[str, ...], Any]] = deque()
    reports: list[FileReport] = []
    n_rejects_parts = 0
    bar = tqdm(desc="documents", unit="doc", disable=not progress, leave=False)

    def cached_sentences(cdir: Path) -> Path:
        return cdir / f"sentences-{skey}.parquet"

    def cached_feature(cdir: Path, name: str) -> Path:
        return cdir / f"{name}-{fkeys[name]}"

    def submit(k: int, docs: pd.DataFrame) -> None:
        """Start computing what the cache lacks of chunk ``k``: its sentences, and features whose key changed."""
        cdir = cache / "chunks" / _chunk_key(docs, language)
        todo = tuple(f.name for f in feature_list if not (use_cache and cached_feature(cdir, f.name).is_dir()))
        if not todo and use_cache and cached_sentences(cdir).is_file():
            pending.append((k, cdir, todo, None))
            return
        stored = {table: (cached_feature(cdir, req) / f"{table}.parquet").read_bytes()
                  for name in todo for req in registry.get(name).requires if req not in todo
                  for table in registry.get(req).table_names()}
        pending.append((k, cdir, todo, runner.submit(compute_chunk, docs, actor_mode, language, todo, stored)))
        summary.computed_chunks += 1
        summary.computed_docs += len(docs)
        if todo:
            scored = int(english_measures_mask(docs, settings=language).sum())
            for f in feature_list:
                if f.name in todo:
                    summary.computed_features[f.name] += scored if f.english_only else len(docs)

    def finish_one() -> None:
        k, cdir, todo, fut = pending.popleft()
        part = f"part-{k:05d}.parquet"
        fresh: dict[str, bytes] = fut.result() if fut is not None else {}
        missing = sorted({t for name in todo for t in registry.get(name).table_names()} - set(fresh))
        if missing:  # a feature registered in this process only: the engine's workers are other processes
            raise RegistryError(
                f"the engine's workers did not compute {missing}: their feature is registered in this process only. "
                "Name its module in FRAMING_FEATURES (or publish a framing.features entry point) so that every "
                "process loads it")
        if use_cache and fresh:
            if not cached_sentences(cdir).is_file():
                cdir.mkdir(parents=True, exist_ok=True)
                _write(cached_sentences(cdir), fresh["sentences"])
            for name in todo:
                _store_feature(cached_feature(cdir, name), {t: fresh[t] for t in registry.get(name).table_names()})
        sources = {"sentences": cached_sentences(cdir)}
        sources.update({t: cached_feature(cdir, f.name) / f"{t}.parquet" for f in feature_list
                        for t in f.table_names()})
        for table in chunk_names:
            if table in fresh:
                _write(out / table / part, fresh[table])
            else:
                with atomic_path(out / table / part) as tmp:
                    shutil.copyfile(sources[table], tmp)

    def plan(name: str, path: Path) -> tuple[str, Path, dict[str, Any], str, Path, Any]:
        """A file's hints, hash and cache folder; files read whole and not cached start parsing on the engine."""
        hints = manifest.get(name, {})
        sha = _sha256(path)
        fdir = cache / "files" / _file_key(name, sha, hints, language=language, dedupe=dedupe,
                                           chunk_docs=settings.chunk_docs, stream_bytes=stream_bytes, code=skey)
        parsing = None
        if (outlets is None and not (file_cache and (fdir / "COMPLETE").is_file())
                and _stream_kind(path, hints, stream_bytes) is None):
            parsing = runner.submit(parse_file, path.read_bytes(), name, hints, sha, language, settings.chunk_docs,
                                    dedupe)
        return name, path, hints, sha, fdir, parsing

    # The dedupe decisions of a chunk depend on every chunk before it: ``chain`` hashes their file keys in order,
    # so a rerun replays the stored decisions up to the first new or changed file and decides from there on.
    chain = hashlib.sha256(json.dumps(asdict(dedupe), sort_keys=True).encode()).hexdigest()[:24]
    files = iter(_corpus_files(corpus_dir))
    planned: deque[tuple[str, Path, dict[str, Any], str, Path, Any]] = deque()
    try:
        while True:
            for name, path in files:  # parse up to ``window`` files ahead of the dedupe
                planned.append(plan(name, path))
                if len(planned) >= window:
                    break
            if not planned:
                break
            name, path, hints, sha, fdir, parsing = planned.popleft()
            chunks: Iterator[tuple[pd.DataFrame, Signatures]]
            building = None
            if file_cache and (fdir / "COMPLETE").is_file():
                summary.cached_files += 1
                about = json.loads((fdir / "COMPLETE").read_text())
                result = _FileResult(FileReport(**about["report"]), pd.read_parquet(fdir / "rejects.parquet"))
                chunks = ((pd.read_parquet(fdir / f"docs-{i:05d}.parquet"), Signatures.load(fdir / f"sig-{i:05d}.npz"))
                          for i in range(about["n_chunks"]))
            else:
                summary.parsed_files += 1
                building = private_name(fdir) if file_cache else None
                if parsing is not None:
                    result, parsed = parsing.result()
                    chunks = _cached(iter(parsed), building)
                    del parsed
                elif kind := _stream_kind(path, hints, stream_bytes):  # a big table, read in batches here
                    result = _FileResult(FileReport(name, sha, 0, None))
                    chunks = _cached(_table_chunks(path, name, kind, hints, sha, outlets=outlet_table,
                                                   language=language, chunk_docs=settings.chunk_docs, dedupe=dedupe,
                                                   result=result, runner=runner, ahead=window), building)
                else:  # a file read whole with a custom outlet table: here
                    result = _FileResult(FileReport(name, sha, 0, None))
                    chunks = _cached(_signed(_file_chunks(path, name, hints, outlets=outlet_table, language=language,
                                                          chunk_docs=settings.chunk_docs, result=result), dedupe),
                                     building)
            n_file_chunks = 0
            for docs, sig in chunks:
                chain = hashlib.sha256(f"{chain}|{fdir.name}|{n_file_chunks}".encode()).hexdigest()[:24]
                n_file_chunks += 1
                k = summary.n_chunks
                doc_ids = docs["doc_id"].tolist()
                stored = cache / "dedupe" / f"{chain}.json"
                if file_cache and stored.is_file():  # same files before it: the decision is the same
                    decision = DedupeDecision.from_json(stored.read_text())
                    summary.replayed_chunks += 1
                else:
                    decision = index.decide(doc_ids, sig)
                    if file_cache:
                        stored.parent.mkdir(parents=True, exist_ok=True)
                        _write(stored, decision.to_json().encode())
                index.add(doc_ids, sig, decision)
                dup = decision.duplicate_of
                docs = conform(docs.assign(duplicate_of=pd.array(dup, dtype="string")), "documents")
                _write(out / "documents" / f"part-{k:05d}.parquet", parquet_bytes(docs))
                submit(k, docs)
                summary.n_chunks += 1
                summary.n_docs += len(docs)
                bar.update(len(docs))
                while len(pending) >= window:
                    finish_one()
            if building is not None:  # the file's cache, built in a private folder, published whole
                _write(building / "rejects.parquet", parquet_bytes(result.rejects))
                atomic_write_text(building / "COMPLETE", json.dumps({"report": asdict(result.report),
                                                                     "n_chunks": n_file_chunks}) + "\n")
                publish_dir(building, fdir, whole=lambda d: (d / "COMPLETE").is_file())
            reports.append(result.report)
            if len(result.rejects):
                lines = result.rejects["source_lines"].fillna("").to_numpy(dtype=object)  # whole-file rejects: NA
                rejects = result.rejects.iloc[np.argsort(lines, kind="stable")]
                _write(out / "rejects" / f"part-{n_rejects_parts:05d}.parquet", parquet_bytes(rejects))
                n_rejects_parts += 1
        while pending:
            finish_one()
    finally:
        bar.close()
        summary.dedupe_index_mb = round(index.nbytes / 2**20, 2)
        index.close()
        shutil.rmtree(out / ".dedupe", ignore_errors=True)
        if engine is None:
            runner.close()
    _write(out / "files" / "part-00000.parquet", parquet_bytes(files_table(reports)))
    atomic_write_text(out / "_meta.json", json.dumps(summary.as_dict(), indent=2) + "\n")
    return summary


def _signed(chunks: Iterator[pd.DataFrame], dedupe: DedupeSettings) -> Iterator[tuple[pd.DataFrame, Signatures]]:
    """Chunks with their dedupe signatures."""
    for docs in chunks:
        yield docs, Signatures.of(docs["text"].tolist(), dedupe)


def parse_file(data: bytes, name: str, hints: dict[str, Any], sha256: str, language: LanguageSettings | None,
               chunk_docs: int, dedupe: DedupeSettings) -> tuple[_FileResult, list[tuple[pd.DataFrame, Signatures]]]:
    """Read, normalise and sign one file read whole, in chunks (runs on a worker, ahead of the dedupe).

    The driver sends the file's bytes, so workers need no access to the corpus folder.
    """
    result = _FileResult(FileReport(name, sha256, 0, None))
    chunks = list(_signed(_file_chunks(Path(name), name, hints, outlets=OutletRegistry.default(),
                                       language=language, chunk_docs=chunk_docs, result=result, data=data), dedupe))
    return result, chunks


def _cached(chunks: Iterator[tuple[pd.DataFrame, Signatures]], folder: Path | None
            ) -> Iterator[tuple[pd.DataFrame, Signatures]]:
    """The chunks, written on the way to ``folder`` (a private folder, published as the file's cache once whole)."""
    if folder is not None:
        folder.mkdir(parents=True)
    for i, (docs, sig) in enumerate(chunks):
        if folder is not None:
            _write(folder / f"docs-{i:05d}.parquet", parquet_bytes(docs))
            sig.save(folder / f"sig-{i:05d}.npz")
        yield docs, sig


# ---------------------------------------------------------------- reading the parts back


def read_table(out: Path, name: str, *, columns: list[str] | None = None) -> pd.DataFrame:
    """One table from its Parquet parts, in part order (corpus order), optionally only some columns."""
    parts = sorted((out / name).glob("part-*.parquet"))
    frames = [pd.read_parquet(p, columns=columns) for p in parts]
    full = [f for f in frames if len(f)]
    if not full:
        return frames[0] if frames else pd.DataFrame(columns=columns or [])
    return pd.concat(full, ignore_index=True) if len(full) > 1 else full[0].reset_index(drop=True)


def read_tables(out: Path, *, order: str = "corpus") -> StudyTables:
    """Every table :func:`build_chunked` wrote, as :class:`~framing.build.pipeline.StudyTables` (small corpora only).

    ``order="corpus"`` keeps the parts' order (file, then row or line); ``order="doc_id"`` sorts documents by
    ``doc_id``, sentences by ``doc_id`` and ``sent_idx``, rejects by file and lines, and each feature table by its
    sort key: the order of the run's CSV tables.
    """
    from framing.corpus import empty

    if order not in ("corpus", "doc_id"):
        raise ValueError(f"unknown order {order!r}; choose 'corpus' or 'doc_id'")
    keys = {"documents": ["doc_id"], "sentences": ["doc_id", "sent_idx"], "rejects": ["source_file", "source_lines"],
            **{name: list(k) for name, k in registry.sort_keys().items()}}
    frames: dict[str, pd.DataFrame] = {}
    for name in StudyTables.TABLES:
        df = read_table(out, name)
        if name in ("documents", "sentences", "rejects"):
            df = validate(conform(df, name) if len(df) else empty(name), name)
        if order == "doc_id" and name in keys and len(df):
            df = df.sort_values(keys[name], kind="stable").reset_index(drop=True)
        frames[name] = df
    meta = json.loads((out / "_meta.json").read_text()) if (out / "_meta.json").is_file() else {}
    frames.update(without_copies({name: frames[name] for name in registry.tables()}, frames["documents"]))
    return StudyTables.of(frames, meta=meta)
