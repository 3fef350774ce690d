"""Reposts: documents and paragraphs that are another outlet's text, and the lines that say so.

A repost keeps the outlet that published it (``outlet``, and ``via`` for pages that pass items on) and gets
``voice = quoted``, ``source_kind = quoted`` and ``quoted_from`` (the outlet whose text it is: its slug when the alias
table knows it, else a slug of the name as written). The evidence is an explicit line of the text:

- a **source line** on a line of its own: ``— Bloomberg`` (a dash and a known outlet), ``Source: Reuters``,
  ``Via: ZeroHedge``; these sign the block above them;
- a **republication line**: ``This article was originally published on Strategic Culture``, ``Originally
  published by ZeroHedge``, ``Reprinted from …``, ``Republished with permission from …``, ``Cross-posted from …``;
  these say the whole document is the other outlet's;
- an **agency dateline** opening a paragraph: ``(Reuters) –``, ``CARACAS, Jan 24 (Reuters) –``, ``TEHRAN, Jan. 04
  (MNA) –``.

The aggregator feed's own "This post was originally published on Dissident Voice" names the item's *outlet*
(Dissident Voice's own post, voice ``author``): :class:`framing.ingest.feed.FeedReader` reads that line before these
rules see it. A manifest may also say it: ``quoted_from:`` on a file, or ``quoted_blocks`` (see
:func:`framing.ingest.collect_units`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from framing.ingest.base import Record
from framing.outlets import OutletRegistry

_DASH = re.compile(r"^(?:[—–―]|--?)\s*(?P<name>[^\s—–].{0,60}?)\s*\.?$")
_SOURCE = re.compile(r"^(?:Source|Via|Courtesy of|Credit to)\s*:\s*(?P<name>\S.{0,80}?)\s*\.?$", re.IGNORECASE)
_REPUBLISHED = re.compile(
    r"^(?:(?:This|The)\s+(?:article|post|piece|story|essay|report|column|interview|text|commentary|op-ed)\s+"
    r"(?:was\s+|is\s+)?)?(?:originally|first)\s+(?:published|appeared|posted|ran)\s+(?:by|on|in|at)\s+"
    r"(?P<name>\S.{0,100}?)\s*\.?$",
    re.IGNORECASE,
)
_REPRINTED = re.compile(
    r"^(?:This\s+(?:article|post|piece|story)\s+(?:was|is)\s+)?(?:reprinted|republished|reposted|cross-?posted)\s+"
    r"(?:here\s+)?(?:with\s+(?:kind\s+)?permission\s+)?(?:from|by|on)\s+(?P<name>\S.{0,100}?)\s*\.?$",
    re.IGNORECASE,
)
_TRAILING_DATE = re.compile(
    r"(?:,|\s+on)\s+(?:\d{1,2}\s+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d.*$"
    r"|(?:,|\s+on)\s+\d{4}-\d{2}-\d{2}.*$",
    re.IGNORECASE,
)
# "(Reuters) –" or "CARACAS, Jan 24 (Reuters) –" at the start of a paragraph.
_DATELINE = re.compile(
    r"^(?:(?P<place>[A-Z][A-Z .'-]{2,}),?\s+(?:(?P<when>[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?)\s+)?)?"
    r"\((?P<agency>[A-Za-z][\w .&-]{1,30})\)\s*[–—-]"
)
_ACRONYM = re.compile(r"^[A-Z]{2,6}$")

Scope = Literal["block", "document"]


@dataclass(frozen=True)
class Credit:
    """What a source line says: the outlet ``name`` as written, and what it credits.

    ``scope`` is ``block`` when the line signs the block above it (``— Bloomberg``, ``Source: Reuters``) and
    ``document`` when it speaks of the whole document ("originally published on …", "reprinted from …").
    """

    name: str
    scope: Scope


_FUNCTION_WORDS = {"of", "for", "the", "and", "on", "in", "de", "la", "el", "der", "&", "-", "–", "at", "y"}
_GENERIC_TAIL = re.compile(r"\s+(?:website|web site|site|blog|magazine|newsletter|substack|portal)$", re.IGNORECASE)


def _clean(name: str) -> str | None:
    """The outlet name of a credit: without a trailing date, "the … website", or a URL's path; None for a sentence.

    A name is a domain, or words that are capitalised (``Consortium News``) or function words (``Tricontinental:
    Institute for Social Research``): "Source: the ministry said it was not aware" credits nobody.
    """
    name = _TRAILING_DATE.sub("", name.strip()).strip(" .,;:")
    name = _GENERIC_TAIL.sub("", re.sub(r"^the\s+", "", name, flags=re.IGNORECASE))
    if re.match(r"^(?:https?://|www\.)", name, re.IGNORECASE) or re.fullmatch(r"[\w-]+(?:\.[\w-]+)+(?:/\S*)?", name):
        host = urlsplit(name if "//" in name else f"//{name}").hostname or ""
        return host.removeprefix("www.") or None
    words = name.split()
    if not words or len(words) > 8:
        return None
    if not all(w[0].isupper() or w[0].isdigit() or w.lower() in _FUNCTION_WORDS for w in words):
        return None
    return name


def source_credit(line: str, outlets: OutletRegistry) -> Credit | None:
    """The credit a whole line gives, or None if the line is not a source or republication line.

    A dash line credits only an outlet the alias table knows (``— Trump`` under an epigraph is no repost); the other
    forms credit any name (a domain, or up to eight capitalised words) and never a sentence.

    >>> reg = OutletRegistry.default()
    >>> source_credit("— Bloomberg", reg), source_credit("Source: Reuters", reg).name
    (Credit(name='Bloomberg', scope='block'), 'Reuters')
    >>> source_credit("This article was originally published on Strategic Culture", reg)
    Credit(name='Strategic Culture', scope='document')
    >>> source_credit("Originally published by ZeroHedge on Jan 25, 2019.", reg).name
    'ZeroHedge'
    >>> source_credit("Reprinted with permission from Consortium News.", reg)
    Credit(name='Consortium News', scope='document')
    >>> source_credit("— Trump", reg) is None, source_credit("Source: the ministry said it was not aware.", reg)
    (True, None)
    >>> source_credit("Source: World Bank", reg) is None  # a chart's data source, not the text's
    True
    >>> source_credit("Source: https://www.zerohedge.com/geopolitical/x", reg).name
    'zerohedge.com'
    """
    text = line.strip()
    if not text or len(text) > 160:
        return None
    if m := _DASH.match(text):
        name = _clean(m["name"])
        return Credit(name, "block") if name and outlets.find(name) else None
    for pattern, scope in ((_SOURCE, "block"), (_REPUBLISHED, "document"), (_REPRINTED, "document")):
        if m := pattern.match(text):
            name = _clean(m["name"])
            if pattern is _SOURCE and name and not (outlets.find(name) or re.fullmatch(r"[\w-]+(\.[\w-]+)+", name)):
                return None  # "Source: World Bank" under a chart credits data, not the text: only outlets and sites
            return Credit(name, scope) if name else None  # type: ignore[arg-type]
    return None


def dateline_source(text: str, outlets: OutletRegistry) -> str | None:
    """The agency of a dateline opening ``text``, or None.

    With a place before it (``CARACAS, Jan 24 (Reuters) –``) any name in the brackets is an agency; a bare
    ``(Reuters) –`` needs an outlet the alias table knows or an acronym (``(AP) —``), so that ``(Updated) -`` is none.

    >>> reg = OutletRegistry.default()
    >>> dateline_source("(Reuters) - Venezuela's army said...", reg), dateline_source("(AP) — Troops ...", reg)
    ('Reuters', 'AP')
    >>> dateline_source("TEHRAN, Jan. 04 (MNA) – Was Nicolás Maduro arrested", reg)
    'MNA'
    >>> dateline_source("(Updated) - the text", reg) is None
    True
    """
    m = _DATELINE.match(text.lstrip())
    if not m:
        return None
    agency = m["agency"].strip()
    if m["place"] or outlets.find(agency) or _ACRONYM.match(agency):
        return agency
    return None


def mark_quoted(record: Record, source: str | None) -> Record:
    """Make ``record`` a repost: voice and kind ``quoted``, ``quoted_from`` the credited ``source`` when given."""
    record.voice = "quoted"
    record.source_kind = "quoted"
    if source:
        record.quoted_from = source
    return record


def credit_text(record: Record, outlets: OutletRegistry) -> Record:
    """Whole-document reposts of readers that give one document per item (tables, feeds, pages, comments).

    A source or republication line as the text's first or last paragraph credits the document and leaves the text
    (its place stays in ``source_lines``, which for these readers numbers items); an agency dateline opening the
    text credits it and stays. A record the reader already made quoted is left alone.

    >>> rec = credit_text(Record("f", [1], "Troops moved in.\\n\\nSource: Reuters"), OutletRegistry.default())
    >>> rec.text, rec.voice, rec.source_kind, rec.quoted_from
    ('Troops moved in.', 'quoted', 'quoted', 'Reuters')
    """
    if record.voice == "quoted":
        return record
    paragraphs = [p for p in re.split(r"\n\s*\n", record.text) if p.strip()]
    if len(paragraphs) > 1:
        for index in (len(paragraphs) - 1, 0):
            credit = source_credit(paragraphs[index], outlets)
            if credit:
                del paragraphs[index]
                record.text = "\n\n".join(p.strip() for p in paragraphs)
                return mark_quoted(record, credit.name)
    if agency := dateline_source(record.text, outlets):
        return mark_quoted(record, agency)
    return record
