"""What every reader yields: records (future documents) and rejects, each tied to lines of the raw file."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from framing.corpus import DATE_PRECISIONS
from framing.outlets import OutletRegistry

MAX_DOCUMENT_CHARS = 2_000_000  # ~300,000 words: longer "documents" are whole dumps without breaks (ledger)


@dataclass
class Record:
    """One unit of content read from a raw file: it becomes one document.

    ``outlet`` may be a raw name ("PopularResistance.Org"); :mod:`framing.build.pipeline` maps it to a slug.
    """

    source_file: str
    lines: list[int]  # 1-based line numbers in the raw file that this unit covers
    text: str
    outlet: str | None = None
    via: str | None = None
    source_kind: str | None = None
    voice: str = "author"
    quoted_from: str | None = None
    title: str | None = None
    published_date: str | None = None
    author: str | None = None  # the name a byline or author field gives, as written ("Jane Doe"), without "By"
    date_precision: str | None = None  # day, month or approximate (see DATE_PRECISIONS); None: day when dated
    is_stub: bool = False  # the text is only the headline (the reader knows it); see headline_only
    extra: dict[str, Any] = field(default_factory=dict)


# How exact ``published_date`` is (framing.corpus.DATE_PRECISIONS): ``day`` (the document's own full date),
# ``month`` (a YYYY-MM date, stored as the 1st), ``approximate`` (a day near the real one: a forum thread dated by
# its content, a page's latest update), ``none`` (no date). ``none`` iff the date is missing.
STUB_MAX_WORDS = 12  # a text this short that is part of its title is the headline alone


@dataclass
class Reject:
    """One unit of the raw file that is not content, with the reason."""

    source_file: str
    lines: list[int]
    reason: str
    excerpt: str


Unit = Record | Reject


@dataclass(frozen=True)
class Line:
    """A line of the raw file: its 1-based number and text (line end removed)."""

    number: int
    text: str

    @property
    def blank(self) -> bool:
        """True when the line holds only whitespace."""
        return not self.text.strip()


@dataclass
class Block:
    """Consecutive non-blank lines (a paragraph)."""

    lines: list[Line]

    @property
    def numbers(self) -> list[int]:
        """Line numbers of the block."""
        return [ln.number for ln in self.lines]

    @property
    def text(self) -> str:
        """The block's lines, stripped, joined by newlines."""
        return "\n".join(ln.text.strip() for ln in self.lines)


class ReadContext(Protocol):
    """What a reader gets besides the text: the file name, its manifest hints and the outlet registry."""

    source_file: str
    hints: dict[str, Any]
    outlets: OutletRegistry


class Reader(Protocol):
    """A reader for one raw format, chosen by :func:`framing.ingest.registry.choose_reader`."""

    name: str

    def sniff(self, text: str) -> float:
        """A score in [0, 1]: how sure the reader is that ``text`` is in its format."""
        ...

    def read(self, text: str, ctx: ReadContext) -> Iterator[Unit]:
        """Yield records and rejects that together cover every non-blank line of ``text``."""
        ...


def split_lines(text: str) -> list[Line]:
    """Number the lines of ``text`` from 1."""
    return [Line(i, t) for i, t in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1)]


def blocks(lines: Iterable[Line]) -> list[Block]:
    """Group non-blank lines into paragraphs separated by blank lines."""
    out: list[Block] = []
    current: list[Line] = []
    for line in lines:
        if line.blank:
            if current:
                out.append(Block(current))
                current = []
        else:
            current.append(line)
    if current:
        out.append(Block(current))
    return out


def format_ranges(numbers: Iterable[int]) -> str:
    """Compress line numbers into ranges.

    >>> format_ranges([9, 3, 4, 5, 11, 12])
    '3-5,9,11-12'
    >>> format_ranges([])
    ''
    """
    nums = sorted(set(numbers))
    parts: list[str] = []
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        parts.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
        i = j + 1
    return ",".join(parts)


def parse_ranges(spec: str) -> list[int]:
    """Expand ranges written by :func:`format_ranges`.

    >>> parse_ranges("3-5,9")
    [3, 4, 5, 9]
    """
    out: list[int] = []
    for part in filter(None, spec.split(",")):
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def excerpt(text: str, limit: int = 160) -> str:
    """A one-line excerpt for the rejects ledger.

    >>> excerpt("a\\n b   c", limit=4)
    'a b…'
    """
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def reject(source_file: str, lines: Iterable[Line], reason: str) -> Reject:
    """A reject covering ``lines``."""
    lines = list(lines)
    return Reject(source_file, [ln.number for ln in lines], reason, excerpt(" ".join(ln.text for ln in lines)))


def fold(text: str) -> str:
    """``text`` for loose comparison: curly apostrophes straightened, spaces collapsed, lower case.

    >>> fold("  Venezuela’s   Defense ")
    "venezuela's defense"
    """
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("‘", "'")).strip().lower()


def _bare(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def headline_only(text: str, title: str | None) -> bool:
    """True when ``text`` is only its headline.

    That is: equal to ``title`` but for case, spacing and punctuation, or shorter than :data:`STUB_MAX_WORDS` words
    and part of the title.

    >>> headline_only("Gunshots, molotovs: Skirmishes in Caracas", "Gunshots, molotovs - skirmishes in Caracas!")
    True
    >>> headline_only("Skirmishes in Caracas.", "Gunshots, molotovs: Skirmishes in Caracas")
    True
    >>> headline_only("Skirmishes in Caracas left two dead on Thursday.", "Skirmishes in Caracas")
    False
    >>> headline_only("Skirmishes in Caracas", None)
    False
    """
    if not title:
        return False
    body, head = _bare(text), _bare(title)
    if not body or not head:
        return False
    if body == head:
        return True
    return len(body.split()) < STUB_MAX_WORDS and f" {body} " in f" {head} "


def date_precision(published_date: str | None, given: str | None = None) -> str:
    """The ``date_precision`` of a document.

    ``none`` without a date, else ``given`` when it is one of :data:`DATE_PRECISIONS`, else ``day``.

    >>> date_precision(None, "month"), date_precision("2025-11-01", "month"), date_precision("2019-01-24")
    ('none', 'month', 'day')
    """
    if not published_date:
        return "none"
    return given if given in DATE_PRECISIONS and given != "none" else "day"


def document_fields(record: Record, *, text: str, title: str | None) -> dict[str, Any]:
    """The documents-table columns a record gives besides its text and metadata.

    ``author``, ``date_precision`` and ``is_stub`` (the reader's flag, or :func:`headline_only` of the repaired
    ``text`` and ``title``).

    >>> document_fields(Record("f", [1], "A headline"), text="A headline", title="A headline")
    {'author': None, 'date_precision': 'none', 'is_stub': True}
    """
    return {
        "author": (record.author or "").strip() or None,
        "date_precision": date_precision(record.published_date, record.date_precision),
        "is_stub": bool(record.is_stub or headline_only(text, title)),
    }
