"""Readers that turn raw files into records or rejects, one reader per format, chosen by content.

>>> sorted(READERS)
['aggregator_feed', 'blog_post', 'forum_thread', 'plain_article', 'sott_page']
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framing.ingest.base import Record, Reject, excerpt, split_lines
from framing.ingest.registry import (
    DOCUMENT_FIELDS,
    MANIFEST_NAME,
    READERS,
    FileContext,
    ManifestError,
    choose_reader,
    load_manifest,
)
from framing.ingest.tabular import TableReader, sniff_table
from framing.outlets import OutletRegistry

__all__ = [
    "READERS",
    "FileReport",
    "IngestResult",
    "ManifestError",
    "Record",
    "Reject",
    "choose_reader",
    "decode_bytes",
    "load_manifest",
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


def read_file(path: Path, *, name: str, hints: dict[str, Any], outlets: OutletRegistry) -> tuple[
        list[Record], list[Reject], FileReport]:
    """Read one raw file with the reader its content (or its ``reader`` hint) calls for."""
    data = path.read_bytes()
    report = FileReport(name, hashlib.sha256(data).hexdigest(), len(data), None)
    kind = hints.get("table") or sniff_table(data)
    if kind and hints.get("reader") in (None, "table"):
        report.reader, report.encoding = f"table:{kind}", "binary" if kind == "parquet" else "utf-8"
        ctx = FileContext(name, hints, outlets)
        units = list(TableReader().read_rows(data, kind, ctx))
        rows = [u for u in units if isinstance(u, Record)]
        ledger = [u for u in units if isinstance(u, Reject)]
        for record in rows:
            _apply_hints(record, hints)
        report.n_records, report.n_rejects = len(rows), len(ledger)
        return rows, ledger, report
    text, encoding = decode_bytes(data)
    if text is None:
        return [], [Reject(name, [], f"unreadable: {encoding}", excerpt(repr(data[:80])))], report
    report.encoding = encoding
    if b"\x00" in data and encoding != "utf-16":
        text = text.replace("\x00", "")
    lines = split_lines(text)
    if not any(not ln.blank for ln in lines):
        return [], [Reject(name, [], "empty file", "")], report
    reader = choose_reader(text, forced=hints.get("reader"))
    report.reader = reader.name
    ctx = FileContext(name, hints, outlets)
    records: list[Record] = []
    rejects: list[Reject] = []
    for unit in reader.read(text, ctx):
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


def read_corpus(corpus_dir: Path, *, outlets: OutletRegistry | None = None) -> IngestResult:
    """Read every file in ``corpus_dir`` (recursively, in sorted order).

    Files are named relative to ``corpus_dir``. ``manifest.yaml`` there supplies per-file hints.

    Raises:
        FileNotFoundError: if ``corpus_dir`` does not exist.
        ManifestError: if the manifest is malformed.

    """
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
    outlets = outlets or OutletRegistry.default()
    manifest = load_manifest(corpus_dir)
    result = IngestResult()
    paths = sorted(p for p in corpus_dir.rglob("*") if p.is_file())
    names = set()
    for path in paths:
        name = path.relative_to(corpus_dir).as_posix()
        if name in _SKIP or any(part.startswith(".") for part in Path(name).parts):
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
