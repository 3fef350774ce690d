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
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from framing import __version__
from framing.config import INTERIM_DIR, DedupeSettings, TopicSettings, resolve
from framing.corpus import conform, empty, validate
from framing.dedupe import find_duplicates
from framing.features.actors import score_mentions
from framing.features.frames import score_documents as score_generic_frames
from framing.features.issue_frames import detect as detect_issue_frames
from framing.features.issue_frames import document_shares as issue_document_shares
from framing.features.labels import find_labels
from framing.features.lexcats import category_rates
from framing.features.roles import predict_roles
from framing.features.sentiment import aggregate_documents, score_sentences
from framing.features.topics import TopicLexicon, tag_topics
from framing.ingest import FileReport, Record, Reject, read_corpus
from framing.ingest.base import format_ranges
from framing.lexicons import file_hash, lexicon_path
from framing.outlets import OutletRegistry
from framing.text import count_words, guess_language, normalise_text, split_sentences

log = logging.getLogger(__name__)
LEXICON_FILES = ("outlets", "topics", "actors", "labels", "generic_frames", "frames_venezuela", "empath_categories.tsv",
                 "grievance_dictionary_7plus.csv")


@dataclass
class StudyTables:
    """Every table of one run, keyed as in DESIGN.md."""

    documents: pd.DataFrame
    sentences: pd.DataFrame
    rejects: pd.DataFrame
    files: pd.DataFrame
    doc_topics: pd.DataFrame
    sentence_sentiment: pd.DataFrame
    doc_sentiment: pd.DataFrame
    actor_mentions: pd.DataFrame
    actor_labels: pd.DataFrame
    actor_roles: pd.DataFrame
    doc_frames: pd.DataFrame
    sentence_frames: pd.DataFrame
    issue_frame_sentences: pd.DataFrame
    issue_frame_docs: pd.DataFrame
    doc_lexcats: pd.DataFrame
    meta: dict[str, object] = field(default_factory=dict)

    TABLES = ("documents", "sentences", "rejects", "files", "doc_topics", "sentence_sentiment", "doc_sentiment",
              "actor_mentions", "actor_labels", "actor_roles", "doc_frames", "sentence_frames",
              "issue_frame_sentences", "issue_frame_docs", "doc_lexcats")

    def save(self, folder: Path) -> dict[str, Path]:
        """Write every table as CSV (deterministic: fixed column order, sorted rows, ``\\n`` line ends)."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name in self.TABLES:
            path = folder / f"{name}.csv"
            tmp = path.with_name(path.name + ".part")
            getattr(self, name).to_csv(tmp, index=False, lineterminator="\n", float_format="%.6g")
            tmp.replace(path)
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
        for name in cls.TABLES[3:]:
            df = frames[name]
            for col in df.columns:
                if df[col].dtype == object or str(df[col].dtype) == "str":
                    df[col] = df[col].astype("string")
        return cls(**frames)  # type: ignore[arg-type]


# ---------------------------------------------------------------- stages

def normalise(records: Iterable[Record], *, outlets: OutletRegistry | None = None) -> pd.DataFrame:
    """Records → documents: repair and tidy text, map outlets to slugs, fill kinds, count words, hash ids."""
    outlets = outlets or OutletRegistry.default()
    rows = []
    seen: dict[str, int] = {}
    for rec in records:
        text = normalise_text(rec.text)
        outlet = outlets.lookup(rec.outlet)
        quoted = outlets.lookup(rec.quoted_from).slug if rec.quoted_from else None
        kind = rec.source_kind or ("quoted" if rec.voice == "quoted" else outlet.kind)
        base = f"{outlet.slug}\x1f{rec.source_file}\x1f{text}"
        seen[base] = seen.get(base, 0) + 1
        key = base if seen[base] == 1 else f"{base}\x1f{seen[base]}"  # identical copies in one file
        rows.append({
            "doc_id": hashlib.sha1(key.encode("utf-8")).hexdigest()[:16],
            "outlet": outlet.slug,
            "outlet_name": outlet.name,
            "via": rec.via,
            "source_kind": kind,
            "voice": rec.voice,
            "quoted_from": quoted,
            "title": normalise_text(rec.title) if rec.title else None,
            "published_date": rec.published_date,
            "text": text,
            "n_words": count_words(text),
            "lang": guess_language(text),
            "source_file": rec.source_file,
            "source_lines": format_ranges(rec.lines),
            "duplicate_of": None,
        })
    if not rows:
        return empty("documents")
    return conform(pd.DataFrame(rows), "documents")


def dedupe(documents: pd.DataFrame, *, settings: DedupeSettings = DedupeSettings()) -> pd.DataFrame:
    """Fill ``duplicate_of`` with the first copy's doc_id (corpus order: file, then first line)."""
    if documents.empty:
        return documents
    order = documents.assign(_first=documents["source_lines"].str.extract(r"^(\d+)", expand=False).astype(float))
    order = order.sort_values(["source_file", "_first"], kind="stable").drop(columns="_first")
    dup = find_duplicates(order.set_index("doc_id")["text"], settings=settings)
    out = order.copy()
    out["duplicate_of"] = dup.reindex(out["doc_id"]).to_numpy()
    return conform(out, "documents")


