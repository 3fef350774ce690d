"""The chunked, streaming build: corpora of 10^5–10^7 documents in bounded memory, on local processes or Dask.

:func:`build_chunked` runs the same stages as :func:`framing.pipeline.build`, a chunk of documents at a time:

1. **read** each raw file in sorted order. Tables (CSV, TSV, JSON Lines, Parquet) are read in batches of
   ``chunk_docs`` rows; other files are read whole and cut into chunks. A chunk never spans two files, so adding a
   file leaves the other files' chunks as they were.
2. **normalise** each chunk (:func:`framing.pipeline.normalise`) and compute its dedupe signatures (exact
   fingerprint, word-shingle hashes).
3. **dedupe** sequentially on the driver, in corpus order, against a :class:`DedupeIndex` held in numpy arrays
   (64-bit fingerprints and sketch hashes, searched with ``searchsorted``); the shingle sets that near-duplicate
   checks compare against live in a file on disk. The result equals :func:`framing.pipeline.dedupe`'s.
4. **segment and score** each chunk on an engine: :class:`LocalEngine` (worker processes) or :class:`DaskEngine`
   (a ``distributed`` cluster). Results are consumed in chunk order and written as
   ``<out>/<table>/part-00000.parquet`` … , so the driver never holds the corpus.

Steps 1–2 are cached per raw file (keyed by the file's sha256, its manifest hints and the settings) and step 4
per chunk (keyed by the chunk's documents and :func:`framing.pipeline.feature_key`), so a rerun after adding
files parses and scores only the new files.

Reading the tables back: :func:`read_tables` gives a :class:`~framing.pipeline.StudyTables` (small corpora);
for big ones read the columns you need, e.g.
``pd.read_parquet(out / "doc_sentiment", columns=["doc_id", "compound_mean"])`` or
``pyarrow.dataset.dataset(out / "documents").to_table(columns=[...], filter=...)``.

Differences from :func:`framing.pipeline.build`'s tables: rows are in corpus order (file, then row or line), not
sorted by ``doc_id`` (sort them to compare), and feature rows follow their documents' order.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from framing import __version__
from framing.config import INTERIM_DIR, DedupeSettings, LanguageSettings
from framing.corpus import conform, parquet_bytes, validate
from framing.dedupe import _fingerprint, _shingles
from framing.ingest import FileReport, Reject, collect_units, load_manifests, read_file
from framing.ingest.base import excerpt
from framing.ingest.registry import MANIFEST_NAME, TABLE_READER, FileContext, choose_byte_reader
from framing.ingest.tabular import iter_parsed_batches, sniff_table, table_units
from framing.language import policy_key
from framing.lexicons import file_hash, lexicon_path
from framing.outlets import OutletRegistry
from framing.pipeline import (
    FEATURE_TABLES,
    StudyTables,
    document_features,
    feature_key,
    files_table,
    normalise,
    rejects_table,
    segment,
)
from framing.safeio import atomic_path, atomic_write_bytes, atomic_write_text, private_name, publish_dir
from framing.text import tokens

log = logging.getLogger(__name__)
_SKIP = {MANIFEST_NAME, "README.md", "SOURCE.txt"}
CHUNK_TABLES = ("sentences", *FEATURE_TABLES)  # what a worker computes for a chunk
PART_TABLES = ("documents", *CHUNK_TABLES, "rejects", "files")  # folders of Parquet parts in the output


@dataclass(frozen=True)
class EngineSettings:
    """Settings for :func:`build_chunked`.

    ``engine="local"`` runs chunks in ``workers`` processes (0: in the driver); ``engine="dask"`` submits them to
    the ``distributed`` scheduler at ``scheduler`` (None: a ``LocalCluster`` of ``workers`` processes).
    """

    engine: str = "local"  # "local" or "dask"
    workers: int = 2  # processes of the local engine, or of the LocalCluster when no scheduler is given
    scheduler: str | None = None  # e.g. "tcp://10.0.0.5:8786"
    chunk_docs: int = 2000  # documents (table rows) per chunk: the unit of work, caching and memory
    in_flight: int = 0  # chunks submitted but not yet written (0: twice the workers, at least 2)


def engine_settings(config: Path | None = None, **overrides: Any) -> EngineSettings:
    """Engine settings from a YAML file, then from ``overrides`` that are not None.

    The file's keys are those of :class:`EngineSettings`: ``engine``, ``scheduler``, ``workers``, ``chunk_docs``,
    ``in_flight``.

    >>> engine_settings(engine="dask", scheduler="tcp://10.0.0.5:8786", chunk_docs=None).chunk_docs
    2000
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
                  features: bool = True) -> dict[str, bytes]:
    """Sentences and every feature table of one chunk of documents, as Parquet bytes.

    Without ``features``, sentences only. Rows follow the documents' order, then each table's key columns, so
    concatenating chunks gives the same tables however the corpus was cut.
    """
    sentences = segment(documents)
    out = {"sentences": parquet_bytes(sentences)}
    if not features:
        return out
    tables = document_features(documents, sentences, actor_mode=actor_mode, language=language)
    position = pd.Series(np.arange(len(documents)), index=documents["doc_id"].to_numpy())
    for name, keys in FEATURE_TABLES.items():
        df = tables[name]
        if len(df):
            df = (df.assign(_pos=position.reindex(df["doc_id"].to_numpy()).to_numpy())
                  .sort_values(["_pos", *keys[1:]], kind="stable").drop(columns="_pos"))
        out[name] = parquet_bytes(df)
    return out


