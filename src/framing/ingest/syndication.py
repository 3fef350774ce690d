"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds saved to disk, one document per item, parsed by feedparser.

The text is the item's full content (``content:encoded``, Atom ``content``) when it has one, else its summary
(``description``); HTML in it becomes plain text with paragraph breaks kept. The outlet is the first of the
item's ``<source>``, the feed title, the item link's domain and the feed link's domain that the outlet alias
table knows, else the first one given. Items are numbered from 1 in ``source_lines``. ``author`` is the item's
``<author>`` (its name, without the e-mail address) or ``dc:creator``. An item without a date takes the feed's
(``<lastBuildDate>``/``<pubDate>`` of the channel, Atom ``<updated>``) with precision ``approximate``; a source line
in the text ("Source: Reuters", "Originally published by …") makes the item a repost (:mod:`framing.ingest.reposts`).

feedparser only ever gets the bytes (wrapped in a stream): given a string or bytes it would take them for a URL
or a file name and fetch or open it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

from framing.ingest.base import ReadContext, Record, Reject, Unit, excerpt
from framing.ingest.dates import parse_date
from framing.ingest.markup import html_to_text
from framing.ingest.reposts import credit_text

_ROOTS = (b"<rss", b"<feed", b"<rdf:rdf")
_HTML_ROOTS = (b"<html", b"<!doctype html")
_SUFFIXES = (".rss", ".atom", ".xml")
_CLOSED_ITEM = re.compile(rb"</(?:[\w-]+:)?(?:item|entry)\s*>", re.IGNORECASE)


def _head(data: bytes) -> bytes:
    return data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()


def sniff_feed(data: bytes, *, suffix: str = "") -> float:
    """How sure it is that ``data`` is a feed: its root element comes before any ``<html``.

    >>> sniff_feed(b'<?xml version="1.0"?>\\n<rss version="2.0"><channel>')
    1.0
    >>> sniff_feed(b"<!DOCTYPE html><html>"), sniff_feed(b"<unknown/>", suffix=".xml")
    (0.0, 0.5)
    """
    head = _head(data)
    if not head.startswith(b"<"):
        return 0.0
    feed = min((i for i in (head.find(r) for r in _ROOTS) if i >= 0), default=-1)
    page = min((i for i in (head.find(r) for r in _HTML_ROOTS) if i >= 0), default=-1)
    if feed >= 0 and (page < 0 or feed < page):
        return 1.0
    return 0.5 if page < 0 and suffix.lower() in _SUFFIXES else 0.0


def entry_date(entry: Any) -> str | None:
    """The item's date as written (the publisher's local date), from ``published``, ``updated`` or ``dc:date``.

    >>> entry_date({"published": "Thu, 24 Jan 2019 23:30:00 -0500"})
    '2019-01-24'
    >>> entry_date({"updated": "2019-04-30T18:22:00+01:00"})
    '2019-04-30'
    """
    for key in ("published", "updated", "created", "date"):
        raw = _field(entry, key)
        if not raw:
            continue
        iso = parse_date(raw)
        if iso:
            return iso
        try:
            return parsedate_to_datetime(str(raw)).date().isoformat()
        except (TypeError, ValueError, IndexError):
            pass
    parsed = _field(entry, "published_parsed") or _field(entry, "updated_parsed")  # feedparser's, in UTC
    return f"{parsed.tm_year:04d}-{parsed.tm_mon:02d}-{parsed.tm_mday:02d}" if parsed else None


def _field(entry: Any, key: str) -> Any:
    """``entry[key]`` or None, without feedparser's deprecated ``updated`` -> ``published`` fallback (it warns)."""
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def entry_author(entry: Any) -> str | None:
    """The item's author as written: ``<author>``'s name (not its e-mail address) or ``dc:creator``.

    >>> entry_author({"author": "jane@example.com (Jane Doe)", "author_detail": {"name": "Jane Doe"}})
    'Jane Doe'
    >>> entry_author({"author": "news@example.com"}), entry_author({"authors": [{"name": "A. Writer"}]})
    (None, 'A. Writer')
    """
    detail = _field(entry, "author_detail") or {}
    names = [detail.get("name"), _field(entry, "author"), *[a.get("name") for a in _field(entry, "authors") or []
                                                              if isinstance(a, dict)]]
    for name in names:
        text = str(name or "").strip()
        if text and not re.fullmatch(r"\S+@\S+", text):
            return text
    return None


