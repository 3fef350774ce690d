"""SOTT (Signs of the Times) pages: reposted items, dated "UPDATE" blocks and SOTT's own "Comment:" blocks.

Layout of an item: a short icon label, a blank line, the title, a blank line, an image's alt text, often a
caption/credit line glued to the first paragraph, then the body. Inside the body:

- ``UPDATE RT, 1/24/2019: headline`` (also ``UPDATE RT: 1/24/2019:``) starts a document of the named outlet,
  dated, with the headline as title; it runs until the next marker;
- ``UPDATE (January 26): …`` starts SOTT's own editorial update;
- ``Comment: …`` is SOTT's editorial comment (one paragraph); ``Comment: See also:`` is a link stub;
- everything else belongs to the item's own document (outlet ``sott``, the repost).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from framing.ingest.base import Line, ReadContext, Record, Unit, reject, split_lines
from framing.ingest.boilerplate import boilerplate_reason

_UPDATE_OUTLET = re.compile(
    r"^UPDATE\s+(?P<outlet>[A-Za-z][\w .]*?)\s*[,:]\s*(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})\s*:\s*(?P<title>.*)$"
)
_UPDATE_OWN = re.compile(r"^UPDATE\s*\((?P<month>[A-Z][a-z]+)\s+(?P<day>\d{1,2})\)\s*:\s*(?P<text>.*)$")
_COMMENT = re.compile(r"^Comment:\s*(?P<text>.*)$")
_SENTENCE_END = re.compile(r"[.!?:;\"'”’)\]]$")
_MONTHS = {m: i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"], 1)}


def _short_label(text: str, max_words: int = 6) -> bool:
    t = text.strip()
    return bool(t) and len(t.split()) <= max_words and not _SENTENCE_END.search(t) and not t.startswith(
        ("UPDATE", "Comment:", "©"))


@dataclass
class _Doc:
    lines: list[int] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    outlet: str = "sott"
    source_kind: str | None = None
    title: str | None = None
    published_date: str | None = None

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
        """Yield item, update and comment documents; furniture goes to the ledger."""
        lines = split_lines(text)
        starts = self._item_starts(lines)
        first = starts[0] if starts else len(lines)
        for line in lines[:first]:
            if not line.blank:
                yield reject(ctx.source_file, [line], "page chrome before the first item")
        bounds = [*starts, len(lines)]
        year: int | None = None
        for a, b in zip(bounds, bounds[1:], strict=False):
            units, year = self._read_item(lines[a:b], ctx, year)
            yield from units

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
        main = _Doc(source_kind=None, title=title_line.text.strip())
        main.lines.append(title_line.number)
        docs: list[_Doc] = [main]
        current = main
        in_comment = False
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
                i += 1
        for j in range(i, len(body)):
            line = body[j]
            text = line.text.strip()
            if line.blank:
                if in_comment:
                    in_comment = False
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
                in_comment = False
                continue
            if m := _UPDATE_OWN.match(text):
                when = None
                if year and m["month"] in _MONTHS:
                    when = f"{year:04d}-{_MONTHS[m['month']]:02d}-{int(m['day']):02d}"  # checked by read_file
                current = _Doc(outlet="sott", source_kind="editorial_comment", published_date=when)
                current.add(line, m["text"])
                docs.append(current)
                in_comment = False
                continue
            if reason := boilerplate_reason(text):
                out.append(reject(src, [line], reason))
                continue
            nxt = body[j + 1] if j + 1 < len(body) else None
            if _short_label(text) and nxt is not None and nxt.text.lstrip().startswith("©"):
                out.append(reject(src, [line], "image alt text"))
                continue
            if m := _COMMENT.match(text):
                current = _Doc(outlet="sott", source_kind="editorial_comment")
                current.add(line, m["text"])
                docs.append(current)
                in_comment = True
                continue
            current.add(line)
        for doc in docs:
            if not doc.paragraphs:
                if doc.title and doc is not main:  # a headline-only update: the headline is its text
                    doc.paragraphs.append(doc.title)
                elif doc.lines:
                    out.append(reject(src, [ln for ln in lines if ln.number in doc.lines], "item without text"))
                    continue
                else:
                    continue
            out.append(Record(
                source_file=src, lines=doc.lines, text="\n\n".join(doc.paragraphs), outlet=doc.outlet,
                via="sott", source_kind=doc.source_kind, title=doc.title, published_date=doc.published_date,
            ))
        return out, year
