"""SOTT (Signs of the Times) pages: reposted items, dated "UPDATE" blocks and SOTT's own "Comment:" blocks.

Layout of an item: a short icon label, a blank line, the title, a blank line, an image's alt text, often a
caption/credit line glued to the first paragraph, then the body. Inside the body:

- ``UPDATE RT, 1/24/2019: headline`` (also ``UPDATE RT: 1/24/2019:``) starts a document of the named outlet,
  dated, with the headline as title; it runs until the next marker (a headline-only update is a stub: its headline
  is its text);
- ``UPDATE (January 26): …`` starts SOTT's own editorial update;
- ``Comment: …`` is SOTT's editorial comment (one paragraph); ``Comment: See also:`` is a link stub;
- everything else belongs to the item's own document: the repost.

**Reposts.** SOTT writes its own words only in Comment and UPDATE blocks; the item itself is another outlet's
article, passed on with its lead image. So the item's document keeps ``outlet = sott`` and ``via = sott`` and is
``quoted`` (voice and kind), with ``quoted_from`` the outlet its lead image's credit names (``© Carlos
Becerra/Bloomberg`` → bloomberg, ``© REUTERS / Stringer`` → reuters), a source line in the item (``— Bloomberg``,
"Originally published by …"), or a manifest ``quoted_blocks`` entry matching its title; none of these leaves
``quoted_from`` empty. A photo credit is weaker evidence than a source line: an outlet may run an agency's photo.

**Editorial blocks that quote.** Inside a Comment or an own UPDATE, a line ending in ":" is SOTT's lead-in, and the
lines after it, up to the next lead-in, are the text it quotes: a ``quoted`` document (outlet ``sott``) with
``quoted_from`` the outlet the lead-in names ("ZeroHedge reports that …:" → zerohedge, "… with RT:" → rt). A line
set in quote marks is quoted too. A Comment that quotes runs on over blank lines to the next marker or the item's
end (the quoted article goes on below it); SOTT's own lines stay its ``editorial_comment``. SOTT's asides inside a
quoted run ("The problem is, the US does not want to negotiate.") count as quoted: nothing marks them off.

**Dates.** Updates carry their own (day precision; an own update takes the year of the page's dated updates). A
document without one takes the page's date, the latest of its dated updates, with precision ``approximate``: the
page lists items that were on it by then.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from framing.ingest.base import Line, ReadContext, Record, Unit, reject, split_lines
from framing.ingest.boilerplate import boilerplate_reason, byline_name
from framing.ingest.dates import check_date
from framing.ingest.reposts import source_credit
from framing.outlets import OutletRegistry

_UPDATE_OUTLET = re.compile(
    r"^UPDATE\s+(?P<outlet>[A-Za-z][\w .]*?)\s*[,:]\s*(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})\s*:\s*(?P<title>.*)$"
)
_UPDATE_OWN = re.compile(r"^UPDATE\s*\((?P<month>[A-Z][a-z]+)\s+(?P<day>\d{1,2})\)\s*:\s*(?P<text>.*)$")
_COMMENT = re.compile(r"^Comment:\s*(?P<text>.*)$")
_SENTENCE_END = re.compile(r"[.!?:;\"'”’)\]]$")
_OPENING_QUOTES, _CLOSING_QUOTES = "\"“«", "\"”»"
_MONTHS = {m: i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"], 1)}
OWN_OUTLET = "sott"


def _short_label(text: str, max_words: int = 6) -> bool:
    t = text.strip()
    return bool(t) and len(t.split()) <= max_words and not _SENTENCE_END.search(t) and not t.startswith(
        ("UPDATE", "Comment:", "©"))


def _lead_in(text: str) -> bool:
    """A line SOTT writes to introduce a quote: a few words or more, ending in ":"."""
    return text.rstrip().endswith(":") and len(text.split()) >= 3


def _in_quotes(text: str) -> bool:
    """A line set in quote marks, perhaps with a short attribution after them (``"…," Maduro said.``).

    >>> _in_quotes('"We will solve our problems without violence," he said.'), _in_quotes('He said "no".')
    (True, False)
    """
    t = text.strip()
    if not t or t[0] not in _OPENING_QUOTES:
        return False
    last = max(t.rfind(mark) for mark in _CLOSING_QUOTES)  # linear: no regex backtracking on a long line
    return last >= 9 and len(t[last + 1:].split()) <= 8


def named_outlet(text: str, outlets: OutletRegistry) -> str | None:
    """The outlet a lead-in names (not SOTT itself), or None; two-letter names such as RT count when capitalised.

    >>> reg = OutletRegistry.default()
    >>> named_outlet("ZeroHedge reports that Russian military contractors are now on the scene:", reg)
    'zerohedge'
    >>> named_outlet("Ron Paul shared his views on the attempted coup with RT:", reg)
    'rt'
    >>> named_outlet("France, Germany and Spain have all issued identical threats:", reg) is None
    True
    """
    found = outlets.mentioned_in(text)
    if found and found.slug != OWN_OUTLET:
        return found.slug
    for alias, slug in outlets.aliases.items():
        if len(alias) == 2 and alias.isupper() and slug != OWN_OUTLET and re.search(rf"(?<!\w){alias}(?!\w)", text):
            return slug
    return None


def credited_outlet(credit: str, outlets: OutletRegistry) -> str | None:
    """The outlet an image credit names, or None: a part of the credit (split at "/") that opens with its name.

    The caption is often glued to the credit, so the name may run on into the next word.

    >>> reg = OutletRegistry.default()
    >>> credited_outlet("© Carlos Becerra/BloombergNicolas Maduro speaks during a press conference.", reg)
    'bloomberg'
    >>> credited_outlet("© REUTERS / Stringer", reg), credited_outlet("© Reutersmedia", reg)
    ('reuters', 'reuters')
    >>> credited_outlet("© (U.S. Air Force/Master Sgt. Lee OsberryAn Israeli Air Force F-15I", reg) is None
    True
    """
    body = credit.strip().removeprefix("©").strip()
    best: tuple[int, str] | None = None
    for part in re.split(r"\s*/\s*", body):
        part = part.strip(" ()[]").casefold()
        for alias, slug in outlets.aliases.items():
            if len(alias) >= 3 and slug != OWN_OUTLET and part.startswith(alias.casefold()):
                if best is None or len(alias) > best[0]:
                    best = (len(alias), slug)
        if best:
            return best[1]
    return None


@dataclass
class _Doc:
    lines: list[int] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    outlet: str = OWN_OUTLET
    source_kind: str | None = None
    title: str | None = None
    published_date: str | None = None
    voice: str = "author"
    quoted_from: str | None = None
    author: str | None = None
    editorial: bool = False  # SOTT's own Comment or UPDATE block, whose lead-ins may open quotes
    comment: bool = False
    lead_source: str | None = None  # an open lead-in's source (set while the next line is to be quoted)
    lead_open: bool = False
    quote: _Doc | None = None  # the quote in progress inside this editorial block
    quoted: bool = False  # the block has quoted something

    def add(self, line: Line, text: str | None = None) -> None:
        self.lines.append(line.number)
        body = (line.text if text is None else text).strip()
        if body:
            self.paragraphs.append(body)


class SottReader:
    """Reads SOTT pages saved as text."""

    name = "sott_page"

    def sniff(self, text: str) -> float:
        """Score SOTT's markers: Comment blocks, UPDATE blocks and © credit lines."""
        comments = len(re.findall(r"(?m)^Comment:", text))
        updates = len(re.findall(r"(?m)^UPDATE\b", text))
        credits = len(re.findall(r"(?m)^©", text))
        score = 0.3 * min(comments, 2) + 0.15 * min(updates, 2) + 0.1 * min(credits, 2)
        return min(score, 0.95) if comments else min(score, 0.4)

    def read(self, text: str, ctx: ReadContext) -> Iterator[Unit]:
        """Yield item, update, comment and quote documents; furniture goes to the ledger."""
        lines = split_lines(text)
        page_date = self.page_date(lines)
        starts = self._item_starts(lines)
        first = starts[0] if starts else len(lines)
        for line in lines[:first]:
            if not line.blank:
                yield reject(ctx.source_file, [line], "page chrome before the first item")
        bounds = [*starts, len(lines)]
        year: int | None = None
        for a, b in zip(bounds, bounds[1:], strict=False):
            units, year = self._read_item(lines[a:b], ctx, year)
            for unit in units:
                if isinstance(unit, Record) and unit.published_date is None and page_date:
                    unit.published_date, unit.date_precision = page_date, "approximate"
            yield from units

    @staticmethod
    def page_date(lines: list[Line]) -> str | None:
        """The latest readable date of the page's dated updates (an own update takes the year before it), or None.

        >>> lines = split_lines("UPDATE RT, 1/24/2019: a\\nUPDATE (January 26): b\\nUPDATE RT, 13/45/2019: c")
        >>> SottReader.page_date(lines)
        '2019-01-26'
        """
        found: list[str] = []
        year: int | None = None
        for line in lines:
            text = line.text.strip()
            if m := _UPDATE_OUTLET.match(text):
                year = int(m["y"])
                iso, _ = check_date(f"{year:04d}-{int(m['m']):02d}-{int(m['d']):02d}")
            elif (m := _UPDATE_OWN.match(text)) and year and m["month"] in _MONTHS:
                iso, _ = check_date(f"{year:04d}-{_MONTHS[m['month']]:02d}-{int(m['day']):02d}")
            else:
                continue
            if iso:
                found.append(iso)
        return max(found, default=None)

    @staticmethod
    def _item_starts(lines: list[Line]) -> list[int]:
        """Indexes of icon-label lines that open an item: label, blank, title, blank, image alt text."""
        starts: list[int] = []
        n = len(lines)
        for i in range(n - 4):
            if (
                _short_label(lines[i].text, 4)
                and (i == 0 or lines[i - 1].blank)
                and lines[i + 1].blank
                and not lines[i + 2].blank
                and len(lines[i + 2].text.split()) <= 30
                and lines[i + 3].blank
                and _short_label(lines[i + 4].text)  # the lead image's alt text
                and not _COMMENT.match(lines[i + 2].text)
            ):
                if starts and i - starts[-1] < 4:  # page heading above an item's label: keep the later one
                    starts.pop()
                starts.append(i)
        return starts

    def _read_item(self, lines: list[Line], ctx: ReadContext, year: int | None) -> tuple[list[Unit], int | None]:
        out: list[Unit] = []
        src = ctx.source_file
        label, title_line = lines[0], lines[2]
        out.append(reject(src, [label], "section icon label"))
        main = _Doc(source_kind="quoted", voice="quoted", title=title_line.text.strip())  # the repost
        main.lines.append(title_line.number)
        docs: list[_Doc] = [main]
        current = main
        body = lines[4:]
        # image alt text and caption right after the title
        i = 0
        if body and _short_label(body[0].text):
            out.append(reject(src, [body[0]], "image alt text"))
            i = 1
            if (
                i + 1 < len(body) and not body[i].blank and not body[i + 1].blank
                and (body[i].text.lstrip().startswith("©") or not _SENTENCE_END.search(body[i].text.strip()))
            ):
                out.append(reject(src, [body[i]], "image credit or caption"))
                if body[i].text.lstrip().startswith("©"):
                    main.quoted_from = credited_outlet(body[i].text, ctx.outlets)
                i += 1
        for j in range(i, len(body)):
            line = body[j]
            text = line.text.strip()
            if line.blank:
                if current.comment and not (current.quoted or current.lead_open):  # one paragraph, unless it quotes
                    current = main
                continue
            if m := _UPDATE_OUTLET.match(text):
                year = int(m["y"])
                current = _Doc(
                    outlet=m["outlet"].strip(), source_kind=None, title=m["title"].strip() or None,
                    published_date=f"{int(m['y']):04d}-{int(m['m']):02d}-{int(m['d']):02d}",  # checked later
                )
                current.lines.append(line.number)
                docs.append(current)
                continue
            if m := _UPDATE_OWN.match(text):
                when = None
                if year and m["month"] in _MONTHS:
                    when = f"{year:04d}-{_MONTHS[m['month']]:02d}-{int(m['day']):02d}"  # checked by read_file
                current = _Doc(source_kind="editorial_comment", published_date=when, editorial=True)
                docs.append(current)
                self._editorial_line(current, line, m["text"], docs, ctx.outlets)
                continue
            if name := byline_name(text):
                target = current.quote or current
                target.author = target.author or name
                target.lines.append(line.number)
                continue
            if credit := source_credit(text, ctx.outlets):
                target = (current.quote or main) if current.editorial else current
                target.lines.append(line.number)
                target.voice, target.source_kind, target.quoted_from = "quoted", "quoted", credit.name
                continue
            if reason := boilerplate_reason(text):
                out.append(reject(src, [line], reason))
                continue
            nxt = body[j + 1] if j + 1 < len(body) else None
            if _short_label(text) and nxt is not None and nxt.text.lstrip().startswith("©"):
                out.append(reject(src, [line], "image alt text"))
                continue
            if m := _COMMENT.match(text):
                current = _Doc(source_kind="editorial_comment", editorial=True, comment=True)
                docs.append(current)
                self._editorial_line(current, line, m["text"], docs, ctx.outlets)
                continue
            if current.editorial:
                self._editorial_line(current, line, text, docs, ctx.outlets)
            else:
                current.add(line)
        for doc in docs:
            if not doc.paragraphs:
                if doc.title and doc is not main:  # a headline-only update: the headline is its text, a stub
                    doc.paragraphs.append(doc.title)
                    stub = True
                elif doc.lines and not doc.editorial:
                    out.append(reject(src, [ln for ln in lines if ln.number in doc.lines], "item without text"))
                    continue
                elif doc.lines:  # a block that only quotes: its marker line goes with the first quote
                    first = next((d for d in docs if d.lines and d.paragraphs and d.voice == "quoted"
                                  and d.lines[0] > doc.lines[0]), None)
                    if first is None:
                        out.append(reject(src, [ln for ln in lines if ln.number in doc.lines], "item without text"))
                    else:
                        first.lines[:0] = doc.lines
                    continue
                else:
                    continue
            else:
                stub = False
            out.append(Record(
                source_file=src, lines=doc.lines, text="\n\n".join(doc.paragraphs), outlet=doc.outlet,
                via="sott", source_kind=doc.source_kind, voice=doc.voice, quoted_from=doc.quoted_from,
                title=doc.title, published_date=doc.published_date, author=doc.author, is_stub=stub,
            ))
        return out, year

    @staticmethod
    def _editorial_line(block: _Doc, line: Line, text: str, docs: list[_Doc], outlets: OutletRegistry) -> None:
        """One line of SOTT's own block: its own words, a lead-in, or part of the text a lead-in quotes.

        ``text`` is the line without its marker ("Comment:", "UPDATE (…):"); the line goes to exactly one document.
        """
        body = text.strip()
        if not body:  # a bare marker
            block.lines.append(line.number)
            return
        if _lead_in(body):  # SOTT's own words, opening a quote on the next line
            block.add(line, body)
            block.quote, block.lead_open, block.lead_source = None, True, named_outlet(body, outlets)
            return
        if block.quote is not None:
            block.quote.add(line, body)
            return
        if block.lead_open or _in_quotes(body):
            quote = _Doc(source_kind="quoted", voice="quoted", published_date=block.published_date,
                         quoted_from=block.lead_source if block.lead_open else named_outlet(body, outlets))
            quote.add(line, body)
            docs.append(quote)
            block.quoted = True
            if block.lead_open:
                block.quote, block.lead_open = quote, False
            return
        block.add(line, body)
