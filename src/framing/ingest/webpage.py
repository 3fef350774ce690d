"""Saved web pages (``.html``): the article's main text, title, date and site, by trafilatura, offline.

One document per file. Scripts, styles, ``<noscript>``, templates and navigation are removed before extraction, so
they never reach the text; a headline repeated as the text's first paragraph is dropped (it is the title). The
outlet is the page's site name (``og:site_name``) or host name, whichever the alias table knows, else the site
name, else the host name; ``author`` is the page's author metadata (trafilatura reads ``<meta name="author">``,
JSON-LD and byline markup). A source line as the text's first or last paragraph makes the page a repost.
trafilatura reads the bytes it is given and fetches nothing (only its ``fetch_url`` would).
"""

from __future__ import annotations

from collections.abc import Iterator

import trafilatura
from lxml import etree
from trafilatura.utils import load_html

from framing.ingest.base import ReadContext, Record, Reject, Unit, excerpt
from framing.ingest.markup import element_text
from framing.ingest.reposts import credit_text

_HTML_ROOTS = (b"<html", b"<!doctype html")
_FEED_ROOTS = (b"<rss", b"<feed", b"<rdf:rdf")
_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
# Removed before extraction: never article text, and trafilatura's fallbacks could otherwise keep some of it.
_NOT_TEXT = ("//script", "//style", "//noscript", "//template", "//nav", "//iframe", "//svg")


def sniff_page(data: bytes, *, suffix: str = "") -> float:
    """How sure it is that ``data`` is an HTML page: ``<html`` or a doctype before any feed root.

    >>> sniff_page(b"<!DOCTYPE html>\\n<html lang='en'>"), sniff_page(b"<div>saved fragment</div>", suffix=".html")
    (1.0, 0.5)
    >>> sniff_page(b"Plain text that mentions <html> later")
    0.0
    """
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head.startswith(b"<"):
        return 0.0
    page = min((i for i in (head.find(r) for r in _HTML_ROOTS) if i >= 0), default=-1)
    feed = min((i for i in (head.find(r) for r in _FEED_ROOTS) if i >= 0), default=-1)
    if page >= 0 and (feed < 0 or page < feed):
        return 1.0
    return 0.5 if feed < 0 and suffix.lower() in _SUFFIXES else 0.0


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


class WebPageReader:
    """Reads a saved article page: one record, or one reject when there is no article text."""

    name = "html"

    def sniff(self, data: bytes, *, suffix: str = "") -> float:
        """Score the bytes (see :func:`sniff_page`)."""
        return sniff_page(data, suffix=suffix)

    def read_bytes(self, data: bytes, ctx: ReadContext) -> Iterator[Unit]:
        """Yield the page's article as one record (item 1), or one reject for the file."""
        head = excerpt(data[:300].decode("utf-8", errors="replace"))
        try:
            tree = load_html(data)  # bytes: trafilatura detects the encoding
            if tree is None:
                yield Reject(ctx.source_file, [], "unreadable HTML", head)
                return
            for node in tree.xpath(" | ".join(_NOT_TEXT)):
                node.drop_tree()
            doc = trafilatura.bare_extraction(tree, with_metadata=True, include_comments=False,
                                              include_tables=True, include_images=False)
        except (etree.LxmlError, ValueError, TypeError) as exc:
            yield Reject(ctx.source_file, [], f"unreadable HTML: {exc}", head)
            return
        body = getattr(doc, "body", None)
        paragraphs = element_text(body).split("\n\n") if body is not None else []
        title = (getattr(doc, "title", None) or "").strip() or None
        if paragraphs and title and _same(paragraphs[0], title):
            paragraphs = paragraphs[1:]
        text = "\n\n".join(p for p in paragraphs if p.strip())
        if not text:
            yield Reject(ctx.source_file, [1], "no article text found in HTML", excerpt(title) if title else head)
            return
        sitename, hostname = getattr(doc, "sitename", None), getattr(doc, "hostname", None)
        outlet = next((n for n in (sitename, hostname) if n and ctx.outlets.find(n)), None) or sitename or hostname
        url = getattr(doc, "url", None)
        author = (getattr(doc, "author", None) or "").strip() or None
        yield credit_text(Record(source_file=ctx.source_file, lines=[1], text=text, outlet=outlet, title=title,
                                 published_date=getattr(doc, "date", None) or None, author=author,
                                 extra={"url": url} if url else {}), ctx.outlets)
