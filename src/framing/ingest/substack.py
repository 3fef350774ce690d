"""Blog posts (Substack and the like) that quote other sources at length.

The author's own paragraphs form one document (voice ``author``). Quoted blocks become documents of their own
(voice ``quoted``), with ``quoted_from`` set where the text names the source. A paragraph is quoted when

- it opens with a news-agency dateline such as ``TEHRAN, Jan. 04 (MNA) –`` (source: the agency);
- it follows a paragraph ending in ":" and is long (``min_quote_words``) — the usual "Here:" lead-in
  (source: an outlet named in the lead-in, if any);
- the file's manifest entry lists it under ``quoted_blocks`` (``starts_with`` and optional ``quoted_from``).

Embedded previews of other posts ("… Read full story") go to the ledger.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from framing.ingest.base import ReadContext, Record, Unit, blocks, reject, split_lines
from framing.ingest.boilerplate import boilerplate_reason

_HEADER_DATE = re.compile(r"^\s*date\s+(?P<date>\d{4}-\d{2}-\d{2})\s*")
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z .'-]{2,}),\s+(?P<when>[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?)\s+"
    r"\((?P<agency>[A-Za-z][\w .&-]{1,30})\)\s*[–—-]"
)


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
        """Yield the author's document and one document per quoted block."""
        paras = blocks(split_lines(text))
        published = None
        if paras and (m := _HEADER_DATE.match(paras[0].lines[0].text)):
            published = m["date"]
        hinted: list[dict[str, Any]] = list(ctx.hints.get("quoted_blocks") or [])
        author_lines: list[int] = []
        author_text: list[str] = []
        previous = ""
        for k, para in enumerate(paras):
            body = para.text
            if k == 0 and published:
                body = _HEADER_DATE.sub("", body, count=1)
            if reason := boilerplate_reason(body):
                yield reject(ctx.source_file, para.lines, reason)
                continue
            quoted, source = self._quoted(body, previous, hinted, ctx)
            if quoted:
                yield Record(
                    source_file=ctx.source_file, lines=para.numbers, text=body, voice="quoted",
                    source_kind="quoted", quoted_from=source, published_date=published,
                )
            else:
                author_lines.extend(para.numbers)
                author_text.append(body)
            previous = body
        if author_text:
            yield Record(
                source_file=ctx.source_file, lines=author_lines, text="\n\n".join(author_text),
                published_date=published,
            )

    def _quoted(
        self, body: str, previous: str, hinted: list[dict[str, Any]], ctx: ReadContext
    ) -> tuple[bool, str | None]:
        for hint in hinted:
            start = str(hint.get("starts_with", ""))
            if start and _fold(body).startswith(_fold(start)):
                return True, hint.get("quoted_from")
        if m := _DATELINE.match(body):
            agency = ctx.outlets.lookup(m["agency"].strip())
            return True, agency.slug
        if previous.rstrip().endswith(":") and len(body.split()) >= self.min_quote_words:
            named = ctx.outlets.mentioned_in(previous)
            return True, named.slug if named else None
        return False, None


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("‘", "'")).strip().lower()