# ---------------------------------------------------------------- bounded-memory dedupe


class _SortedMultiMap:
    """uint64 keys → uint32 values in sorted numpy levels (merged like a binary counter: O(n log n) in all)."""

    def __init__(self) -> None:
        self.levels: list[tuple[np.ndarray, np.ndarray]] = []

    def add(self, keys: np.ndarray, values: np.ndarray) -> None:
        if not len(keys):
            return
        order = np.argsort(keys, kind="stable")
        self.levels.append((keys[order], values[order]))
        while len(self.levels) > 1 and len(self.levels[-2][0]) <= 2 * len(self.levels[-1][0]):
            (k1, v1), (k2, v2) = self.levels.pop(-2), self.levels.pop()
            k, v = np.concatenate([k1, k2]), np.concatenate([v1, v2])
            order = np.argsort(k, kind="stable")  # older level first: equal keys keep insertion order
            self.levels.append((k[order], v[order]))

    def first(self, keys: np.ndarray) -> np.ndarray:
        """For each key, the smallest value stored under it, or -1."""
        out = np.full(len(keys), -1, dtype=np.int64)
        for k, v in self.levels:
            i = np.searchsorted(k, keys)
            ok = i < len(k)
            ok[ok] = k[i[ok]] == keys[ok]
            hit = v[i[ok]].astype(np.int64)
            cur = out[ok]
            out[ok] = np.where((cur < 0) | (hit < cur), hit, cur)
        return out

    def all(self, keys: np.ndarray) -> list[np.ndarray]:
        """For each key, every value stored under it."""
        found: list[list[np.ndarray]] = [[] for _ in keys]
        for k, v in self.levels:
            lo, hi = np.searchsorted(k, keys, "left"), np.searchsorted(k, keys, "right")
            for j in np.nonzero(hi > lo)[0]:
                found[j].append(v[lo[j]:hi[j]])
        return [np.concatenate(f) if f else np.empty(0, np.uint32) for f in found]

    @property
    def nbytes(self) -> int:
        return sum(k.nbytes + v.nbytes for k, v in self.levels)


def _n_common(a: np.ndarray, b: np.ndarray) -> int:
    """Elements two sorted arrays of unique values share.

    >>> _n_common(np.array([1, 3, 5], dtype=np.uint64), np.array([3, 4, 5, 9], dtype=np.uint64))
    2
    """
    if not len(a) or not len(b):
        return 0
    if len(a) > len(b):
        a, b = b, a
    i = np.searchsorted(b, a)
    i[i == len(b)] = len(b) - 1
    return int(np.count_nonzero(b[i] == a))