def _raw_date(entry: Any) -> str | None:
    """The item's date as written when :func:`entry_date` cannot read it (read_file blanks and counts it)."""
    raw = next((_field(entry, k) for k in ("published", "updated", "created", "date") if _field(entry, k)), None)
    return str(raw) if raw else None


def _as_text(detail: Any, value: str | None) -> str:
    if not value:
        return ""
    kind = (detail or {}).get("type", "text/html")
    return html_to_text(value) if "html" in kind else value.strip()


def entry_text(entry: Any) -> str:
    """Plain text of an item: its first non-empty content, else its summary."""
    for content in entry.get("content") or []:
        text = _as_text(content, content.get("value"))
        if text:
            return text
    return _as_text(entry.get("summary_detail"), entry.get("summary"))


def _domain(url: str | None) -> str | None:
    host = urlsplit(url or "").hostname or ""
    return host.removeprefix("www.") or None


def entry_outlet(entry: Any, feed: Any, ctx: ReadContext) -> str | None:
    """The item's outlet: the first candidate the alias table knows, else the first candidate at all."""
    source = entry.get("source") or {}
    candidates = [source.get("title"), _domain(source.get("href")), feed.get("title"), _domain(entry.get("link")),
                  _domain(feed.get("link"))]
    named = [str(c).strip() for c in candidates if c and str(c).strip()]
    known = next((c for c in named if ctx.outlets.find(c)), None)
    return known or (named[0] if named else None)


class SyndicationReader:
    """Reads RSS and Atom files: one record per item, items without text and cut-off items to the ledger."""

    name = "rss"

    def sniff(self, data: bytes, *, suffix: str = "") -> float:
        """Score the bytes (see :func:`sniff_feed`)."""
        return sniff_feed(data, suffix=suffix)

    def read_bytes(self, data: bytes, ctx: ReadContext) -> Iterator[Unit]:
        """Yield one record or reject per item, or one reject for a file that is not a readable feed."""
        parsed = feedparser.parse(io.BytesIO(data))
        entries = list(parsed.entries)
        error = parsed.get("bozo_exception") if parsed.get("bozo") else None
        if not entries:
            reason = f"unreadable feed: {error}" if error is not None else "feed without items"
            yield Reject(ctx.source_file, [], reason, excerpt(data[:200].decode("utf-8", errors="replace")))
            return
        # A feed cut off mid-item parses as far as it goes; items whose closing tag is missing are incomplete.
        complete = len(_CLOSED_ITEM.findall(data)) if error is not None else len(entries)
        feed = parsed.feed
        feed_date = entry_date(feed)
        for i, entry in enumerate(entries, 1):
            title = _as_text(entry.get("title_detail"), entry.get("title")) or None
            if i > complete:
                yield Reject(ctx.source_file, [i], f"feed item cut off (feed truncated: {error})",
                             excerpt(title or entry.get("link") or ""))
                continue
            text = entry_text(entry)
            if not text:
                yield Reject(ctx.source_file, [i], "feed item without text", excerpt(title or entry.get("link") or ""))
                continue
            link = entry.get("link")
            record = Record(source_file=ctx.source_file, lines=[i], text=text, outlet=entry_outlet(entry, feed, ctx),
                            title=title, published_date=entry_date(entry) or _raw_date(entry),
                            author=entry_author(entry), extra={"url": link} if link else {})
            if record.published_date is None and feed_date:
                record.published_date, record.date_precision = feed_date, "approximate"
            yield credit_text(record, ctx.outlets)
