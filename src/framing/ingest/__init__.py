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
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framing.ingest.base import MAX_DOCUMENT_CHARS, Record, Reject, date_precision, excerpt, fold, split_lines
from framing.ingest.dates import check_date, future_dates
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
    manifest_date,
)
from framing.ingest.reposts import mark_quoted
from framing.ingest.tabular import TableReader, sniff_table
from framing.outlets import OutletRegistry

__all__ = [
    "BYTE_READERS",
    "READERS",
    "INGEST_VERSION",
    "FileReport",
    "IngestResult",
    "ManifestError",
    "Record",
    "Reject",
    "choose_byte_reader",
    "choose_reader",
    "collect_units",
    "decode_bytes",
    "load_manifest",
    "load_manifests",
    "read_corpus",
    "read_file",
]

log = logging.getLogger(__name__)
_SKIP = {MANIFEST_NAME, "README.md", "SOURCE.txt"}
# What the readers make of a file, as a version: part of every cache key over ingested documents, raised whenever
# a change to a reader, the decoding or the date rules can change the documents or the ledger of an unchanged
# file (2: strict CSV rows, bad rows to the ledger, date bounds, BOM-less UTF-16, the length limit; 3: bylines as
# ``author``, date precision and inherited dates, headline-only stubs, reposts quoted with their source).
INGEST_VERSION = 3


@dataclass
class FileReport:
    """What happened to one raw file.

    ``n_dates_unreadable`` and ``n_dates_implausible`` count the documents whose date was blanked (see
    :func:`framing.ingest.dates.check_date`); the documents themselves are kept.
    """

    source_file: str
    sha256: str
    n_bytes: int
    reader: str | None
    n_records: int = 0
    n_rejects: int = 0
    encoding: str | None = None
    n_dates_unreadable: int = 0
    n_dates_implausible: int = 0


@dataclass
class IngestResult:
    """Records and rejects of a whole corpus folder, with one report per file."""

    records: list[Record] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)


# Never in text (tab, line ends and form feed are; so is ESC, which starts the ANSI colour codes of copied logs).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


def decode_bytes(data: bytes) -> tuple[str | None, str | None]:
    """Decode raw bytes: UTF-8 (with or without BOM), UTF-16 (with BOM, or without: LE or BE), else Windows-1252.

    Returns ``(text, encoding)``, or ``(None, reason)`` for binary data: NUL bytes (beyond a stray one per
    100 bytes, which the caller strips) that are not UTF-16, or other control characters in more than 1% of
    the decoded text (random bytes). UTF-16 without a BOM is recognised by its NUL bytes falling on the odd
    (little-endian) or even (big-endian) positions, and by decoding to printable text.

    >>> decode_bytes("Guaidó".encode("utf-8"))
    ('Guaidó', 'utf-8')
    >>> decode_bytes("Guaidó".encode("cp1252"))
    ('Guaidó', 'cp1252')
    >>> decode_bytes("Guaidó".encode("utf-16"))
    ('Guaidó', 'utf-16')
    >>> decode_bytes("Maduro spoke.\\n".encode("utf-16-le")), decode_bytes("Maduro spoke.".encode("utf-16-be"))
    (('Maduro spoke.\\n', 'utf-16-le'), ('Maduro spoke.', 'utf-16-be'))
    >>> decode_bytes(b"\\x00\\x01\\x00binary\\x00")
    (None, 'binary file (NUL bytes)')
    >>> decode_bytes(bytes(range(1, 32)) * 4)
    (None, 'binary file (control characters)')
    >>> decode_bytes("Caf\ufffd ".encode() * 30)[1], decode_bytes(b"\x1b[31mred\x1b[0m and \x1b[1mbold\x1b[0m")[1]
    ('utf-8', 'utf-8')
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            return None, "invalid UTF-16"
    if data.count(b"\x00") > max(1, len(data) // 100):  # text has none; stray ones are stripped later
        found = _utf16_without_bom(data)
        return found if found else (None, "binary file (NUL bytes)")
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
        undefined = 0  # a U+FFFD in valid UTF-8 is the scraper's, part of the text
    except UnicodeDecodeError:
        text, encoding = data.decode("cp1252", errors="replace"), "cp1252"
        undefined = text.count("\ufffd")  # bytes Windows-1252 leaves undefined: a sign of binary data
    controls = len(_CONTROL.findall(text.replace("\x00", ""))) + undefined
    if controls > max(1, len(text) // 100):
        return None, "binary file (control characters)"
    return text, encoding


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text without a BOM: ``(text, "utf-16-le" or "utf-16-be")``, or None.

    Latin-script UTF-16 has a zero high byte in most code units and a zero low byte in none (that would be a NUL
    character); the decoded text must hold no control characters.
    """
    if len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    for encoding, high, low in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if 2 * high.count(0) < len(high) or 0 in low:
            continue
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _CONTROL.search(text):
            return text, encoding
    return None