def segment(documents: pd.DataFrame) -> pd.DataFrame:
    """Documents → sentences, with character offsets into the document text."""
    rows = []
    for doc_id, text, voice in documents[["doc_id", "text", "voice"]].itertuples(index=False):
        for i, (start, end, sent) in enumerate(split_sentences(text)):
            rows.append((doc_id, i, start, end, sent, voice))
    if not rows:
        return empty("sentences")
    df = pd.DataFrame(rows, columns=["doc_id", "sent_idx", "char_start", "char_end", "text", "voice"])
    return conform(df, "sentences")


def rejects_table(rejects: Iterable[Reject]) -> pd.DataFrame:
    """The rejects ledger, with repaired excerpts."""
    rows = [{"source_file": r.source_file, "source_lines": format_ranges(r.lines), "reason": r.reason,
             "excerpt": normalise_text(r.excerpt)} for r in rejects]
    return conform(pd.DataFrame(rows), "rejects") if rows else empty("rejects")


def files_table(reports: Iterable[FileReport]) -> pd.DataFrame:
    """One row per raw file: hash, size, reader, records and rejects."""
    rows = [asdict(r) for r in reports]
    cols = ["source_file", "sha256", "n_bytes", "reader", "encoding", "n_records", "n_rejects"]
    return pd.DataFrame(rows, columns=cols)


# ---------------------------------------------------------------- per-document features, incrementally

# Feature tables and the columns that order their rows (every one is keyed by doc_id).
FEATURE_TABLES: dict[str, list[str]] = {
    "doc_topics": ["doc_id", "topic"],
    "sentence_sentiment": ["doc_id", "sent_idx"],
    "doc_sentiment": ["doc_id"],
    "actor_mentions": ["doc_id", "sent_idx", "char_start"],
    "actor_labels": ["doc_id", "sent_idx", "char_start", "label"],
    "actor_roles": ["doc_id", "actor"],
    "doc_frames": ["doc_id", "frame"],
    "sentence_frames": ["doc_id", "sent_idx", "frame"],
    "issue_frame_sentences": ["doc_id", "sent_idx", "frame"],
    "issue_frame_docs": ["doc_id", "frame"],
    "doc_lexcats": ["doc_id", "lexicon", "category"],
}


def document_features(documents: pd.DataFrame, sentences: pd.DataFrame, *, actor_mode: str = "accurate"
                      ) -> dict[str, pd.DataFrame]:
    """Every per-document feature table for these documents (each document's rows depend on it alone)."""
    sentence_sentiment = score_sentences(sentences)
    actor_mentions = score_mentions(sentences, mode=actor_mode)
    if actor_mode == "accurate":
        actor_roles = predict_roles(actor_mentions, sentences)
    else:
        actor_roles = pd.DataFrame(columns=["doc_id", "actor", "p_hero", "p_villain", "p_victim", "role"])
    doc_frames, sentence_frames = score_generic_frames(documents, sentences)
    issue_frame_sentences = detect_issue_frames(sentences)
    return {
        "doc_topics": tag_topics(documents, lexicon=TopicLexicon.load(), settings=TopicSettings()),
        "sentence_sentiment": sentence_sentiment,
        "doc_sentiment": aggregate_documents(sentence_sentiment),
        "actor_mentions": actor_mentions,
        "actor_labels": find_labels(actor_mentions, sentences),
        "actor_roles": actor_roles,
        "doc_frames": doc_frames,
        "sentence_frames": sentence_frames,
        "issue_frame_sentences": issue_frame_sentences,
        "issue_frame_docs": issue_document_shares(issue_frame_sentences, sentences, documents),
        "doc_lexcats": category_rates(documents),
    }


