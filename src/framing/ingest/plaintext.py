"""Plain text: forum threads (one document per comment or paragraph) and single articles."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator

from framing.ingest.base import ReadContext, Record, Unit, blocks, reject, split_lines
from framing.ingest.boilerplate import boilerplate_reason, byline_name
from framing.ingest.reposts import dateline_source, mark_quoted, source_credit


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
        """Yield one record per paragraph; a leading title line is kept as every comment's title.

        A byline paragraph ("By Jane Doe") is the ``author`` of the comment it heads (the next one; the last one
        when none follows). A source line ("— Bloomberg", "Source: Reuters") makes the comment above it a repost
        (the one below when it comes first).
        """
        paras = blocks(split_lines(text))
        out: list[Unit] = []
        title = None
        if paras and len(paras[0].lines) == 1 and _is_title(paras[0].text):
            title = paras[0].text
            out.append(reject(ctx.source_file, paras[0].lines, "thread title (kept as each comment's title)"))
            paras = paras[1:]
        comments: list[Record] = []
        author: str | None = None
        waiting: list[int] = []  # lines of bylines and leading source lines, for the next comment
        credit: str | None = None
        for para in paras:
            if name := byline_name(para.text):
                author = author or name
                waiting.extend(para.numbers)
                continue
            if found := source_credit(para.text, ctx.outlets):
                if comments:
                    comments[-1].lines.extend(para.numbers)
                    mark_quoted(comments[-1], found.name)
                else:
                    credit = credit or found.name
                    waiting.extend(para.numbers)
                continue
            if reason := boilerplate_reason(para.text):
                out.append(reject(ctx.source_file, para.lines, reason))
                continue
            record = Record(
                source_file=ctx.source_file, lines=[*waiting, *para.numbers], text=para.text, title=title,
                source_kind="forum_comment", author=author,
            )
            if credit or (credit := dateline_source(para.text, ctx.outlets)):
                mark_quoted(record, credit)
            author, waiting, credit = None, [], None
            comments.append(record)
            out.append(record)
        if waiting and comments:  # a byline after the last comment signs it
            comments[-1].lines.extend(waiting)
            comments[-1].author = comments[-1].author or author
        elif waiting:
            out.append(reject(ctx.source_file, [ln for p in paras for ln in p.lines if ln.number in waiting],
                              "byline without a comment"))
        yield from out


class ArticleReader:
    """Reads a plain-text file as one article; the fallback for text that no other reader claims."""

    name = "plain_article"

    def sniff(self, text: str) -> float:
        """Any non-empty text qualifies, weakly."""
        return 0.05 if text.strip() else 0.0

    def read(self, text: str, ctx: ReadContext) -> Iterator[Unit]:
        """Yield one record; a short first line is the title, a byline paragraph the ``author``.

        A source or republication line ("Source: Reuters", "Originally published by ZeroHedge") or an agency
        dateline opening the text makes the article a repost, quoted from that outlet.
        """
        paras = blocks(split_lines(text))
        title = None
        if len(paras) > 1 and len(paras[0].lines) == 1 and _is_title(paras[0].text):
            title = paras[0].text
        kept: list[int] = []
        body: list[str] = []
        author = credit = None
        for k, para in enumerate(paras):
            if k == 0 and title:
                kept.extend(para.numbers)
                continue
            if (name := byline_name(para.text)) and not author:
                author = name
                kept.extend(para.numbers)
                continue
            if found := source_credit(para.text, ctx.outlets):
                credit = credit or found.name
                kept.extend(para.numbers)
                continue
            if reason := boilerplate_reason(para.text):
                yield reject(ctx.source_file, para.lines, reason)
                continue
            kept.extend(para.numbers)
            body.append(para.text)
        if body:
            record = Record(source_file=ctx.source_file, lines=kept, text="\n\n".join(body), title=title,
                            author=author)
            if credit or (credit := dateline_source(body[0], ctx.outlets)):
                mark_quoted(record, credit)
            yield record
        elif kept:
            yield reject(ctx.source_file, [ln for p in paras for ln in p.lines if ln.number in kept],
                         "title without text")


def _is_title(text: str) -> bool:
    return len(text.split()) <= 15 and not re.search(r"[.!?]$", text.strip())