def read_file(path: Path, *, name: str, hints: dict[str, Any], outlets: OutletRegistry,
              data: bytes | None = None) -> tuple[list[Record], list[Reject], FileReport]:
    """Read one raw file with the reader its content (or its ``reader`` hint) calls for.

    ``data``, when given, is the file's content (read elsewhere: the chunked engine ships it to a worker).

    Every file gives at least one unit. A file that cannot be read (binary, empty, not the table its ``reader:
    table`` hint says) gives one reject for the whole file; a document longer than :data:`MAX_DOCUMENT_CHARS`
    goes to the ledger; a date that cannot be read or is implausible is blanked, counted in the report and logged
    (the document is kept).

    Raises:
        ManifestError: if ``hints`` name an unknown reader.

    """
    data = path.read_bytes() if data is None else data
    report = FileReport(name, hashlib.sha256(data).hexdigest(), len(data), None)
    head = excerpt(data[:200].decode("utf-8", errors="replace"))
    forced = hints.get("reader")
    ctx = FileContext(name, hints, outlets)
    structured = BYTE_READERS.get(forced) if forced else (
        None if hints.get("table") else choose_byte_reader(data, suffix=path.suffix))
    if structured is not None:
        decoded, encoding = decode_bytes(data)
        report.reader, report.encoding = structured.name, encoding if decoded is not None else None
        return collect_units(structured.read_bytes(data, ctx), hints, report, head=head)
    kind = hints.get("table") or sniff_table(data)
    if kind and forced in (None, TABLE_READER):
        report.reader, report.encoding = f"table:{kind}", "binary" if kind == "parquet" else "utf-8"
        return collect_units(TableReader().read_rows(data, kind, ctx), hints, report, head=head)
    if forced == TABLE_READER:
        report.reader = TABLE_READER
        return [], [Reject(name, [], "not a table (reader: table): no CSV/TSV header with a known column, no "
                           "JSON Lines object, no Parquet magic; name the kind with table: csv, tsv, jsonl or "
                           "parquet", head)], _counted(report, 0, 1)
    text, encoding = decode_bytes(data)
    if text is None:
        return [], [Reject(name, [], f"unreadable: {encoding}", excerpt(repr(data[:80])))], _counted(report, 0, 1)
    report.encoding = encoding
    if b"\x00" in data and not (encoding or "").startswith("utf-16"):
        text = text.replace("\x00", "")
    lines = split_lines(text)
    if not any(not ln.blank for ln in lines):
        return [], [Reject(name, [], "empty file", "")], _counted(report, 0, 1)
    reader = choose_reader(text, forced=forced)
    report.reader = reader.name
    return collect_units(reader.read(text, ctx), hints, report, head=head)


def _counted(report: FileReport, n_records: int, n_rejects: int) -> FileReport:
    report.n_records, report.n_rejects = n_records, n_rejects
    return report