@dataclass
class Signatures:
    """What dedupe needs of a chunk's documents: fingerprints, token counts, sorted shingle hashes (CSR)."""

    fingerprint: np.ndarray  # uint64 per document: the first 64 bits of the exact-copy fingerprint
    n_tokens: np.ndarray  # int64 per document
    offsets: np.ndarray  # int64, len n+1: document i's shingles are values[offsets[i]:offsets[i+1]]
    values: np.ndarray  # uint64, sorted within each document

    @classmethod
    def of(cls, texts: list[str], settings: DedupeSettings) -> Signatures:
        """Signatures of ``texts`` (shingles only for texts of at least ``settings.min_words`` tokens)."""
        fps = np.array([int(_fingerprint(t)[:16], 16) for t in texts], dtype=np.uint64)
        counts = np.array([len(tokens(t)) for t in texts], dtype=np.int64)
        shingles = [np.array(sorted(_shingles(t, settings.shingle_words)), dtype=np.uint64)
                    if n >= settings.min_words else np.empty(0, np.uint64) for t, n in zip(texts, counts, strict=True)]
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(s) for s in shingles])
        values = np.concatenate(shingles) if shingles else np.empty(0, np.uint64)
        return cls(fps, counts, offsets, values)

    def shingles(self, i: int) -> np.ndarray:
        """Sorted shingle hashes of document ``i``."""
        return self.values[self.offsets[i]:self.offsets[i + 1]]

    def save(self, path: Path) -> None:
        """Write the arrays to an ``.npz`` file."""
        with path.open("wb") as handle:
            np.savez(handle, fingerprint=self.fingerprint, n_tokens=self.n_tokens, offsets=self.offsets,
                     values=self.values)

    @classmethod
    def load(cls, path: Path) -> Signatures:
        """Read what :meth:`save` wrote."""
        with np.load(path) as z:
            return cls(z["fingerprint"], z["n_tokens"], z["offsets"], z["values"])


@dataclass
class DedupeDecision:
    """What the index decided for one chunk: its ``duplicate_of`` and what the chunk adds to the index.

    Replaying a stored decision with :meth:`DedupeIndex.add` on the same index state is the same as deciding again
    (a rerun reuses the decisions of the files before the first changed one: see :func:`build_chunked`).
    """

    duplicate_of: list[str | None]
    new_fingerprints: list[int]  # chunk positions whose fingerprint enters the index
    new_candidates: list[int]  # chunk positions that become near-duplicate candidates

    def to_json(self) -> str:
        """The decision as one line of JSON."""
        return json.dumps([self.duplicate_of, self.new_fingerprints, self.new_candidates])

    @classmethod
    def from_json(cls, text: str) -> DedupeDecision:
        """Read what :meth:`to_json` wrote."""
        dup, fps, cands = json.loads(text)
        return cls(dup, fps, cands)


