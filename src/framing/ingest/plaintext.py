"""Plain text: forum threads (one document per comment or paragraph) and single articles."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator

from framing.ingest.base import ReadContext, Record, Unit, blocks, reject, split_lines
from framing.ingest.boilerplate import boilerplate_reason


class ForumReader:
    """Reads a forum thread saved as text: an optional title line, then one paragraph per comment.

    Saved threads rarely keep comment boundaries, so each paragraph becomes one ``forum_comment`` document
    (a comment of several paragraphs becomes several documents). Content tells a thread from an article by
    its many short paragraphs; ``reader: forum_thread`` in the manifest settles it for any file.
    """

    name = "forum_thread"

    def sniff(self, text: str) -> float:
        """Score many short paragraphs."""
        paras = [b.text for b in blocks(split_lines(text))]
        if len(paras) < 8:
            return 0.0
        lengths = [len(p.split()) for p in paras]
        if statistics.median(lengths) <= 60 and max(lengths) <= 400:
            return 0.5
        return 0.1

    def read(self, text: str, ctx: ReadContext) -> Iterator[Unit]:
        """Yield one record per paragraph; a leading title line is kept as every comment's title."""
        paras = blocks(split_lines(text))
        title = None
        if paras and len(paras[0].lines) == 1 and _is_title(paras[0].text):
            title = paras[0].text
            yield reject(ctx.source_file, paras[0].lines, "thread title (kept as each comment's title)")
            paras = paras[1:]
        for para in paras:
            if reason := boilerplate_reason(para.text):
                yield reject(ctx.source_file, para.lines, reason)
                continue
            yield Record(
                source_file=ctx.source_file, lines=para.numbers, text=para.text, title=title,
                source_kind="forum_comment",
            )


class ArticleReader:
    """Reads a plain-text file as one article; the fallback for text that no other reader claims."""

    name = "plain_article"

    def sniff(self, text: str) -> float:
        """Any non-empty text qualifies, weakly."""
        return 0.05 if text.strip() else 0.0

    def read(self, text: str, ctx: ReadContext) -> Iterator[Unit]:
        """Yield one record; a short first line is the title."""
        paras = blocks(split_lines(text))
        title = None
        if len(paras) > 1 and len(paras[0].lines) == 1 and _is_title(paras[0].text):
            title = paras[0].text
        kept: list[int] = []
        body: list[str] = []
        for k, para in enumerate(paras):
            if k == 0 and title:
                kept.extend(para.numbers)
                continue
            if reason := boilerplate_reason(para.text):
                yield reject(ctx.source_file, para.lines, reason)
                continue
            kept.extend(para.numbers)
            body.append(para.text)
        if body:
            yield Record(source_file=ctx.source_file, lines=kept, text="\n\n".join(body), title=title)
        elif kept:
            yield reject(ctx.source_file, [ln for p in paras for ln in p.lines if ln.number in kept],
                         "title without text")


def _is_title(text: str) -> bool:
    return len(text.split()) <= 15 and not re.search(r"[.!?]$", text.strip())