def collect_units(units: Iterable[Record | Reject], hints: dict[str, Any], report: FileReport, *, head: str = ""
                  ) -> tuple[list[Record], list[Reject], FileReport]:
    """Sort a reader's units into records and rejects, as every reader's output is finished.

    Documents over ``MAX_DOCUMENT_CHARS`` become rejects; the manifest ``hints`` are applied; unreadable or
    implausible dates are blanked and counted in ``report`` (with a warning); a file that gave no unit at all gets
    a ``nothing read`` reject (``head``: its first characters, for the excerpt). ``report``'s counts are set.
    """
    records: list[Record] = []
    rejects: list[Reject] = []
    for unit in units:
        if isinstance(unit, Reject):
            rejects.append(unit)
        elif len(unit.text) > MAX_DOCUMENT_CHARS:
            rejects.append(Reject(unit.source_file, unit.lines, f"document too long ({len(unit.text):,} characters; "
                                  f"the limit is {MAX_DOCUMENT_CHARS:,}): split the file into documents",
                                  excerpt(unit.text[:400])))
        else:
            records.append(unit)
    if not records and not rejects:
        rejects.append(Reject(report.source_file, [], f"nothing read: the {report.reader} reader found no unit",
                              head))
    problems = []
    for record in records:
        _check_date(record)  # the reader's date
        _apply_quoted_blocks(record, hints)
        _apply_hints(record, hints)  # a manifest may fill a blanked date, or override a good one
        if problem := _check_date(record):  # what the document ends up with
            problems.append(problem)
        record.date_precision = date_precision(record.published_date, record.date_precision)
    report.n_dates_unreadable = sum(p.startswith("unreadable") for p in problems)
    report.n_dates_implausible = len(problems) - report.n_dates_unreadable
    if problems:
        log.warning("%s: %d dates blanked (documents kept): %s", report.source_file, len(problems),
                    "; ".join(problems[:3]) + ("; …" if len(problems) > 3 else ""))
    if ahead := future_dates([r.published_date for r in records]):
        log.warning("%s: %d dates after today, kept (a day/month swap?): %s", report.source_file, len(ahead),
                    ", ".join(ahead[:3]) + (", …" if len(ahead) > 3 else ""))
    return records, rejects, _counted(report, len(records), len(rejects))


def _check_date(record: Record) -> str | None:
    """Blank the record's date if it is unreadable or implausible; the reason, also kept in ``extra``."""
    noted = record.extra.pop("date_problem", None)  # a reader (tables) or an earlier call blanked it already
    record.published_date, problem = check_date(record.published_date)
    problem = problem or (noted if record.published_date is None else None)  # a date filled in since: no problem
    if problem:
        record.extra["date_problem"] = problem
    return problem


def _apply_hints(record: Record, hints: dict[str, Any]) -> None:
    """Fill what the reader left empty from the manifest entry ``hints``, then force its ``override:`` fields.

    A manifest date applies its precision with it: ``date_precision`` from the same level, else ``month`` for a
    ``YYYY-MM`` date (stored as the 1st) and ``day`` for a full one; a document that keeps its own date keeps its
    precision. A ``quoted_from`` the manifest fills makes the document a repost (voice and kind ``quoted``).
    """
    dated = record.published_date not in (None, "")
    quoted = record.quoted_from not in (None, "")
    for key in DOCUMENT_FIELDS:
        if key == "date_precision" or key not in hints or getattr(record, key, None) not in (None, ""):
            continue
        if key == "published_date":
            _set_date(record, hints["published_date"], hints.get("date_precision"))
        else:
            setattr(record, key, str(hints[key]))
    if not quoted and record.quoted_from not in (None, ""):
        record.voice = str(hints.get("voice") or "quoted")
        record.source_kind = str(hints.get("source_kind") or "quoted")
    override = hints.get("override") or {}
    for key, value in override.items():
        if key == "published_date" and value is not None:
            _set_date(record, value, override.get("date_precision", hints.get("date_precision")))
        elif key != "date_precision":
            setattr(record, key, None if value is None else str(value))
    if override.get("date_precision") is not None and (dated or record.published_date):
        record.date_precision = str(override["date_precision"])


def _set_date(record: Record, value: Any, precision: Any) -> None:
    """A manifest date onto ``record``: a month is stored as its 1st; any other value is checked later as usual."""
    parsed = manifest_date(value)
    record.published_date = parsed[0] if parsed else str(value)
    record.date_precision = str(precision) if precision else (parsed[1] if parsed else "day")


def _apply_quoted_blocks(record: Record, hints: dict[str, Any]) -> None:
    """A manifest ``quoted_blocks`` entry whose ``starts_with`` opens the record's text or title makes it a repost.

    The blog reader applies them paragraph by paragraph; here they mark whole documents of any reader (a SOTT
    item by its title).
    """
    for hint in hints.get("quoted_blocks") or []:
        start = fold(str(hint.get("starts_with", "")))
        if start and (fold(record.text).startswith(start) or fold(record.title or "").startswith(start)):
            mark_quoted(record, hint.get("quoted_from"))
            return


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
