"""Readers that turn raw files into records or rejects, one reader per format, chosen by content.

Structured formats are recognised from the raw bytes first (RSS/Atom feeds, saved HTML pages, JSON comment
threads), then tables (CSV, TSV, JSON Lines, Parquet); every other file is decoded and goes to the text reader
whose :meth:`~framing.ingest.base.Reader.sniff` scores it highest. A manifest ``reader:`` forces one.

>>> sorted(READERS)
['aggregator_feed', 'blog_post', 'forum_thread', 'plain_article', 'sott_page']
>>> sorted(BYTE_READERS)
['comments', 'html', 'rss']
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framing.ingest.base import Record, Reject, excerpt, split_lines
from framing.ingest.registry import (
    BYTE_READERS,
    DOCUMENT_FIELDS,
    MANIFEST_NAME,
    READERS,
    TABLE_READER,
    FileContext,
    ManifestError,
    choose_byte_reader,
    choose_reader,
    load_manifest,
)
from framing.ingest.tabular import TableReader, sniff_table
from framing.outlets import OutletRegistry

__all__ = [
    "BYTE_READERS",
    "READERS",
    "FileReport",
    "IngestResult",
    "ManifestError",
    "Record",
    "Reject",
    "choose_byte_reader",
    "choose_reader",
    "decode_bytes",
    "load_manifest",
    "load_manifests",
    "read_corpus",
    "read_file",
]

log = logging.getLogger(__name__)
_SKIP = {MANIFEST_NAME, "README.md", "SOURCE.txt"}


@dataclass
class FileReport:
    """What happened to one raw file."""

    source_file: str
    sha256: str
    n_bytes: int
    reader: str | None
    n_records: int = 0
    n_rejects: int = 0
    encoding: str | None = None


@dataclass
class IngestResult:
    """Records and rejects of a whole corpus folder, with one report per file."""

    records: list[Record] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)


def decode_bytes(data: bytes) -> tuple[str | None, str | None]:
    """Decode raw bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

    Returns ``(text, encoding)``, or ``(None, reason)`` for binary data.

    >>> decode_bytes("Guaidó".encode("utf-8"))
    ('Guaidó', 'utf-8')
    >>> decode_bytes("Guaidó".encode("cp1252"))
    ('Guaidó', 'cp1252')
    >>> decode_bytes(b"\\x00\\x01\\x00binary\\x00")
    (None, 'binary file (NUL bytes)')
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            return None, "invalid UTF-16"
    if data.count(b"\x00") > max(1, len(data) // 100):  # text has none; stray ones are stripped later
        return None, "binary file (NUL bytes)"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    return data.decode("cp1252", errors="replace"), "cp1252"


def read_file(path: Path, *, name: str, hints: dict[str, Any], outlets: OutletRegistry,
              data: bytes | None = None) -> tuple[list[Record], list[Reject], FileReport]:
    """Read one raw file with the reader its content (or its ``reader`` hint) calls for.

    ``data``, when given, is the file's content (read elsewhere: the chunked engine ships it to a worker).
    """
    data = path.read_bytes() if data is None else data
    report = FileReport(name, hashlib.sha256(data).hexdigest(), len(data), None)
    forced = hints.get("reader")
    ctx = FileContext(name, hints, outlets)
    structured = BYTE_READERS.get(forced) if forced else (
        None if hints.get("table") else choose_byte_reader(data, suffix=path.suffix))
    if structured is not None:
        report.reader, report.encoding = structured.name, decode_bytes(data)[1]
        return _collect(structured.read_bytes(data, ctx), hints, report)
    kind = hints.get("table") or sniff_table(data)
    if kind and forced in (None, TABLE_READER):
        report.reader, report.encoding = f"table:{kind}", "binary" if kind == "parquet" else "utf-8"
        return _collect(TableReader().read_rows(data, kind, ctx), hints, report)
    text, encoding = decode_bytes(data)
    if text is None:
        return [], [Reject(name, [], f"unreadable: {encoding}", excerpt(repr(data[:80])))], report
    report.encoding = encoding
    if b"\x00" in data and encoding != "utf-16":
        text = text.replace("\x00", "")
    lines = split_lines(text)
    if not any(not ln.blank for ln in lines):
        return [], [Reject(name, [], "empty file", "")], report
    reader = choose_reader(text, forced=forced)
    report.reader = reader.name
    return _collect(reader.read(text, ctx), hints, report)


def _collect(units: Iterable[Record | Reject], hints: dict[str, Any], report: FileReport) -> tuple[
        list[Record], list[Reject], FileReport]:
    records: list[Record] = []
    rejects: list[Reject] = []
    for unit in units:
        if isinstance(unit, Record):
            records.append(unit)
        else:
            rejects.append(unit)
    for record in records:
        _apply_hints(record, hints)
    report.n_records, report.n_rejects = len(records), len(rejects)
    return records, rejects, report


def _apply_hints(record: Record, hints: dict[str, Any]) -> None:
    for key in DOCUMENT_FIELDS:
        if key in hints and getattr(record, key, None) in (None, ""):
            setattr(record, key, str(hints[key]))
    for key, value in (hints.get("override") or {}).items():
        setattr(record, key, None if value is None else str(value))


def load_manifests(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    """Every ``manifest.yaml`` under ``corpus_dir``, merged: corpus-relative file name -> hints.

    Raises:
        ManifestError: if a manifest is malformed.

    """
    merged: dict[str, dict[str, Any]] = {}
    folders = sorted({p.parent for p in corpus_dir.rglob(MANIFEST_NAME) if p.is_file()},
                     key=lambda f: (len(f.relative_to(corpus_dir).parts), f.as_posix()))
    for folder in folders:
        rel = folder.relative_to(corpus_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        for name, hints in load_manifest(folder).items():
            key = (rel / name).as_posix()
            merged[key] = {**merged.get(key, {}), **hints}
    return merged


def read_corpus(corpus_dir: Path, *, outlets: OutletRegistry | None = None) -> IngestResult:
    """Read every file in ``corpus_dir`` (recursively, in sorted order).

    Files are named relative to ``corpus_dir``. ``manifest.yaml`` there supplies per-file hints, keyed by that
    name (``interviews/a.txt``); a ``manifest.yaml`` in a subfolder keys its files relative to itself, and its
    entries win over the top-level ones for the same file. Manifests, ``README.md`` and ``SOURCE.txt`` files
    and hidden files are not read as corpus files.

    Raises:
        FileNotFoundError: if ``corpus_dir`` does not exist.
        ManifestError: if the manifest is malformed.

    """
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
    outlets = outlets or OutletRegistry.default()
    manifest = load_manifests(corpus_dir)
    result = IngestResult()
    paths = sorted(p for p in corpus_dir.rglob("*") if p.is_file())
    names = set()
    for path in paths:
        name = path.relative_to(corpus_dir).as_posix()
        if path.name in _SKIP or any(part.startswith(".") for part in Path(name).parts):
            continue
        names.add(name)
        records, rejects, report = read_file(path, name=name, hints=manifest.get(name, {}), outlets=outlets)
        log.info("%s: %s -> %d records, %d rejects", name, report.reader, len(records), len(rejects))
        result.records.extend(records)
        result.rejects.extend(rejects)
        result.files.append(report)
    for missing in sorted(set(manifest) - names):
        log.warning("manifest names %s, which is not in %s", missing, corpus_dir)
    return result