class DedupeIndex:
    """Every document seen so far, for :func:`framing.dedupe.find_duplicates`' rules, in bounded memory.

    In memory: each document's doc_id as a uint64 (16 bytes a document with the fingerprint index) and each
    near-duplicate candidate's ``sketch_size`` smallest shingle hashes (12 bytes each). On disk (``folder``):
    the candidates' shingle sets, read back only to check a candidate pair. Exact copies are matched on the first
    64 bits of the fingerprint (a false match is about one in 10^7 at 10^6 documents … squared: negligible).
    """

    def __init__(self, folder: Path, settings: DedupeSettings = DedupeSettings()):
        self.settings = settings
        folder.mkdir(parents=True, exist_ok=True)
        self._path = folder / "shingles.u64"
        self._store = self._path.open("w+b")
        self._offsets = np.zeros(1, dtype=np.int64)  # candidate c's shingles: store[_offsets[c]:_offsets[c + 1]]
        self._doc_ids = np.empty(0, dtype=np.uint64)  # by document ordinal
        self._fingerprints = _SortedMultiMap()  # fingerprint -> document ordinal
        self._sketches = _SortedMultiMap()  # sketch hash -> candidate ordinal
        self._candidate_docs = np.empty(0, dtype=np.uint32)  # document ordinal of each candidate
        self._n_candidates = 0
        self._written = 0  # uint64 values in the store

    def close(self) -> None:
        """Close and delete the shingle store."""
        self._store.close()
        self._path.unlink(missing_ok=True)

    @property
    def nbytes(self) -> int:
        """Bytes of the in-memory arrays."""
        return (self._doc_ids.nbytes + self._fingerprints.nbytes + self._sketches.nbytes
                + self._offsets.nbytes + self._candidate_docs.nbytes)

    def _stored_shingles(self, start: int, end: int) -> np.ndarray:
        self._store.seek(start * 8)
        return np.frombuffer(self._store.read((end - start) * 8), dtype=np.uint64)

    def assign(self, doc_ids: list[str], sig: Signatures) -> list[str | None]:
        """``duplicate_of`` for a chunk's documents (in corpus order), then add them to the index."""
        decision = self.decide(doc_ids, sig)
        self.add(doc_ids, sig, decision)
        return decision.duplicate_of

    def decide(self, doc_ids: list[str], sig: Signatures) -> DedupeDecision:
        """What :meth:`assign` decides for a chunk, without adding it to the index."""
        s = self.settings
        n = len(doc_ids)
        exact_prior = self._fingerprints.first(sig.fingerprint)
        local_fp: dict[int, int] = {}
        sketches = [sig.shingles(i)[: s.sketch_size] for i in range(n)]
        flat = np.concatenate(sketches) if n else np.empty(0, np.uint64)
        prior = self._sketches.all(flat) if len(flat) else []
        prior_by_doc, k = [], 0
        for sk in sketches:
            prior_by_doc.append(prior[k:k + len(sk)])
            k += len(sk)
        local_sketch: dict[int, list[int]] = {}
        local_shingles: dict[int, np.ndarray] = {}
        new_fp: list[int] = []  # chunk positions of the documents whose fingerprint is new
        new_candidates: list[int] = []  # chunk positions of the documents that become candidates
        out: list[str | None] = []
        for i in range(n):
            fp = int(sig.fingerprint[i])
            if exact_prior[i] >= 0:
                out.append(f"{int(self._doc_ids[exact_prior[i]]):016x}")
                continue
            if fp in local_fp:
                out.append(doc_ids[local_fp[fp]])
                continue
            local_fp[fp] = i
            new_fp.append(i)
            if sig.n_tokens[i] < s.min_words:
                out.append(None)
                continue
            sh = sig.shingles(i)
            stored = np.unique(np.concatenate(prior_by_doc[i])) if prior_by_doc[i] else np.empty(0, np.int64)
            if len(stored):  # Jaccard <= smaller / larger set: drop candidates too different in size
                sizes = self._offsets[stored + 1] - self._offsets[stored]
                stored = stored[np.minimum(sizes, len(sh)) >= s.min_jaccard * np.maximum(sizes, len(sh))]
            cands = set(stored.tolist())
            cands |= {c for h in sketches[i].tolist() for c in local_sketch.get(h, [])}
            best = None
            for cand in sorted(cands):
                if cand >= self._n_candidates:
                    other = local_shingles[cand]
                else:
                    other = self._stored_shingles(int(self._offsets[cand]), int(self._offsets[cand + 1]))
                if min(len(other), len(sh)) < s.min_jaccard * max(len(other), len(sh)):
                    continue
                inter = _n_common(sh, other)
                if inter / (len(sh) + len(other) - inter) >= s.min_jaccard:
                    best = cand
                    break
            if best is not None:
                out.append(self._candidate_doc(best, doc_ids, new_candidates))
                continue
            out.append(None)
            cand = self._n_candidates + len(new_candidates)
            new_candidates.append(i)
            local_shingles[cand] = sh
            for h in sketches[i].tolist():
                local_sketch.setdefault(h, []).append(cand)
        return DedupeDecision(out, new_fp, new_candidates)

    def add(self, doc_ids: list[str], sig: Signatures, decision: DedupeDecision) -> None:
        """Add a chunk to the index as ``decision`` (from :meth:`decide` on the same index state) says."""
        s = self.settings
        base = len(self._doc_ids)
        fp_pos = np.asarray(decision.new_fingerprints, dtype=np.int64)
        cands = decision.new_candidates
        sk_keys = [sig.shingles(i)[: s.sketch_size] for i in cands]
        sk_vals = [np.full(len(k), self._n_candidates + j, dtype=np.uint32) for j, k in enumerate(sk_keys)]
        self._doc_ids = np.concatenate([self._doc_ids, np.array([int(d, 16) for d in doc_ids], dtype=np.uint64)])
        self._fingerprints.add(sig.fingerprint[fp_pos].astype(np.uint64), (base + fp_pos).astype(np.uint32))
        if cands:
            self._sketches.add(np.concatenate(sk_keys).astype(np.uint64), np.concatenate(sk_vals))
            lengths = np.array([len(sig.shingles(i)) for i in cands], dtype=np.int64)
            offs = np.zeros(len(cands) + 1, dtype=np.int64)
            offs[1:] = np.cumsum(lengths)
            self._store.seek(self._written * 8)
            for i in cands:
                self._store.write(sig.shingles(i).tobytes())
            self._offsets = np.concatenate([self._offsets, offs[1:] + self._written])
            self._written += int(offs[-1])
            self._candidate_docs = np.concatenate([self._candidate_docs,
                                                   np.array([base + i for i in cands], dtype=np.uint32)])
            self._n_candidates += len(cands)

    def _candidate_doc(self, cand: int, doc_ids: list[str], new_candidates: list[int]) -> str:
        if cand >= self._n_candidates:
            return doc_ids[new_candidates[cand - self._n_candidates]]
        ordinal = int(self._candidate_docs[cand])
        return f"{int(self._doc_ids[ordinal]):016x}"


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


