"""Aggregator feeds saved as text: bullet items whose attribution lines name the original outlet.

The seed dump is a "Category: Russia" page: each item starts with a bullet ("•"), its paragraphs are
indented, and it usually ends with "The post TITLE appeared first on OUTLET." and "This post was originally
published on OUTLET." An item with no attribution line gets the outlet ``unknown``.

"This post was originally published on OUTLET" names the item's outlet: the item is that outlet's own post (voice
``author``). A further source line in the item ("Originally published on Tricontinental", "Reprinted from …",
"Source: Reuters", see :mod:`framing.ingest.reposts`) makes it a repost: the outlet stays, and the item is quoted
from the credited outlet. A byline ("By Joe Glenton") is the item's ``author``; the Canary items carry theirs at the
end, above the attribution line, so a byline belongs to the item it is in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from framing.ingest.base import Line, ReadContext, Record, Unit, blocks, reject, split_lines
from framing.ingest.boilerplate import boilerplate_reason, byline_name
from framing.ingest.reposts import dateline_source, mark_quoted, source_credit

_BULLET = re.compile(r"^\s*[•·▪●]\s+")
_ORIGINALLY = re.compile(r"^\s*This post was originally published on\s+(?P<outlet>.+?)\.?\s*$", re.IGNORECASE)
_THE_POST = re.compile(
    r"^\s*The post\s+(?P<title>.+?)\s+(?:appeared first|first appeared) on\s+(?P<outlet>.+?)\.?\s*$", re.IGNORECASE
)


class FeedReader:
    """Reads bullet-item aggregator feeds."""

    name = "aggregator_feed"

    def sniff(self, text: str) -> float:
        """Score bullet items and attribution lines."""
        bullets = len(re.findall(r"(?m)^\s*•\s+\S", text))
        attributions = len(re.findall(r"(?im)^\s*This post was originally published on\s", text))
        if bullets >= 2 and attributions >= 1:
            return 0.95
        if attributions >= 2:
            return 0.8
        return 0.4 if bullets >= 3 else 0.0

    def read(self, text: str, ctx: ReadContext) -> Iterator[Unit]:
        """Yield one record per item; headers and boilerplate lines go to the ledger."""
        lines = split_lines(text)
        # Items open with the least-indented bullets; deeper bullets are lists inside an item.
        indents = [len(ln.text) - len(ln.text.lstrip()) for ln in lines if _BULLET.match(ln.text)]
        item_indent = min(indents, default=0)
        items: list[list[Line]] = []
        preamble: list[Line] = []
        for line in lines:
            if _BULLET.match(line.text) and len(line.text) - len(line.text.lstrip()) == item_indent:
                items.append([line])
            elif items:
                items[-1].append(line)
            elif not line.blank:
                preamble.append(line)
        for line in preamble:
            yield reject(ctx.source_file, [line], "page header before the first feed item")
        for item in items:
            yield from self._read_item(item, ctx)

    def _read_item(self, item: list[Line], ctx: ReadContext) -> Iterator[Unit]:
        first = item[0]
        item = [Line(first.number, _BULLET.sub("", first.text)), *item[1:]]
        outlet = title = upstream = author = None
        post_outlet = None
        content: list[str] = []
        used: list[int] = []
        for block in blocks(item):
            for line in block.lines:
                stripped = line.text.strip()
                if m := _ORIGINALLY.match(stripped):
                    outlet = m["outlet"].strip()
                    used.append(line.number)
                elif m := _THE_POST.match(stripped):
                    title, post_outlet = m["title"].strip(), m["outlet"].strip()
                    used.append(line.number)
                elif credit := source_credit(stripped, ctx.outlets):
                    upstream = upstream or credit.name
                    used.append(line.number)
                elif (name := byline_name(stripped)) and not author:
                    author = name
                    used.append(line.number)
                elif reason := boilerplate_reason(stripped):
                    yield reject(ctx.source_file, [line], reason)
                else:
                    content.append(stripped)
                    used.append(line.number)
        if not content:
            if used:
                yield reject(ctx.source_file, [ln for ln in item if ln.number in used], "feed item without text")
            return
        record = Record(
            source_file=ctx.source_file,
            lines=used,
            text="\n\n".join(content),
            outlet=outlet or post_outlet,
            title=title,
            author=author,
            extra={"upstream": upstream} if upstream else {},
        )
        if upstream or (upstream := dateline_source(content[0], ctx.outlets)):
            mark_quoted(record, upstream)
        yield record
