"""The document, sentence and rejects schemas: validation, load and save.

The CSV files a run writes (``tables/documents.csv``, ``sentences.csv``, ``rejects.csv``) are a stable
contract: their columns are exactly those below, in this order.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from framing.safeio import atomic_path

SOURCE_KINDS = ("news", "opinion", "editorial_comment", "blog", "forum_comment", "quoted")
VOICES = ("author", "quoted")
# How exact published_date is: the document's own day, a month (stored as its 1st), a day near the real one, no date.
DATE_PRECISIONS = ("day", "month", "approximate", "none")

DOCUMENT_COLUMNS: dict[str, str] = {
    "doc_id": "string",
    "outlet": "string",
    "outlet_name": "string",
    "via": "string",
    "source_kind": "string",
    "voice": "string",
    "quoted_from": "string",
    "title": "string",
    "published_date": "string",  # ISO 8601 date (YYYY-MM-DD) or missing
    "text": "string",
    "n_words": "int64",
    "lang": "string",
    "source_file": "string",
    "source_lines": "string",  # line ranges in the raw file, e.g. "3-5,9"
    "duplicate_of": "string",
    "parent_id": "string",  # doc_id of the comment this one replies to (comment threads), else missing
    "depth": "Int64",  # 0 for a top-level comment, 1 for a reply, ...; missing outside comment threads
    "author": "string",  # the byline's or author field's name as written, without "By"; missing when none
    "date_precision": "string",  # day, month (a YYYY-MM date, stored as the 1st), approximate, or none (no date)
    "is_stub": "boolean",  # the text is only the headline: kept, but left out of comparisons
}
# Columns added after the first release: a table written before them (a cached run) gets them, empty.
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "documents": ("parent_id", "depth", "author", "date_precision", "is_stub"),
}
SENTENCE_COLUMNS: dict[str, str] = {
    "doc_id": "string",
    "sent_idx": "int64",
    "char_start": "int64",
    "char_end": "int64",
    "text": "string",
    "voice": "string",
}
REJECT_COLUMNS: dict[str, str] = {
    "source_file": "string",
    "source_lines": "string",  # missing for a reject of the whole file (empty, binary, unreadable)
    "reason": "string",
    "excerpt": "string",
}
SCHEMAS = {"documents": DOCUMENT_COLUMNS, "sentences": SENTENCE_COLUMNS, "rejects": REJECT_COLUMNS}
_REQUIRED = {
    "documents": ("doc_id", "outlet", "source_kind", "voice", "text", "source_file", "source_lines"),
    "sentences": ("doc_id", "text", "voice"),
    "rejects": ("source_file", "reason"),
}


class SchemaError(ValueError):
    """A table does not match its schema."""


def empty(name: str) -> pd.DataFrame:
    """An empty table with the columns and dtypes of schema ``name``."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in SCHEMAS[name].items()})