def _file_chunks(path: Path, name: str, hints: dict[str, Any], sha256: str, *, outlets: OutletRegistry,
                 language: LanguageSettings | None, chunk_docs: int, stream_bytes: int,
                 result: _FileResult, data: bytes | None = None) -> Iterator[pd.DataFrame]:
    """One file's normalised documents (no ``duplicate_of`` yet) in corpus order, in chunks; fills ``result``.

    With ``data`` (the file's bytes), the file is read whole from them.
    """
    kind = None if data is not None else _stream_kind(path, hints, stream_bytes)
    if kind is None:
        records, rejects, report = read_file(path, name=name, hints=hints, outlets=outlets, data=data)
        result.report = report
        result.rejects = rejects_table(rejects)
        docs = normalise(records, outlets=outlets, language=language)
        del records
        docs = docs.iloc[np.argsort(_first_line(docs["source_lines"]).to_numpy(), kind="stable")]
        for start in range(0, len(docs), chunk_docs):
            yield docs.iloc[start:start + chunk_docs].reset_index(drop=True)
        return
    report = FileReport(name, sha256, path.stat().st_size, f"table:{kind}",
                        encoding="binary" if kind == "parquet" else "utf-8")
    result.report = report
    ctx = FileContext(name, hints, outlets)
    seen: dict[str, int] = {}
    rejected: list[Reject] = []
    try:
        for parsed in iter_parsed_batches(path, kind, rows=chunk_docs):
            bad = [Reject(name, [n], reason, text) for n, reason, text in parsed.bad_rows]
            units = sorted([*table_units(parsed.table, ctx, numbers=parsed.numbers), *bad], key=lambda u: u.lines[0])
            part = FileReport(name, sha256, 0, report.reader)
            records, rejects, part = collect_units(units, hints, part)  # hints, date checks, length limit
            rejected += rejects
            report.n_records += part.n_records
            report.n_dates_unreadable += part.n_dates_unreadable
            report.n_dates_implausible += part.n_dates_implausible
            docs = normalise(records, outlets=outlets, language=language, seen=seen)
            if len(docs):
                yield docs
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        rejected.append(Reject(name, [], f"unreadable {kind} table: {exc}", excerpt("")))
    if not report.n_records and not rejected:
        rejected.append(Reject(name, [], f"{kind} table without data rows", ""))
    report.n_rejects = len(rejected)
    result.rejects = rejects_table(rejected)


def _write(path: Path, data: bytes) -> None:
    atomic_write_bytes(path, data)


def _store_chunk(cached: Path, tables: dict[str, bytes]) -> None:
    """Cache a chunk's tables: written in a private folder, renamed into place (a chunk folder is whole or absent).

    A chunk's key is a hash of its documents, so a folder already there (another run's) holds the same tables.
    """
    tmp = private_name(cached)
    try:
        tmp.mkdir(parents=True)
        for table, data in tables.items():
            (tmp / f"{table}.parquet").write_bytes(data)
        publish_dir(tmp, cached, whole=Path.is_dir)  # chunk folders only ever appear whole, by this rename
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _chunk_key(documents: pd.DataFrame, fkey: str, language: LanguageSettings | None) -> str:
    """What a chunk's tables depend on: its documents (all but ``duplicate_of``), the feature key, the policy."""
    h = hashlib.sha256(f"{fkey}|{policy_key(language)}".encode())
    cols = [c for c in documents.columns if c != "duplicate_of"]
    h.update(pd.util.hash_pandas_object(documents[cols], index=False).to_numpy().tobytes())
    return h.hexdigest()[:24]


