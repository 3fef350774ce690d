"""Choosing a reader by content, and the per-folder manifest of hints."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from framing.ingest.base import ReadContext, Reader, Unit
from framing.ingest.comments import CommentThreadReader
from framing.ingest.feed import FeedReader
from framing.ingest.plaintext import ArticleReader, ForumReader
from framing.ingest.sott import SottReader
from framing.ingest.substack import SubstackReader
from framing.ingest.syndication import SyndicationReader
from framing.ingest.webpage import WebPageReader
from framing.outlets import OutletRegistry

log = logging.getLogger(__name__)



class ByteReader(Protocol):
    """A reader of a structured format (feeds, web pages, JSON threads) that parses the raw bytes itself.

    Records it yields number items (feed items, comments) from 1 in ``lines``, as tables number rows.
    """

    name: str

    def sniff(self, data: bytes, *, suffix: str = "") -> float:
        """A score in [0, 1] for ``data``; the file name's ``suffix`` only breaks ties."""
        ...

    def read_bytes(self, data: bytes, ctx: ReadContext) -> Iterator[Unit]:
        """Yield one record or reject per item, or one reject for a file it cannot read."""
        ...


READERS: dict[str, Reader] = {
    r.name: r for r in (FeedReader(), SottReader(), SubstackReader(), ForumReader(), ArticleReader())
}
BYTE_READERS: dict[str, ByteReader] = {r.name: r for r in (SyndicationReader(), WebPageReader(),
                                                           CommentThreadReader())}
TABLE_READER = "table"
TABLE_KINDS = ("csv", "tsv", "jsonl", "parquet")
READER_NAMES = (*sorted(READERS), *sorted(BYTE_READERS), TABLE_READER)
MANIFEST_NAME = "manifest.yaml"
# Fields a manifest entry may fill in (when the reader found nothing) or force (under ``override:``).
# ``published_date`` may be a month (YYYY-MM, stored as the 1st with precision ``month``); ``date_precision``
# (day, month or approximate) says how exact the manifest's date is.
DOCUMENT_FIELDS = ("outlet", "via", "source_kind", "voice", "quoted_from", "title", "published_date", "lang",
                   "author", "date_precision")
MANIFEST_PRECISIONS = ("day", "month", "approximate")
_ENTRY_KEYS = {*DOCUMENT_FIELDS, "reader", "quoted_blocks", "override", "description", "notes", "columns", "table"}


class ManifestError(ValueError):
    """The corpus manifest is malformed."""


def choose_reader(text: str, *, forced: str | None = None) -> Reader:
    """The reader whose :meth:`sniff` scores ``text`` highest, or the one named by ``forced``.

    >>> choose_reader("date 2026-01-05 Some post text.").name
    'blog_post'
    >>> choose_reader("Just one paragraph of an article.").name
    'plain_article'
    """
    if forced:
        if forced not in READERS:
            raise ManifestError(f"unknown reader {forced!r}; choose one of {list(READER_NAMES)}")
        return READERS[forced]
    scored = sorted(((r.sniff(text), -i, r) for i, r in enumerate(READERS.values())), key=lambda t: t[:2])
    return scored[-1][2]


def choose_byte_reader(data: bytes, *, suffix: str = "", threshold: float = 0.5) -> ByteReader | None:
    """The structured-format reader whose :meth:`ByteReader.sniff` scores ``data`` highest, or None.

    None (no score reaches ``threshold``) sends the file on to the table and text readers.

    >>> choose_byte_reader(b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>').name
    'rss'
    >>> choose_byte_reader(b"<!DOCTYPE html><html><body><p>Hi</p></body></html>").name
    'html'
    >>> choose_byte_reader(b"title,text\\nA,B\\n") is None
    True
    """
    scored = sorted(((r.sniff(data, suffix=suffix), -i, r) for i, r in enumerate(BYTE_READERS.values())),
                    key=lambda t: t[:2])
    score, _, reader = scored[-1]
    return reader if score >= threshold else None


@dataclass
class FileContext:
    """Per-file context handed to a reader."""

    source_file: str
    hints: dict[str, Any] = field(default_factory=dict)
    outlets: OutletRegistry = field(default_factory=OutletRegistry.default)


def load_manifest(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    """Read ``manifest.yaml`` in ``corpus_dir`` (optional): file name -> hints.

    Raises:
        ManifestError: for invalid YAML (with its line) or unknown keys.

    """
    path = corpus_dir / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ManifestError(f"{path}:{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    files = data.get("files", {}) if isinstance(data, dict) else None
    if not isinstance(files, dict):
        raise ManifestError(f"{path}: expected a top-level 'files:' mapping of file name -> hints")
    for name, entry in files.items():
        if not isinstance(entry, dict):
            raise ManifestError(f"{path}: entry for {name!r} must be a mapping")
        unknown = set(entry) - _ENTRY_KEYS
        if unknown:
            raise ManifestError(f"{path}: {name!r} has unknown keys {sorted(unknown)}; allowed: {sorted(_ENTRY_KEYS)}")
        reader = entry.get("reader")
        if reader is not None and reader not in READER_NAMES:
            raise ManifestError(f"{path}: {name!r} names unknown reader {reader!r}; choose one of {list(READER_NAMES)}")
        table = entry.get("table")
        if table is not None and table not in TABLE_KINDS:
            raise ManifestError(f"{path}: {name!r} names unknown table kind {table!r}; "
                                f"choose one of {list(TABLE_KINDS)}")
        override = entry.get("override") or {}
        bad = set(override) - set(DOCUMENT_FIELDS)
        if bad:
            raise ManifestError(f"{path}: {name!r} override has unknown fields {sorted(bad)}")
        for value in (entry.get("published_date"), override.get("published_date")):
            if value is not None and manifest_date(value) is None:
                raise ManifestError(f"{path}: {name!r} published_date must be YYYY-MM-DD or YYYY-MM, got {value!r}")
        for value in (entry.get("date_precision"), override.get("date_precision")):
            if value is not None and value not in MANIFEST_PRECISIONS:
                raise ManifestError(f"{path}: {name!r} date_precision must be one of {list(MANIFEST_PRECISIONS)}, "
                                    f"got {value!r}")
    return {str(k): v for k, v in files.items()}


def manifest_date(value: object) -> tuple[str, str] | None:
    """A manifest date as ``(YYYY-MM-DD, precision)``, or None if it is neither a date nor a month.

    A full date has precision ``day``; a month ``YYYY-MM`` is stored as its 1st, with precision ``month``.

    >>> manifest_date("2025-11"), manifest_date("2019-05-03"), manifest_date("2019-13")
    (('2025-11-01', 'month'), ('2019-05-03', 'day'), None)
    """
    from datetime import date

    text = str(value).strip()
    try:
        if len(text) == 7:
            return date.fromisoformat(f"{text}-01").isoformat(), "month"
        if len(text) == 10:
            return date.fromisoformat(text).isoformat(), "day"
    except ValueError:
        return None
    return None