def conform(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Return ``df`` with exactly the columns of schema ``name``, in order, with their dtypes.

    Missing :data:`OPTIONAL_COLUMNS` are added empty; any other missing column is an error.
    """
    schema = SCHEMAS[name]
    absent = [c for c in OPTIONAL_COLUMNS.get(name, ()) if c not in df.columns]
    if absent:
        df = df.assign(**{c: pd.Series(pd.NA, index=df.index, dtype=schema[c]) for c in absent})
    missing = [c for c in schema if c not in df.columns]
    if missing:
        raise SchemaError(f"{name}: missing columns {missing}")
    out = df.loc[:, list(schema)].copy()
    for col, dtype in schema.items():
        if dtype == "boolean" and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = _as_boolean(out[col], f"{name}.{col}")
        out[col] = out[col].astype(dtype)  # type: ignore[call-overload]
    return out.reset_index(drop=True)


_BOOLEAN_TEXT = {"true": True, "false": False, "1": True, "0": False}


def _as_boolean(values: pd.Series, where: str) -> pd.Series:
    """A column of booleans as read back from CSV (``True``/``False`` text, empty for missing) or given as objects.

    Raises:
        SchemaError: for a value that is not a boolean.

    """
    def one(value: object) -> object:
        if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
            return pd.NA
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("", "nan", "<na>", "none"):
            return pd.NA
        if text in _BOOLEAN_TEXT:
            return _BOOLEAN_TEXT[text]
        raise SchemaError(f"{where} must be True or False, got {value!r}")

    return pd.Series([one(v) for v in values], index=values.index, dtype="boolean")


def validate(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Check a table against schema ``name`` and return it conformed.

    Raises:
        SchemaError: naming the column and the first offending rows.

    """
    out = conform(df, name)
    for col in _REQUIRED[name]:
        bad = out[col].isna()
        if bad.any():
            raise SchemaError(f"{name}.{col} has {int(bad.sum())} missing values (first rows {_rows(bad)})")
    if name == "documents":
        _check_values(out, "source_kind", SOURCE_KINDS, name)
        _check_values(out, "voice", VOICES, name)
        dupes = out["doc_id"].duplicated()
        if dupes.any():
            raise SchemaError(f"documents.doc_id is not unique (first rows {_rows(dupes)})")
        dates = out["published_date"].dropna()
        bad_dates = ~dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
        if bad_dates.any():
            raise SchemaError(f"documents.published_date must be YYYY-MM-DD: {dates[bad_dates].head(3).tolist()}")
        orphans = out["duplicate_of"].dropna()
        orphans = orphans[~orphans.isin(out["doc_id"])]
        if len(orphans):
            raise SchemaError(f"documents.duplicate_of points at unknown doc_ids {orphans.head(3).tolist()}")
        parents = out["parent_id"].dropna()
        parents = parents[~parents.isin(out["doc_id"])]
        if len(parents):
            raise SchemaError(f"documents.parent_id points at unknown doc_ids {parents.head(3).tolist()}")
        if (out["depth"].dropna() < 0).any():
            raise SchemaError("documents.depth must be 0 or more")
        _check_precision(out)
    if name == "sentences":
        _check_values(out, "voice", VOICES, name)
        if (out["char_end"] < out["char_start"]).any():
            raise SchemaError("sentences: char_end before char_start")
        if out.duplicated(["doc_id", "sent_idx"]).any():
            raise SchemaError("sentences: (doc_id, sent_idx) is not unique")
    return out


def _check_precision(docs: pd.DataFrame) -> None:
    """``date_precision`` is one of :data:`DATE_PRECISIONS`, and ``none`` exactly when there is no date.

    Missing is allowed: a table written before the column existed reads back with it empty.
    """
    given = docs["date_precision"].notna()
    _check_values(docs[given], "date_precision", DATE_PRECISIONS, "documents")
    undated = docs["published_date"].isna()
    wrong = (given & ((docs["date_precision"] == "none") != undated)).fillna(False)
    if wrong.any():
        raise SchemaError(f"documents.date_precision must be 'none' exactly when published_date is empty "
                          f"(first rows {_rows(wrong)})")


def _check_values(df: pd.DataFrame, col: str, allowed: tuple[str, ...], name: str) -> None:
    bad = ~df[col].isin(allowed)
    if bad.any():
        raise SchemaError(
            f"{name}.{col} has values outside {list(allowed)}: {sorted(df.loc[bad, col].astype(str).unique())[:5]}"
        )


def _rows(mask: pd.Series) -> list[int]:
    return [int(i) for i in mask[mask].index[:5]]


def comparable_mask(documents: pd.DataFrame) -> pd.Series:
    """Boolean Series over ``documents``: True for a document the comparisons count.

    Not a copy (``duplicate_of`` empty) and not a headline-only stub (``is_stub``: a headline is not an article's
    framing); a table without ``is_stub`` (written before it) has no stub, and a missing value is no stub.

    >>> docs = pd.DataFrame({"doc_id": ["a", "b", "c", "d"], "duplicate_of": [None, "a", None, None],
    ...                      "is_stub": pd.array([False, False, True, pd.NA], dtype="boolean")})
    >>> comparable_mask(docs).tolist(), comparable_mask(docs.drop(columns="is_stub")).tolist()
    ([True, False, False, True], [True, False, True, True])
    """
    keep = documents["duplicate_of"].isna()
    if "is_stub" in documents.columns:
        stub = documents["is_stub"]
        if not pd.api.types.is_bool_dtype(stub):  # text read back from CSV, or objects
            stub = _as_boolean(stub, "documents.is_stub")
        keep &= ~stub.fillna(False).astype(bool)
    return keep.astype(bool)


def comparable(documents: pd.DataFrame) -> pd.DataFrame:
    """The documents the comparisons count (:func:`comparable_mask`): each text once, no headline-only stub."""
    return documents[comparable_mask(documents)]


def save_table(df: pd.DataFrame, path: Path, name: str) -> Path:
    """Validate and write a table as CSV (UTF-8, ``\\n`` line ends), atomically."""
    out = validate(df, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        out.to_csv(tmp, index=False, lineterminator="\n")
    return path


def load_table(path: Path, name: str) -> pd.DataFrame:
    """Read a CSV written by :func:`save_table` and validate it."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    return validate(df, name)


def parquet_bytes(df: pd.DataFrame) -> bytes:
    """``df`` as Parquet file bytes, without its index (serialised in memory, for a write that is whole or nothing)."""
    import io

    buffer = io.BytesIO()
    df.to_parquet(buffer, index=False)
    return buffer.getvalue()


def copies(documents: pd.DataFrame) -> pd.Series:
    """Copies of each document's text in ``documents`` (1 for a text that appears once), indexed by ``doc_id``.

    >>> d = pd.DataFrame({"doc_id": ["a", "b", "c"], "duplicate_of": [None, "a", None]})
    >>> copies(d).to_dict()
    {'a': 2, 'b': 1, 'c': 1}
    """
    extra = documents["duplicate_of"].dropna().value_counts()
    out = pd.Series(1, index=documents["doc_id"].to_numpy(), dtype="int64")
    known = extra[extra.index.isin(out.index)]
    out.loc[known.index.to_numpy()] += known.to_numpy()
    return out
