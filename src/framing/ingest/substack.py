"""Blog posts (Substack and the like) that quote other sources at length.

The author's own paragraphs form one document (voice ``author``). Quoted blocks become documents of their own
(voice ``quoted``), with ``quoted_from`` set where the text names the source. A paragraph is quoted when

- it opens with a news-agency dateline such as ``TEHRAN, Jan. 04 (MNA) –`` or ``(Reuters) –`` (source: the agency);
- a source line follows it (``— Bloomberg``, ``Source: Reuters``: see :mod:`framing.ingest.reposts`);
- it follows a paragraph ending in ":" and is long (``min_quote_words``) — the usual "Here:" lead-in
  (source: an outlet named in the lead-in, if any);
- the file's manifest entry lists it under ``quoted_blocks`` (``starts_with`` and optional ``quoted_from``).

Embedded previews of other posts ("… Read full story") go to the ledger.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from framing.ingest.base import ReadContext, Record, Unit, blocks, fold, reject, split_lines
from framing.ingest.boilerplate import boilerplate_reason, byline_name
from framing.ingest.reposts import dateline_source, mark_quoted, source_credit

_HEADER_DATE = re.compile(r"^\s*date\s+(?P<date>\d{4}-\d{2}-\d{2})\s*")


class SubstackReader:
    """Reads blog posts with a ``date YYYY-MM-DD`` header line."""

    name = "blog_post"

    def __init__(self, *, min_quote_words: int = 100):
        self.min_quote_words = min_quote_words

    def sniff(self, text: str) -> float:
        """Score the ``date YYYY-MM-DD`` header that the saved posts start with."""
        head = text.lstrip("\ufeff")[:200]
        score = 0.9 if _HEADER_DATE.match(head) else 0.0
        if re.search(r"(?m)Read full story\s*$", text):
            score = max(score, 0.5)
        return score

    def read(self, text: str, ctx: ReadContext) -> Iterator[Unit]:
        """Yield the author's document and one document per quoted block.

        A byline paragraph ("By Jane Doe") is the post's ``author`` (its line joins the author's document). A source
        line ("— Bloomberg", "Source: Reuters") makes the paragraph above it a quoted block from that outlet; a
        republication line ("Originally published by ZeroHedge") makes the author's own paragraphs a repost.
        """
        paras = blocks(split_lines(text))
        published = None
        if paras and (m := _HEADER_DATE.match(paras[0].lines[0].text)):
            published = m["date"]
        hinted: list[dict[str, Any]] = list(ctx.hints.get("quoted_blocks") or [])
        author_lines: list[int] = []
        pieces: list[Record] = []  # the author's paragraphs and the quoted blocks, in order
        byline = reposted = None
        previous = ""
        for k, para in enumerate(paras):
            body = para.text
            if k == 0 and published:
                body = _HEADER_DATE.sub("", body, count=1)
            if (name := byline_name(body)) and not byline:
                byline = name
                author_lines.extend(para.numbers)
                continue
            if credit := source_credit(body, ctx.outlets):
                if credit.scope == "document" or not pieces:
                    reposted = reposted or credit.name
                    author_lines.extend(para.numbers)
                else:  # it signs the paragraph above it
                    signed = pieces[-1]
                    signed.lines.extend(para.numbers)
                    mark_quoted(signed, signed.quoted_from or credit.name)
                continue
            if reason := boilerplate_reason(body):
                yield reject(ctx.source_file, para.lines, reason)
                continue
            quoted, source = self._quoted(body, previous, hinted, ctx)
            piece = Record(source_file=ctx.source_file, lines=para.numbers, text=body, published_date=published)
            pieces.append(mark_quoted(piece, source) if quoted else piece)
            previous = body
        for piece in pieces:
            if piece.voice == "quoted":
                yield piece
        own = [piece for piece in pieces if piece.voice != "quoted"]
        if own:
            record = Record(
                source_file=ctx.source_file, lines=sorted([*author_lines, *(n for p in own for n in p.lines)]),
                text="\n\n".join(p.text for p in own), published_date=published, author=byline,
            )
            yield mark_quoted(record, reposted) if reposted else record
        elif author_lines:
            yield reject(ctx.source_file, [ln for p in paras for ln in p.lines if ln.number in author_lines],
                         "byline or source line without text")

    def _quoted(
        self, body: str, previous: str, hinted: list[dict[str, Any]], ctx: ReadContext
    ) -> tuple[bool, str | None]:
        for hint in hinted:
            start = str(hint.get("starts_with", ""))
            if start and fold(body).startswith(fold(start)):
                return True, hint.get("quoted_from")
        if agency := dateline_source(body, ctx.outlets):
            return True, ctx.outlets.lookup(agency).slug
        if previous.rstrip().endswith(":") and len(body.split()) >= self.min_quote_words:
            named = ctx.outlets.mentioned_in(previous)
            return True, named.slug if named else None
        return False, None



