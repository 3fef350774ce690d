"""Tables researchers already have: CSV, TSV, JSON Lines and Parquet, one document per row.

Columns are found by name (case-insensitive) from the lists below, which cover generic exports, Media Cloud story
exports (``stories_id, publish_date, title, url, media_name`` …) and GDELT-style article lists
(``DATE, SourceCommonName, DocumentIdentifier`` …). A manifest entry's ``columns:`` mapping overrides any of them,
e.g. ``columns: {text: body, outlet: site}``. A row without text goes to the ledger (Media Cloud and GDELT lists
often carry only metadata: join the texts first). Rows are numbered from 1 after the header in ``source_lines``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from framing.ingest.base import ReadContext, Record, Reject, Unit, excerpt

COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "text": ("text", "content", "body", "full_text", "story_text", "article_text", "fulltext", "maintext"),
    "title": ("title", "headline", "story_title"),
    "outlet": ("outlet", "media_name", "source", "sourcecommonname", "publisher", "media", "site", "domain",
               "outlet_name", "source_name"),
    "published_date": ("published_date", "publish_date", "date", "pub_date", "publication_date", "published",
                       "sqldate", "datetime"),
    "url": ("url", "link", "documentidentifier", "sourceurl", "story_url"),
}
_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y%m%d%H%M%S", "%Y%m%d", "%d/%m/%Y",
                 "%m/%d/%Y")


def parse_date(value: Any) -> str | None:
    """An ISO date from the common export formats, or None.

    >>> parse_date("2019-01-24 10:31:00"), parse_date("20190124103100"), parse_date("2026-01-05T08:00:00Z")
    ('2019-01-24', '2019-01-24', '2026-01-05')
    >>> parse_date("yesterday") is None
    True
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    text = re.sub(r"(\.\d+)?(Z|[+-]\d{2}:?\d{2})$", "", text)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


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


def read_table_bytes(data: bytes, kind: str) -> pd.DataFrame:
    """Parse a table of ``kind`` (csv, tsv, jsonl, parquet) into strings."""
    if kind == "parquet":
        return pd.read_parquet(io.BytesIO(data)).astype(object)
    text = data.decode("utf-8-sig", errors="replace")
    if kind == "jsonl":
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        if not all(isinstance(r, dict) for r in rows):
            raise ValueError("JSON Lines rows must be objects")
        return pd.DataFrame(rows).astype(object)
    sep = "\t" if kind == "tsv" else ","
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, quoting=csv.QUOTE_MINIMAL)


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
        """Yield one record or reject per data row."""
        try:
            table = read_table_bytes(data, kind)
        except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
            yield Reject(ctx.source_file, [], f"unreadable {kind} table: {exc}", "")
            return
        yield from table_units(table, ctx)


def table_units(table: pd.DataFrame, ctx: ReadContext, *, first_row: int = 1) -> Iterator[Unit]:
    """One record or reject per row of a parsed table (or of one batch of it: rows number from ``first_row``)."""
    cols = resolve_columns([str(c) for c in table.columns], ctx.hints.get("columns"))
    if cols["text"] is None:
        for i, values in enumerate(table.itertuples(index=False, name=None), first_row):
            yield Reject(ctx.source_file, [i], f"no text column (found {list(table.columns)[:8]})",
                         excerpt(" | ".join(str(v) for v in values[:4])))
        return
    records: list[dict[str, Any]] = [{str(k): v for k, v in r.items()} for r in table.to_dict(orient="records")]
    for i, row in enumerate(records, first_row):
        text = row.get(cols["text"])
        if text is None or (isinstance(text, float) and pd.isna(text)) or not str(text).strip():
            yield Reject(ctx.source_file, [i], "row without text", excerpt(str(row.get(cols["title"] or "", ""))))
            continue

        def field(name: str, row: dict[str, Any] = row) -> str | None:
            col = cols[name]
            value = row.get(col) if col else None
            return None if value is None or str(value).strip() in ("", "nan", "None") else str(value).strip()

        yield Record(source_file=ctx.source_file, lines=[i], text=str(text), outlet=field("outlet"),
                     title=field("title"), published_date=parse_date(field("published_date")),
                     extra={"url": field("url")} if field("url") else {})


def iter_table_batches(path: Path, kind: str, *, rows: int) -> Iterator[pd.DataFrame]:
    """A table file of ``kind`` as successive DataFrames of at most ``rows`` rows.

    Each batch is parsed as :func:`read_table_bytes` parses a whole file; the chunked engine reads big tables
    this way, so memory stays at one batch.

    A batch resolves its columns on its own: a JSON Lines batch in which no row has a text key rejects its rows
    as "no text column" where the whole file would reject them as "row without text".
    """
    if kind == "parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
            yield batch.to_pandas().astype(object)
        return
    if kind == "jsonl":
        with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
            pending: list[dict[str, Any]] = []
            for line in _lines(handle):
                if not line.strip():
                    continue
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError("JSON Lines rows must be objects")
                pending.append(row)
                if len(pending) == rows:
                    yield pd.DataFrame(pending).astype(object)
                    pending = []
            if pending:
                yield pd.DataFrame(pending).astype(object)
        return
    sep = "\t" if kind == "tsv" else ","
    yield from pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, quoting=csv.QUOTE_MINIMAL,
                           encoding="utf-8-sig", encoding_errors="replace", chunksize=rows)


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