def _file_key(name: str, sha256: str, hints: dict[str, Any], *, language: LanguageSettings | None,
              dedupe: DedupeSettings, chunk_docs: int, stream_bytes: int) -> str:
    """What a file's documents and signatures depend on besides the code."""
    from framing.ingest import INGEST_VERSION  # read at call time (a test raises it)

    payload = json.dumps({"v": __version__, "ingest": INGEST_VERSION, "name": name, "sha256": sha256, "hints": hints,
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

    def as_dict(self) -> dict[str, Any]:
        """The summary as a plain dict (``_meta.json``)."""
        return asdict(self)


def _clear_parts(out: Path, tables: tuple[str, ...]) -> None:
    """Remove the parts of an earlier build (nothing else), and make the folders of ``tables``."""
    for table in PART_TABLES:
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
                  stream_bytes: int = 32 << 20, features: bool = True, progress: bool = False) -> BuildSummary:
    """Every table of the study for ``corpus_dir`` as Parquet parts under ``out``, a chunk at a time.

    Args:
        corpus_dir: Folder of raw files (read as :func:`framing.ingest.read_corpus` reads it).
        out: Folder for ``<table>/part-NNNNN.parquet`` and ``_meta.json`` (old parts there are removed).
        actor_mode: "accurate" or "fast" (see :func:`framing.pipeline.build`).
        settings: Engine, workers, scheduler address and chunk size.
        cache_dir: Where parsed files and computed chunks are cached (default ``data/interim/engine``).
        use_cache: Read and write that cache.
        language: Language thresholds and the languages the English measures score.
        dedupe: Duplicate detection settings.
        outlets: Outlet alias table (default: the shipped one; a custom one turns the per-file cache off).
        engine: An engine to use instead of starting one from ``settings`` (it is left open).
        stream_bytes: Table files at least this big are read in batches; smaller files are read whole.
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
    registry = outlets or OutletRegistry.default()
    manifest = load_manifests(corpus_dir)
    fkey = feature_key(actor_mode) if features else "segment-only"
    chunk_tables = CHUNK_TABLES if features else ("sentences",)
    _clear_parts(out, PART_TABLES if features else ("documents", "sentences", "rejects", "files"))
    summary = BuildSummary(out=str(out), engine=settings.engine, chunk_docs=settings.chunk_docs)
    runner = engine or make_engine(settings)
    window = settings.in_flight or max(2, 2 * settings.workers)
    index = DedupeIndex(out / ".dedupe", dedupe)
    pending: deque[tuple[int, str, Any]] = deque()
    reports: list[FileReport] = []
    n_rejects_parts = 0
    bar = tqdm(desc="documents", unit="doc", disable=not progress, leave=False)

    def finish_one() -> None:
        k, key, fut = pending.popleft()
        part = f"part-{k:05d}.parquet"
        cached = cache / "chunks" / key
        if fut is None:
            for table in chunk_tables:
                with atomic_path(out / table / part) as tmp:
                    shutil.copyfile(cached / f"{table}.parquet", tmp)
            return
        tables: dict[str, bytes] = fut.result()
        if use_cache:
            _store_chunk(cached, tables)
        for table, data in tables.items():
            _write(out / table / part, data)

    def plan(name: str, path: Path) -> tuple[str, Path, dict[str, Any], str, Path, Any]:
        """A file's hints, hash and cache folder; files read whole and not cached start parsing on the engine."""
        hints = manifest.get(name, {})
        sha = _sha256(path)
        fdir = cache / "files" / _file_key(name, sha, hints, language=language, dedupe=dedupe,
                                           chunk_docs=settings.chunk_docs, stream_bytes=stream_bytes)
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
                else:  # a big table, streamed in the driver (or a custom outlet table)
                    result = _FileResult(FileReport(name, sha, 0, None))
                    chunks = _cached(_signed(_file_chunks(path, name, hints, sha, outlets=registry,
                                                          language=language, chunk_docs=settings.chunk_docs,
                                                          stream_bytes=stream_bytes, result=result), dedupe),
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
                key = _chunk_key(docs, fkey, language)
                if use_cache and (cache / "chunks" / key).is_dir():
                    pending.append((k, key, None))
                else:
                    pending.append((k, key, runner.submit(compute_chunk, docs, actor_mode, language, features)))
                    summary.computed_docs += len(docs)
                    summary.computed_chunks += 1
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
    chunks = list(_signed(_file_chunks(Path(name), name, hints, sha256, outlets=OutletRegistry.default(),
                                       language=language, chunk_docs=chunk_docs, stream_bytes=1 << 62,
                                       result=result, data=data), dedupe))
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


def read_tables(out: Path) -> StudyTables:
    """Every table :func:`build_chunked` wrote, as :class:`~framing.pipeline.StudyTables` (small corpora only)."""
    from framing.corpus import empty

    frames: dict[str, pd.DataFrame] = {}
    for name in StudyTables.TABLES:
        df = read_table(out, name)
        if name in ("documents", "sentences", "rejects"):
            df = validate(conform(df, name) if len(df) else empty(name), name)
        frames[name] = df
    meta = json.loads((out / "_meta.json").read_text()) if (out / "_meta.json").is_file() else {}
    return StudyTables(**frames, meta=meta)
