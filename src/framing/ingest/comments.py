"""Comment threads exported as JSON: one ``forum_comment`` document per comment, with its parent and depth.

Two shapes are read: a list of comment objects, and an object whose ``comments`` list holds them (the object's
``title``, ``outlet``/``site``/``forum`` and ``url`` then apply to every comment). Replies nest in a ``replies``
or ``children`` list (Reddit-like and Disqus-like exports); a flat list can instead name each comment's parent
with ``parent_id`` or ``parent`` (a parent that is not in the file, such as the post itself, makes a top-level
comment). Fields are found by their common names (:data:`FIELD_NAMES`); dates may be epoch seconds (or
milliseconds) or ISO strings. A comment without an id gets its path in the tree (``#2.1`` is the first reply
to the second top-level comment). Comments are numbered depth-first from 1 in ``source_lines``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from framing.ingest.base import ReadContext, Record, Reject, Unit, excerpt
from framing.ingest.dates import parse_date
from framing.ingest.markup import html_to_text, looks_like_html
from framing.ingest.tabular import sniff_table

FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "comment_id", "commentid", "cid"),
    "text": ("body", "text", "content", "message", "raw_message", "comment", "body_html", "html"),
    "author": ("author", "user", "username", "author_name", "user_name", "by"),
    "published_date": ("created_utc", "created", "created_at", "createdat", "date", "timestamp", "time",
                       "published", "posted"),
    "parent_id": ("parent_id", "parent", "parentid", "in_reply_to", "reply_to"),
    "replies": ("replies", "children"),
}
THREAD_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "thread_title", "thread"),
    "outlet": ("outlet", "site", "forum", "source", "publisher", "sitename"),
    "url": ("url", "link", "thread_url"),
}
DELETED_BODIES = frozenset({"[deleted]", "[removed]", "[deleted by user]", "[comment deleted]",
                            "[removed by moderator]"})
_DELETED_FLAGS = ("deleted", "is_deleted", "isdeleted", "removed", "is_removed")
_JSONISH = re.compile(rb"\s*(?:\[\s*)*\{\s*\"")


def _get(obj: dict[str, Any], names: tuple[str, ...]) -> Any:
    lower = {str(k).lower(): v for k, v in obj.items()}
    return next((lower[n] for n in names if lower.get(n) not in (None, "")), None)


def _has(obj: dict[str, Any], field: str) -> bool:
    return any(str(k).lower() in FIELD_NAMES[field] for k in obj)


def locate_comments(value: Any) -> tuple[list[Any], dict[str, Any]] | str:
    """The top-level comment list and the thread's own fields, or the reason ``value`` is not a thread.

    >>> locate_comments({"title": "Venezuela", "comments": [{"id": 1, "body": "Hi"}]})[0]
    [{'id': 1, 'body': 'Hi'}]
    >>> locate_comments([{"title": "An article", "text": "Body", "author": "A. Writer"}])
    'JSON list of objects with titles but no replies or parents (articles?)'
    """
    if isinstance(value, dict):
        found = _get(value, ("comments",))
        if isinstance(found, list):
            return found, value
        if isinstance(value.get("comments"), list):  # an empty list
            return [], value
        return f"JSON object without a 'comments' list (keys: {sorted(map(str, value))[:8]})"
    if not isinstance(value, list):
        return f"JSON {type(value).__name__}, not a list of comments"
    objects = [v for v in value if isinstance(v, dict)]
    if not objects:
        return "JSON list without comment objects"
    if not any(_has(o, "text") for o in objects):
        return f"JSON objects without a comment text field (one of {', '.join(FIELD_NAMES['text'])})"
    threaded = any(_has(o, "replies") or _has(o, "parent_id") for o in objects)
    if not threaded and any("title" in o for o in objects):
        return "JSON list of objects with titles but no replies or parents (articles?)"
    if not threaded and not any(_has(o, "author") for o in objects):
        return "JSON list of objects without authors, replies or parents"
    return value, {}


def sniff_comments(data: bytes, *, suffix: str = "") -> float:
    """How sure it is that ``data`` is a comment thread in JSON (JSON Lines are tables, not threads).

    >>> sniff_comments(b'{"comments": [{"id": "a1", "author": "x", "body": "Hello"}]}')
    1.0
    >>> sniff_comments(b'{"title": "row", "text": "a table row"}\\n{"title": "row 2", "text": "b"}\\n')
    0.0
    >>> sniff_comments(b'[{"id": 1, "body": "cut off', suffix=".json"), sniff_comments(b"[Updated] Caracas")
    (0.6, 0.0)
    """
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith((b"{", b"[")):
        return 0.0
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        if sniff_table(data) == "jsonl":
            return 0.0
        return 0.6 if suffix.lower() == ".json" or _JSONISH.match(data[:64]) else 0.0
    if not isinstance(locate_comments(value), str):
        return 1.0
    if sniff_table(data) == "jsonl":  # a one-line object that is no thread: a one-row table
        return 0.0
    return 0.6 if isinstance(value, list | dict) else 0.0


def comment_date(value: Any) -> str | None:
    """An ISO date from epoch seconds or milliseconds (UTC) or a date string.

    >>> comment_date(1556668800), comment_date("1556668800000"), comment_date("2019-05-01T09:00:00+02:00")
    ('2019-05-01', '2019-05-01', '2019-05-01')
    >>> comment_date("soon") is None
    True
    """
    if value is None or isinstance(value, bool):
        return None
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and re.fullmatch(r"\d{9,13}(\.\d+)?", value.strip()):
        number = float(value)
    if number is not None:
        if number > 1e11:
            number /= 1000
        try:
            return datetime.fromtimestamp(number, tz=UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    iso = parse_date(value)
    if iso:
        return iso
    try:
        return datetime.fromisoformat(str(value).strip()).date().isoformat()
    except ValueError:
        return None


def _date_or_raw(value: Any) -> str | None:
    """The comment's ISO date, else its raw value as text (read_file blanks and counts it as unreadable)."""
    iso = comment_date(value)
    if iso or value is None or isinstance(value, dict | list):
        return iso
    return str(value)