def feature_key(actor_mode: str) -> str:
    """What per-document features depend on besides the document: code version, lexicons, models, mode."""
    h = hashlib.sha256(f"{__version__}|actor_mode={actor_mode}".encode())
    for name in LEXICON_FILES:
        h.update(file_hash(lexicon_path(name)).encode())
    return h.hexdigest()[:16]


class FeatureStore:
    """Per-document feature rows on disk (Parquet), with the set of documents already computed.

    Documents are identified by ``doc_id``, a hash of outlet, source file and text, so a changed document is a
    new document. Writes go to a temporary file and are renamed into place.
    """

    def __init__(self, folder: Path):
        self.folder = folder

    def done(self) -> set[str]:
        """doc_ids whose features are stored."""
        path = self.folder / "_documents.parquet"
        return set(pd.read_parquet(path)["doc_id"]) if path.is_file() else set()

    def load(self, name: str, doc_ids: set[str]) -> pd.DataFrame | None:
        """Stored rows of table ``name`` for ``doc_ids``."""
        path = self.folder / f"{name}.parquet"
        if not path.is_file():
            return None
        df = pd.read_parquet(path)
        return df[df["doc_id"].isin(doc_ids)]

    def add(self, tables: dict[str, pd.DataFrame], doc_ids: set[str]) -> None:
        """Append rows of new documents, then record the documents as done (last, so a crash loses nothing)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for name, df in tables.items():
            path = self.folder / f"{name}.parquet"
            old = pd.read_parquet(path) if path.is_file() else None
            merged = df if old is None or old.empty else pd.concat([old, df], ignore_index=True)
            _write_parquet(merged, path)
        ids = pd.DataFrame({"doc_id": sorted(self.done() | doc_ids)})
        _write_parquet(ids, self.folder / "_documents.parquet")


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(path.name + ".part")
    df.to_parquet(tmp, index=False)
    tmp.replace(path)


def cached_features(documents: pd.DataFrame, sentences: pd.DataFrame, *, actor_mode: str,
                    store: FeatureStore | None) -> tuple[dict[str, pd.DataFrame], int]:
    """Per-document features, computing only documents the store does not hold; returns them and that count."""
    ids = set(documents["doc_id"])
    new = ids - store.done() if store is not None else ids
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in FEATURE_TABLES}
    if new:
        fresh = document_features(documents[documents["doc_id"].isin(new)],
                                  sentences[sentences["doc_id"].isin(new)], actor_mode=actor_mode)
        if store is not None:
            store.add(fresh, new)
        for name, df in fresh.items():
            parts[name].append(df)
    if store is not None and ids - new:
        for name in FEATURE_TABLES:
            old = store.load(name, ids - new)
            if old is not None:
                parts[name].append(old)
    out = {}
    for name, keys in FEATURE_TABLES.items():
        frames = [p for p in parts[name] if len(p)]
        df = pd.concat(frames, ignore_index=True) if frames else (parts[name][0] if parts[name] else pd.DataFrame())
        if len(df):
            df = df.sort_values(keys, kind="stable").reset_index(drop=True)
        out[name] = df
    return out, len(new)


def build(corpus_dir: Path, *, outlets: OutletRegistry | None = None, actor_mode: str = "accurate",
          progress: bool = True, use_store: bool = False, feature_dir: Path | None = None) -> StudyTables:
    """Run every stage on a corpus folder.

    Ingest, normalising, deduplication and segmentation always run (they are cheap and corpus-wide). The
    per-document features are read from the feature store for documents it already holds (``use_store``), so a
    corpus that grew only costs the new documents; ``meta["computed_docs"]`` says how many were computed.

    Args:
        corpus_dir: Folder of raw files.
        outlets: Outlet alias table (default: the shipped one).
        actor_mode: Model for sentiment toward actors: "accurate" (MiniLM) or "fast" (scikit-learn only).
        progress: Show a progress bar.
        use_store: Read and extend the per-document feature store.
        feature_dir: Where the store lives (default ``data/interim/features``).
    """
    steps = tqdm(total=9, desc="framing", disable=not progress, leave=False)
    steps.set_postfix_str("ingest")
    ingested = read_corpus(corpus_dir, outlets=outlets)
    steps.update()
    steps.set_postfix_str("normalise")
    documents = dedupe(normalise(ingested.records, outlets=outlets))
    documents = documents.sort_values("doc_id", kind="stable").reset_index(drop=True)
    steps.update()
    steps.set_postfix_str("segment")
    sentences = segment(documents)
    steps.update()
    steps.set_postfix_str("features")
    store = FeatureStore((feature_dir or INTERIM_DIR / "features") / feature_key(actor_mode)) if use_store else None
    features, computed = cached_features(documents, sentences, actor_mode=actor_mode, store=store)
    steps.update(6)
    steps.close()
    rejects = rejects_table(ingested.rejects).sort_values(
        ["source_file", "source_lines"], kind="stable").reset_index(drop=True)
    return StudyTables(
        documents=validate(documents, "documents"),
        sentences=validate(sentences, "sentences"),
        rejects=validate(rejects, "rejects"),
        files=files_table(ingested.files),
        **features,
        meta={"computed_docs": computed, "n_docs": int(len(documents))},
    )


# ---------------------------------------------------------------- cached runner

def cache_key(corpus_dir: Path, *, actor_mode: str = "accurate") -> str:
    """Hash of the corpus files, the package version, the lexicons and the parameters the tables depend on."""
    h = hashlib.sha256()
    h.update(__version__.encode())
    h.update(f"actor_mode={actor_mode}".encode())
    for name in LEXICON_FILES:
        h.update(file_hash(lexicon_path(name)).encode())
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file()):
        h.update(path.relative_to(corpus_dir).as_posix().encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:20]


def run(corpus_dir: str | Path = "data/raw", *, actor_mode: str = "accurate", use_cache: bool = True,
        cache_dir: Path | None = None, progress: bool = True) -> StudyTables:
    """The study's tables for a corpus folder, from cache when nothing they depend on changed.

    Args:
        corpus_dir: Folder of raw files, relative to the project root unless absolute.
        actor_mode: Model for sentiment toward actors: "accurate" or "fast".
        use_cache: Read and write ``data/interim/corpus-<key>/``.
        cache_dir: Where to cache (default ``data/interim``).
        progress: Show a progress bar.

    """
    folder = resolve(corpus_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {folder} (give a folder of raw files)")
    if actor_mode not in ("accurate", "fast"):
        raise ValueError(f"unknown actor_mode {actor_mode!r}; choose 'accurate' or 'fast'")
    key = cache_key(folder, actor_mode=actor_mode)
    cached = (cache_dir or INTERIM_DIR) / f"corpus-{key}"
    if use_cache and (cached / "COMPLETE").is_file():
        log.info("reading cached tables from %s", cached)
        tables = StudyTables.load(cached)
        tables.meta["computed_docs"] = 0
    else:
        tables = build(folder, actor_mode=actor_mode, progress=progress, use_store=use_cache,
                       feature_dir=(cache_dir / "features") if cache_dir else None)
        if use_cache:
            tmp = cached.with_name(cached.name + ".part")
            tables.save(tmp)
            (tmp / "COMPLETE").write_text(json.dumps({"key": key, "version": __version__}) + "\n")
            if cached.exists():
                import shutil

                shutil.rmtree(cached)
            tmp.replace(cached)
            computed = tables.meta.get("computed_docs")
            tables = StudyTables.load(cached)  # one code path: what is returned is what was written
            tables.meta["computed_docs"] = computed
    tables.meta.update({"corpus_dir": str(folder), "cache_key": key, "actor_mode": actor_mode})
    return tables


def select(tables: StudyTables, *, outlets: list[str] | None = None, topic: str = "all",
           include_duplicates: bool = False) -> pd.DataFrame:
    """Documents joined with their sentiment, restricted to outlets and a topic, duplicates dropped.

    Args:
        tables: The study's tables.
        outlets: Outlet slugs to keep (None: all).
        topic: A topic slug from ``topics.yaml``, or ``"all"``.
        include_duplicates: Keep documents flagged ``duplicate_of``.

    """
    docs = tables.documents
    if not include_duplicates:
        docs = docs[docs["duplicate_of"].isna()]
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
