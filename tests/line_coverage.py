"""Line conservation: every non-blank line of a text file is in exactly one record or reject."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from framing.ingest import Record, Reject
from framing.ingest.base import split_lines


def line_problems(text: str, units: Iterable[Record | Reject]) -> tuple[list[int], list[int], list[int]]:
    """Lines of ``text`` that no unit covers, lines covered twice, and line numbers that are not non-blank lines."""
    wanted = {ln.number for ln in split_lines(text) if not ln.blank}
    counts = Counter(n for u in units for n in set(u.lines))
    missing = wanted - set(counts)
    twice = {n for n, c in counts.items() if c > 1}
    extra = set(counts) - wanted
    return sorted(missing)[:5], sorted(twice)[:5], sorted(extra)[:5]