def _author(value: Any) -> str | None:
    if isinstance(value, dict):  # Disqus: {"name": ..., "username": ...}
        value = _get(value, ("name", "username", "display_name"))
    return str(value).strip() if value not in (None, "") else None


def _replies(value: Any) -> list[Any] | None:
    """The reply list of a ``replies`` value: a list, or a listing object holding one; None if unreadable."""
    for _ in range(3):
        if isinstance(value, list):
            return value
        if value in (None, ""):
            return []
        if not isinstance(value, dict):
            return None
        inner = _get(value, ("children", "comments", "replies", "data"))
        value = inner if inner is not None else []
    return value if isinstance(value, list) else None


def _body(obj: dict[str, Any]) -> str:
    value = _get(obj, FIELD_NAMES["text"])
    if value is None or isinstance(value, dict | list):
        return ""
    text = str(value)
    return html_to_text(text) if looks_like_html(text) else text.strip()


class CommentThreadReader:
    """Reads JSON comment threads: one record per comment; deleted and empty comments go to the ledger."""

    name = "comments"

    def sniff(self, data: bytes, *, suffix: str = "") -> float:
        """Score the bytes (see :func:`sniff_comments`)."""
        return sniff_comments(data, suffix=suffix)

    def read_bytes(self, data: bytes, ctx: ReadContext) -> Iterator[Unit]:
        """Yield one record or reject per comment, or one reject for a file that is not a comment thread."""
        head = excerpt(data[:200].decode("utf-8", errors="replace"))
        try:
            value = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            yield Reject(ctx.source_file, [], f"unreadable comment thread: not UTF-8 ({exc.reason})", head)
            return
        except json.JSONDecodeError as exc:
            yield Reject(ctx.source_file, [], f"invalid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})",
                         head)
            return
        except RecursionError:
            yield Reject(ctx.source_file, [], "invalid JSON: nested too deeply", head)
            return
        found = locate_comments(value)
        if isinstance(found, str):
            yield Reject(ctx.source_file, [], f"not a comment thread: {found}; expected a list of comment objects "
                         "or {\"comments\": [...]}", head)
            return
        comments, thread = found
        if not comments:
            yield Reject(ctx.source_file, [], "comment thread without comments", head)
            return
        yield from self._read_tree(comments, thread, ctx)

    def _read_tree(self, comments: list[Any], thread: dict[str, Any], ctx: ReadContext) -> Iterator[Unit]:
        title = _get(thread, THREAD_FIELDS["title"])
        outlet = _get(thread, THREAD_FIELDS["outlet"])
        url = _get(thread, THREAD_FIELDS["url"])
        units: list[Unit] = []
        ids: dict[str, int] = {}  # comment id -> index in units
        tree_parent: dict[int, int | None] = {}
        flat_parent: dict[int, str] = {}
        notes: list[Reject] = []
        # Depth-first, in document order, without recursion (threads can nest deeply).
        stack: list[tuple[Any, tuple[int, ...], int | None]] = [
            (c, (i,), None) for i, c in reversed(list(enumerate(comments, 1)))]
        while stack:
            node, path, parent = stack.pop()
            n = len(units) + 1
            where = "#" + ".".join(map(str, path))
            if not isinstance(node, dict):
                units.append(Reject(ctx.source_file, [n], f"not a comment object ({type(node).__name__})",
                                    excerpt(json.dumps(node, ensure_ascii=False, default=str)[:200])))
                continue
            raw_id = _get(node, FIELD_NAMES["id"])
            cid = str(raw_id) if raw_id is not None and not isinstance(raw_id, dict | list) else where
            if cid in ids:
                cid = f"{cid}{where}"
            ids[cid] = len(units)
            tree_parent[len(units)] = parent
            raw_parent = _get(node, FIELD_NAMES["parent_id"])
            if parent is None and raw_parent is not None and not isinstance(raw_parent, dict | list):
                flat_parent[len(units)] = str(raw_parent)
            replies = _replies(_get(node, FIELD_NAMES["replies"]))
            me = len(units)
            units.append(self._unit(node, n, cid, ctx, title=title, outlet=outlet, url=url))
            if replies is None:
                notes.append(Reject(ctx.source_file, [], f"replies of comment {cid} unreadable (expected a list)",
                                    excerpt(repr(_get(node, FIELD_NAMES["replies"]))[:200])))
            for j, child in reversed(list(enumerate(replies or [], 1))):
                stack.append((child, (*path, j), me))
        self._link(units, ids, tree_parent, flat_parent)
        yield from units
        yield from notes

    @staticmethod
    def _unit(node: dict[str, Any], n: int, cid: str, ctx: ReadContext, *, title: Any, outlet: Any, url: Any
              ) -> Unit:
        text = _body(node)
        raw = str(_get(node, FIELD_NAMES["text"]) or "").strip()
        flagged = any(node.get(k) is True or str(node.get(k)).lower() == "true"
                      for k in node if str(k).lower() in _DELETED_FLAGS)
        author = _author(_get(node, FIELD_NAMES["author"]))
        who = f"{author or 'anonymous'} ({cid})"
        if flagged or raw.lower() in DELETED_BODIES:
            return Reject(ctx.source_file, [n], "deleted or removed comment", excerpt(f"{who}: {raw}"))
        if not text:
            return Reject(ctx.source_file, [n], "comment without text", excerpt(who))
        extra: dict[str, Any] = {"comment_id": cid, "author": author}
        if url:
            extra["url"] = str(url)
        return Record(source_file=ctx.source_file, lines=[n], text=text,
                      outlet=str(outlet) if outlet is not None else None, source_kind="forum_comment",
                      voice="author", title=str(title) if title is not None else None,
                      published_date=_date_or_raw(_get(node, FIELD_NAMES["published_date"])), author=author,
                      extra=extra)

    @staticmethod
    def _link(units: list[Unit], ids: dict[str, int], tree_parent: dict[int, int | None],
              flat_parent: dict[int, str]) -> None:
        """Fill each record's ``parent_id`` (the parent's comment id) and ``depth`` (0 for top level)."""
        parent_of: dict[int, int | None] = dict(tree_parent)
        for i, raw in flat_parent.items():
            target = ids.get(raw, ids.get(raw.removeprefix("t1_")))  # Reddit parents read "t1_<id>"
            parent_of[i] = target if target is not None and target != i else None
        depth: dict[int, int] = {}
        for i in parent_of:
            chain: list[int] = []
            j: int | None = i
            while j is not None and j not in depth and j not in chain:
                chain.append(j)
                j = parent_of.get(j)
            if j is not None and j in chain:  # a cycle of parents: its last comment becomes top level
                parent_of[chain[-1]] = None
                j = None
            base = depth[j] if j is not None else -1
            for k in reversed(chain):
                base += 1
                depth[k] = base
        id_of = {i: cid for cid, i in ids.items()}
        for i, unit in enumerate(units):
            if isinstance(unit, Record) and i in parent_of:
                parent = parent_of[i]
                unit.extra["parent_id"] = id_of[parent] if parent is not None else None
                unit.extra["depth"] = depth[i]
