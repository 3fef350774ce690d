"""Tables researchers already have: CSV, TSV, JSON Lines and Parquet, one document per row.

Columns are found by name (case-insensitive) from the lists below, which cover generic exports, Media Cloud story
exports (``stories_id, publish_date, title, url, media_name`` …) and GDELT-style article lists
(``DATE, SourceCommonName, DocumentIdentifier`` …). A manifest entry's ``columns:`` mapping overrides any of them,
e.g. ``columns: {text: body, outlet: site}``. A row without text goes to the ledger (Media Cloud and GDELT lists
often carry only metadata: join the texts first). Rows are numbered from 1 after the header in ``source_lines``.
An ``author``/``byline``/``authors`` column gives ``author`` (a byline's "By" dropped, a list of names joined with
", "); a source line opening or closing the text ("Source: Reuters") makes the row a repost.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd

from framing.ingest.base import ReadContext, Record, Reject, Unit, excerpt
from framing.ingest.boilerplate import byline_name
from framing.ingest.dates import check_date
from framing.ingest.reposts import credit_text

COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "text": ("text", "content", "body", "full_text", "story_text", "article_text", "fulltext", "maintext"),
    "title": ("title", "headline", "story_title"),
    "outlet": ("outlet", "media_name", "source", "sourcecommonname", "publisher", "media", "site", "domain",
               "outlet_name", "source_name"),
    "published_date": ("published_date", "publish_date", "date", "pub_date", "publication_date", "published",
                       "sqldate", "datetime"),
    "url": ("url", "link", "documentidentifier", "sourceurl", "story_url"),
    "author": ("author", "byline", "authors", "author_name", "creator", "writer"),
}
def resolve_columns(columns: list[str], mapping: dict[str, str] | None = None) -> dict[str, str | None]:
    """Which column holds each field: the manifest's mapping first, then the known names.

    >>> resolve_columns(["stories_id", "publish_date", "title", "url", "media_name"])["outlet"]
    'media_name'
    """
    lower = {c.lower(): c for c in columns}
    out: dict[str, str | None] = {}
    for field, names in COLUMN_NAMES.items():
        if mapping and field in mapping:
            if mapping[field] not in columns:
                raise ValueError(f"column mapping names {mapping[field]!r} for {field}, but the file has {columns}")
            out[field] = mapping[field]
        else:
            out[field] = next((lower[n] for n in names if n in lower), None)
    return out


@dataclass
class ParsedTable:
    """A parsed table: its rows, their numbers (from 1 after the header) and the rows that could not be parsed."""

    table: pd.DataFrame
    numbers: list[int]
    bad_rows: list[tuple[int, str, str]] = dataclass_field(default_factory=list)  # (row number, reason, excerpt)


def read_table_bytes(data: bytes, kind: str) -> pd.DataFrame:
    """Parse a table of ``kind`` (csv, tsv, jsonl, parquet) into strings; rows that cannot be parsed are left out.

    :func:`parse_table` also says which rows were left out and why.
    """
    return parse_table(data, kind).table


def parse_table(data: bytes, kind: str) -> ParsedTable:
    """Parse a table of ``kind`` (csv, tsv, jsonl, parquet), keeping the rows that cannot be parsed apart.

    A JSON Lines line that is not a JSON object, and a CSV/TSV row with more fields than the header, is a bad row
    (a row with fewer fields gets empty ones); the other rows are read as usual. Blank lines are no rows.

    Raises:
        ValueError: if the file as a whole is unreadable (no header, broken Parquet).

    >>> parsed = parse_table(b'{"text": "a"}\\n[1, 2]\\n{"text": \\n', "jsonl")
    >>> parsed.numbers, [(n, reason) for n, reason, _ in parsed.bad_rows]
    ([1], [(2, 'JSON Lines row is a list, not an object'), (3, 'invalid JSON Lines row: Expecting value (column 10)')])
    >>> parse_table(b"title,text\\nA,one\\nB,two,extra\\n", "csv").bad_rows
    [(2, 'row has 3 fields, the header has 2', 'B,two,extra')]
    """
    if kind == "parquet":
        table = pd.read_parquet(io.BytesIO(data)).astype(object)
        return ParsedTable(table, list(range(1, len(table) + 1)))
    text = data.decode("utf-8-sig", errors="replace")
    if kind == "jsonl":
        return _json_lines_rows([ln for ln in text.splitlines() if ln.strip()])
    return _parse_csv_rows(text, "\t" if kind == "tsv" else ",")


def _json_lines_rows(lines: list[str], *, first: int = 1) -> ParsedTable:
    """Non-blank JSON Lines lines, numbered from ``first``."""
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    bad: list[tuple[int, str, str]] = []
    for n, line in enumerate(lines, first):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append((n, f"invalid JSON Lines row: {exc.msg} (column {exc.colno})", excerpt(line[:200])))
            continue
        except RecursionError:
            bad.append((n, "invalid JSON Lines row: nested too deeply", excerpt(line[:200])))
            continue
        if not isinstance(row, dict):
            bad.append((n, f"JSON Lines row is a {_json_type(row)}, not an object", excerpt(line[:200])))
            continue
        rows.append(row)
        numbers.append(n)
    return ParsedTable(pd.DataFrame(rows).astype(object), numbers, bad)


def _json_type(value: Any) -> str:
    names = {list: "list", str: "string", bool: "boolean", int: "number", float: "number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


# One CSV field may hold a whole long article: no limit below the document length limit's order of magnitude.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

_CsvItem = tuple[list[str] | None, str | None, int, int]  # (fields or None, error or None, first line, last line)


def _csv_items(handle: Iterable[str], sep: str) -> Iterator[_CsvItem]:
    """Rows of a CSV/TSV text, strictly parsed: a row the csv module cannot read is an item with its error.

    Not lenient parsing: given an unterminated quote, the csv module's default mode swallows the rest of the file
    into one field without a word; strict mode says so (``unexpected end of data``) and the rows go to the ledger.
    Blank lines are no rows.
    """
    reader = csv.reader(handle, delimiter=sep, strict=True)
    last = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield None, str(exc), last + 1, reader.line_num
        else:
            if fields:
                yield fields, None, last + 1, reader.line_num
        last = reader.line_num


def _parse_csv_rows(text: str, sep: str) -> ParsedTable:
    """Row by row with the csv module: rows longer than the header are bad rows, shorter ones are padded.

    Not pandas: given a first row with one field more than the header, ``read_csv`` silently takes the first
    column for an index and shifts every row one column to the left (and others drop the extra fields).

    >>> parsed = _parse_csv_rows('title,text\\nA,"one\\nB,two\\n', ",")
    >>> parsed.numbers, [reason for _, reason, _ in parsed.bad_rows]
    ([], ['malformed CSV row (unexpected end of data) on lines 2-3: an unclosed quote swallows what follows'])
    """
    items = list(_csv_items(io.StringIO(text, newline=""), sep))
    if not items:
        raise ValueError("no header row")
    return _csv_rows(items[0], items[1:], sep)


def _csv_rows(header_item: _CsvItem, body: list[_CsvItem], sep: str, *, first: int = 1) -> ParsedTable:
    """Data rows under a header, numbered from ``first``: unreadable and too-long rows are bad rows, short ones padded.

    An unreadable row's reason names its lines in the file (a streamed batch has no text to quote from).

    Raises:
        ValueError: if the header itself cannot be read.

    """
    header, error, _, _ = header_item
    if header is None:
        raise ValueError(f"unreadable CSV header: {error}")
    rows: list[list[str]] = []
    numbers: list[int] = []
    bad: list[tuple[int, str, str]] = []
    for n, (fields, error, start, end) in enumerate(body, first):
        if fields is None:
            tail = ": an unclosed quote swallows what follows" if error == "unexpected end of data" else ""
            bad.append((n, f"malformed CSV row ({error}) on lines {start}-{end}{tail}", ""))
            continue
        if len(fields) > len(header):
            bad.append((n, f"row has {len(fields)} fields, the header has {len(header)}",
                        excerpt(sep.join(fields)[:200])))
            continue
        rows.append(fields + [""] * (len(header) - len(fields)))
        numbers.append(n)
    columns = _unique(header)
    return ParsedTable(pd.DataFrame(rows, columns=columns, dtype=object), numbers, bad)


def _unique(names: list[str]) -> list[str]:
    """Column names made unique as pandas makes them (``a``, ``a.1``, ...), never repeating one already there.

    >>> _unique(["a", "a", "a.1", "b"])
    ['a', 'a.2', 'a.1', 'b']
    """
    taken = set(names)
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name in seen:
            k = seen[name] + 1
            while f"{name}.{k}" in taken:
                k += 1
            seen[name] = k
            taken.add(f"{name}.{k}")
            out.append(f"{name}.{k}")
        else:
            seen[name] = 0
            out.append(name)
    return out


_FIRST_LINE_LIMIT = 16 * 1024 * 1024


def sniff_table(data: bytes) -> str | None:
    """The table kind of raw bytes, or None if they are not a table this reader handles."""
    if data.startswith(b"PAR1"):
        return "parquet"
    # the whole first line: a JSON Lines row holding a long article is easily longer than any fixed prefix
    end = data.find(b"\n", 0, _FIRST_LINE_LIMIT)
    head = data[:end if end >= 0 else _FIRST_LINE_LIMIT].decode("utf-8-sig", errors="replace")
    first = head.splitlines()[0] if head.strip() else ""
    if first.startswith("{") and first.rstrip().endswith("}"):
        try:
            json.loads(first)
            return "jsonl"
        except ValueError:
            return None
    for kind, sep in (("tsv", "\t"), ("csv", ",")):
        cells = [c.strip().strip('"').lower() for c in first.split(sep)]
        if len(cells) >= 2 and any(c in names for names in COLUMN_NAMES.values() for c in cells):
            return kind
    return None


class TableReader:
    """Reads CSV, TSV, JSON Lines and Parquet files with one document per row."""

    name = "table"

    def read_rows(self, data: bytes, kind: str, ctx: ReadContext) -> Iterator[Unit]:
        """Yield one record or reject per data row (one reject for a table without rows or unreadable as a whole)."""
        try:
            parsed = parse_table(data, kind)
        except (ValueError, pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
            yield Reject(ctx.source_file, [], f"unreadable {kind} table: {str(exc).strip()}", "")
            return
        bad = [Reject(ctx.source_file, [n], reason, text) for n, reason, text in parsed.bad_rows]
        if not parsed.numbers and not bad:
            columns = list(parsed.table.columns)[:8]
            yield Reject(ctx.source_file, [], f"{kind} table without data rows (columns: {columns})", "")
            return
        units = [*table_units(parsed.table, ctx, numbers=parsed.numbers), *bad]
        yield from sorted(units, key=lambda u: u.lines[0])


def table_units(table: pd.DataFrame, ctx: ReadContext, *, first_row: int = 1,
                numbers: list[int] | None = None) -> Iterator[Unit]:
    """One record or reject per row of a parsed table (or of one batch of it: rows number from ``first_row``).

    ``numbers``, when given, are the rows' numbers (a table whose bad rows were left out). A date that cannot be
    read, or lies in the future, is blanked, and the reason kept in the record's ``extra["date_problem"]``
    (see :func:`framing.ingest.dates.check_date`).
    """
    numbers = numbers if numbers is not None else list(range(first_row, first_row + len(table)))
    cols = resolve_columns([str(c) for c in table.columns], ctx.hints.get("columns"))
    if cols["text"] is None:
        for i, values in zip(numbers, table.itertuples(index=False, name=None), strict=True):
            yield Reject(ctx.source_file, [i], f"no text column (found {list(table.columns)[:8]})",
                         excerpt(" | ".join(str(v) for v in values[:4])))
        return
    records: list[dict[str, Any]] = [{str(k): v for k, v in r.items()} for r in table.to_dict(orient="records")]
    for i, row in zip(numbers, records, strict=True):
        text = row.get(cols["text"])
        if text is None or (isinstance(text, float) and pd.isna(text)) or not str(text).strip():
            yield Reject(ctx.source_file, [i], "row without text", excerpt(str(row.get(cols["title"] or "", ""))))
            continue

        def cell(name: str, row: dict[str, Any] = row) -> str | None:
            col = cols[name]
            value = row.get(col) if col else None
            return None if value is None or str(value).strip() in ("", "nan", "None") else str(value).strip()

        published, problem = check_date(cell("published_date"))
        extra: dict[str, Any] = {"url": cell("url")} if cell("url") else {}
        if problem:
            extra["date_problem"] = problem
        record = Record(source_file=ctx.source_file, lines=[i], text=str(text), outlet=cell("outlet"),
                        title=cell("title"), published_date=published, author=_author_cell(row, cols["author"]),
                        extra=extra)
        yield credit_text(record, ctx.outlets)


def _author_cell(row: dict[str, Any], column: str | None) -> str | None:
    """The author a row names: a list of names (JSON Lines, Parquet) joined with ", ", a byline without "By".

    >>> _author_cell({"byline": "By Jane Doe"}, "byline"), _author_cell({"authors": ["A. One", "B. Two"]}, "authors")
    ('Jane Doe', 'A. One, B. Two')
    """
    value = row.get(column) if column else None
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "tolist") and not isinstance(value, str):  # a Parquet list arrives as an array
        value = value.tolist()
    if isinstance(value, list | tuple):
        value = ", ".join(str(v).strip() for v in value if v is not None and str(v).strip())
    text = str(value).strip()
    if text in ("", "nan", "None"):
        return None
    return byline_name(text) or text


def iter_parsed_batches(path: Path, kind: str, *, rows: int) -> Iterator[ParsedTable]:
    """A table file of ``kind`` as successive parsed batches of at most ``rows`` rows (good and bad together).

    Rows are parsed, numbered and judged as :func:`parse_table` does for the whole file (bad JSON Lines rows and
    CSV/TSV rows longer than the header become ``bad_rows``); the chunked engine reads big tables this way, so
    memory stays at one batch.

    A batch resolves its columns on its own: a JSON Lines batch in which no row has a text key rejects its rows
    as "no text column" where the whole file would reject them as "row without text".

    Raises:
        ValueError: if the file as a whole is unreadable (no header row, a CSV quoting error).

    """
    if kind == "parquet":
        import pyarrow.parquet as pq

        done = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
            table = batch.to_pandas().astype(object)
            yield ParsedTable(table, list(range(done + 1, done + 1 + len(table))))
            done += len(table)
        return
    if kind == "jsonl":
        with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
            lines = (ln for ln in _lines(handle) if ln.strip())
            first = 1
            while batch := list(islice(lines, rows)):
                yield _json_lines_rows(batch, first=first)
                first += len(batch)
        return
    sep = "\t" if kind == "tsv" else ","
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        items = _csv_items(handle, sep)
        header = next(items, None)
        if header is None:
            raise ValueError("no header row")
        first = 1
        while batch := list(islice(items, rows)):
            yield _csv_rows(header, batch, sep, first=first)
            first += len(batch)


_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines cuts at


def _lines(handle: io.TextIOBase) -> Iterator[str]:
    """Lines as :meth:`str.splitlines` cuts them, read in blocks.

    A ``\\r\\n`` cut by a block gives an extra empty line, which the readers skip.
    """
    tail = ""
    while block := handle.read(1 << 20):
        parts = (tail + block).splitlines(keepends=True)
        tail = parts.pop() if parts and not parts[-1].endswith(tuple(_BREAKS)) else ""
        yield from (p.rstrip(_BREAKS) for p in parts)
    if tail:
        yield tail
