"""Queries over the build's Parquet store: the few rows of a big table that a report section shows.

The build (:func:`framing.build.engine.build_chunked`) writes each table as ``<store>/<table>/part-*.parquet``. A
report holds document-level tables in memory, but the text of sentences is the corpus itself (at 10^6 documents,
gigabytes), and a section shows a few dozen of them: the evidence behind a cell. :class:`Store` answers "the text
of these sentences" with a DuckDB query over the Parquet parts (embedded, no server; it reads only the columns and
row groups the query needs), so no kernel loads the sentence table.

Results are ordered (``ORDER BY``), so a query gives the same rows in the same order on any number of threads.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

#: What one query may hold in memory before DuckDB spills to disk (a kernel's budget is 2 GB at 10^5 documents).
MEMORY_LIMIT = "512MB"


class Store:
    """The Parquet store of one build.

    Args:
        root: The store folder (``<table>/part-*.parquet`` in it).
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"no store at {self.root}")

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    @classmethod
    def of(cls, tables: object) -> Store | None:
        """The store a study's tables were read from (:func:`framing.build.pipeline.run` records it), or None.

        None for tables built in memory (``use_cache=False``) or assembled by hand: they hold their sentences.
        """
        folder = (getattr(tables, "meta", None) or {}).get("read_from")
        store = Path(str(folder)) / "store" if folder else None
        return cls(store) if store is not None and (store / "sentences").is_dir() else None

    def parts(self, table: str) -> list[str]:
        """The Parquet files of ``table``, in part order."""
        return [str(p) for p in sorted((self.root / table).glob("part-*.parquet"))]

    def sentence_text(self, keys: pd.DataFrame) -> pd.DataFrame:
        """``doc_id``, ``sent_idx`` and ``text`` of the sentences keyed by ``keys``' (doc_id, sent_idx) rows.

        ``keys`` without ``sent_idx`` asks for every sentence of its documents. Keys that name no sentence give no
        row; each sentence comes once, sorted by ``doc_id`` and ``sent_idx`` (as the sentence table is).
        """
        import duckdb

        out_types = {"doc_id": "string", "sent_idx": "int64", "text": "string"}
        on = ["doc_id", "sent_idx"] if "sent_idx" in keys.columns else ["doc_id"]
        wanted = pd.DataFrame({"doc_id": keys["doc_id"].astype(str).to_numpy(dtype=object)})
        if "sent_idx" in on:
            wanted["sent_idx"] = keys["sent_idx"].astype("int64").to_numpy()
        wanted = wanted.drop_duplicates()
        parts = self.parts("sentences")
        if wanted.empty or not parts:
            return pd.DataFrame({c: pd.Series(dtype=t) for c, t in out_types.items()})
        match = " AND ".join(f"s.{c} = w.{c}" for c in on)
        with duckdb.connect(":memory:", config={"memory_limit": MEMORY_LIMIT}) as con:
            con.register("wanted", wanted)
            found = con.execute(
                f"SELECT s.doc_id, s.sent_idx, s.text FROM read_parquet(?) AS s SEMI JOIN wanted AS w ON {match} "
                "ORDER BY s.doc_id, s.sent_idx", [parts]).df()
        return found.astype(out_types).reset_index(drop=True)

    def doc_ids_where(self, table: str, column: str, values: list[str]) -> set[str]:
        """The ``doc_id`` of every row of ``table`` whose ``column`` is one of ``values`` (one query, no table read).

        An empty set for a table with no part.
        """
        import duckdb

        parts = self.parts(table)
        if not parts or not values:
            return set()
        with duckdb.connect(":memory:", config={"memory_limit": MEMORY_LIMIT}) as con:
            rows = con.execute(f'SELECT DISTINCT doc_id FROM read_parquet(?) WHERE "{column}" IN '
                               f"({', '.join('?' for _ in values)})", [parts, *values]).fetchall()
        return {str(doc_id) for (doc_id,) in rows}


def doc_ids_where(tables: object, table: str, column: str, values: list[str]) -> set[str]:
    """``doc_id`` of the rows of a study's ``table`` whose ``column`` is in ``values``, from its store if it has one."""
    store = Store.of(tables)
    if store is not None:
        return store.doc_ids_where(table, column, values)
    df = getattr(tables, table)
    return set(df.loc[df[column].isin(values), "doc_id"].astype(str))


#: Where sentence text comes from: a sentence table (``doc_id``, ``sent_idx``, ``text``), or a function from keys
#: to such rows (:meth:`Store.sentence_text`, :meth:`framing.report.study.Study.sentence_rows`).
TextSource = pd.DataFrame | Callable[[pd.DataFrame], pd.DataFrame]


def texts_for(source: TextSource, keys: pd.DataFrame) -> pd.Series:
    """The text of the sentence each row of ``keys`` names (``doc_id``, ``sent_idx``), aligned to ``keys``.

    NA where no sentence has the key. Evidence functions pick their rows on scores first and ask for the text of
    the picked rows only, so a store-backed source reads a few sentences, never the table.
    """
    if keys.empty:
        return pd.Series(pd.NA, index=keys.index, dtype="string")
    if callable(source):
        rows = source(keys)
    else:
        rows = source[["doc_id", "sent_idx", "text"]]
    text = pd.Series(rows["text"].astype("string").to_numpy(),
                     index=pd.MultiIndex.from_arrays([rows["doc_id"].astype(str), rows["sent_idx"].astype("int64")]))
    text = text[~text.index.duplicated()]
    wanted = pd.MultiIndex.from_arrays([keys["doc_id"].astype(str), keys["sent_idx"].astype("int64")])
    return pd.Series(text.reindex(wanted).to_numpy(), index=keys.index, dtype="string")


def sentence_text(tables: object, keys: pd.DataFrame) -> pd.DataFrame:
    """``doc_id``, ``sent_idx``, ``text`` of the keyed sentences of a study's tables: from its store when it has one.

    ``keys`` without ``sent_idx`` asks for every sentence of its documents. Sorted by ``doc_id`` and ``sent_idx``.
    """
    store = Store.of(tables)
    if store is not None:
        return store.sentence_text(keys)
    sents = tables.sentences[["doc_id", "sent_idx", "text"]]  # type: ignore[attr-defined]
    on = ["doc_id", "sent_idx"] if "sent_idx" in keys.columns else ["doc_id"]
    wanted = pd.DataFrame({c: keys[c].to_numpy() for c in on}).drop_duplicates()
    return sents.merge(wanted.astype({"doc_id": sents["doc_id"].dtype}), on=on).reset_index(drop=True)
