"""What a report section shows and writes: escaped HTML, figures with captions, tables checked against schemas.

A section returns a :class:`Shown`: the HTML parts it displays, the tables and figures it wrote, and, where the data
did not allow it, the one sentence that says what is missing (``reason``). A notebook cell displays it by ending
with the call. Every table a section writes is declared in :data:`TABLE_SCHEMAS`, and :meth:`Outputs.table`
refuses a table whose columns differ from its declaration, so the CSV files of a run are a contract too.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from framing.analysis.compare import (
    EVIDENCE_COLUMNS,
    FRAME_EVIDENCE_COLUMNS,
    ISSUE_STANCE_COLUMNS,
    OVERVIEW_COLUMNS,
    SUMMARY_COLUMNS,
)
from framing.analysis.findings import TESTS_COLUMNS, WINDOW_COLUMNS
from framing.corpus import SchemaError
from framing.safeio import atomic_path, atomic_write_text

_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


def output_name(name: str) -> str:
    """``name`` if it is safe as a figure or table file name (letters, digits, ``_``, ``-``), else ValueError.

    Names are built from outlet slugs and parameters (``keyness_<outlet>``, ``actor_portrayal_<voice>``); no
    separator, dot, space or shell character can make a file land outside ``figures/`` or ``tables/``.

    >>> output_name("keyness_the-canary")
    'keyness_the-canary'
    >>> output_name("actor_portrayal_../../x")
    Traceback (most recent call last):
    ...
    ValueError: unsafe output file name 'actor_portrayal_../../x': use letters, digits, '_' and '-' only
    """
    if not _FILE_NAME.fullmatch(name):
        raise ValueError(f"unsafe output file name {name!r}: use letters, digits, '_' and '-' only")
    return name


# ---------------------------------------------------------------- table schemas

def _summary(*by: str) -> tuple[str, ...]:
    return (*by, *SUMMARY_COLUMNS)


_VOICED = {
    "actor_portrayal": ("outlet", "actor", "n_docs", "n_mentions", "mean", "ci_low", "ci_high", "ci_method", "small_n"),
    "word_choice": ("actor", "label", "stance", "outlet", "n_labelled", "n_mentions", "share", "example"),
    "actor_roles": ("outlet", "actor", "n_docs", "share_hero", "share_villain", "share_victim", "small_n"),
    "actor_evidence": ("outlet", "actor", "end", "actor_sentiment", "mention", "speaker", "published_date", "title",
                       "sentence", "doc_id", "sent_idx", "n_copies"),
    "generic_frames": _summary("outlet", "frame"),
    "generic_frames_evidence": (*FRAME_EVIDENCE_COLUMNS, "cues"),
    "issue_frames": _summary("outlet", "frame"),
    "issue_frames_sentences": _summary("outlet", "frame"),
    "issue_frames_evidence": (*FRAME_EVIDENCE_COLUMNS, "cues"),
    "issue_frame_stances": ISSUE_STANCE_COLUMNS,
    "keyness": ("outlet", "term", "count", "count_rest", "log_odds_ratio", "z", "p_value", "q_value", "ngram",
                "distinctive"),
    "lexicon_rates": _summary("outlet", "category"),
}
# Every table a report section writes, by file name, with its columns in order (optional ones in OPTIONAL_COLUMNS).
TABLE_SCHEMAS: dict[str, tuple[str, ...]] = {
    "comparisons": TESTS_COLUMNS,
    "tone_by_window": WINDOW_COLUMNS,
    "corpus_overview": (*OVERVIEW_COLUMNS, "n_docs_focus", "small_n"),
    "languages": ("outlet", "lang", "n_docs", "n_words", "scored"),
    "topic_shares": _summary("outlet", "topic"),
    "duplicates": ("doc_id", "outlet", "title", "n_copies", "copies_at"),
    "rejects_summary": ("source_file", "reason", "n_units"),
    "sentiment_by_outlet": _summary("outlet"),
    "sentiment_by_outlet_voice": _summary("outlet", "voice"),
    "sentiment_by_outlet_voice_focus": _summary("outlet", "voice"),
    "sentiment_table": ("outlet", "n_docs", "mean_compound", "ci_low_compound", "ci_high_compound",
                        "ci_method_compound", "mean_share_negative", "ci_low_share_negative",
                        "ci_high_share_negative", "ci_method_share_negative", "small_n"),
    "sentiment_evidence": ("outlet", "voice", *EVIDENCE_COLUMNS),
    "coding_sheet_issue_frames": ("item_id", "doc_id", "sent_idx", "frame", "frame_name", "definition", "sentence",
                                  "code", "coder", "notes"),
    "topic_terms": ("topic", "rank", "term", "weight"),
    "doc_topic_shares": ("doc_id", "topic", "topic_share"),
    "topic_shares_by_outlet": _summary("outlet", "topic"),
    "voice_shares": ("outlet", "voice", "n_sentences", "share_sentences", *SUMMARY_COLUMNS),
    "sourcing": ("outlet", "source", "source_name", "how", "n_docs", "n_outlet_docs", "share_docs", "ci_low",
                 "ci_high", "n_units", "example"),
    "validation": ("measure", "gold", "metric", "value", "anchor", "anchor_source"),
    "validation_sources": ("measure", "metric", "value", "computed", "stored_value"),
    **{f"{name}_{voice}": cols for name, cols in _VOICED.items() for voice in ("author", "quoted")},
}
# Columns a table has only with some settings (the focus-topic count needs a focus topic, small_n needs min_docs).
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {"corpus_overview": ("n_docs_focus", "small_n")}


def check_schema(df: pd.DataFrame, name: str) -> None:
    """Raise :class:`~framing.corpus.SchemaError` unless ``df`` has the columns declared for table ``name``.

    >>> check_schema(pd.DataFrame(columns=["source_file", "reason", "n_units"]), "rejects_summary")
    >>> check_schema(pd.DataFrame(columns=["reason"]), "rejects_summary")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    framing.corpus.SchemaError: table rejects_summary has columns ['reason']; its schema is [...]
    """
    if name not in TABLE_SCHEMAS:
        raise SchemaError(f"table {name!r} is not declared in framing.report.display.TABLE_SCHEMAS")
    declared = TABLE_SCHEMAS[name]
    optional = OPTIONAL_COLUMNS.get(name, ())
    cols = list(df.columns)
    required = [c for c in declared if c not in optional]
    if [c for c in cols if c not in optional] != required or any(c not in declared for c in cols):
        raise SchemaError(f"table {name} has columns {cols}; its schema is {list(declared)}")


# ---------------------------------------------------------------- HTML

_TABLE_STYLE = ("<style>table.framing-table td, table.framing-table th {text-align: left !important; "
                "vertical-align: top !important; padding: 2px 8px;} table.framing-table td {max-width: 46em;}</style>")


class _Html:
    """An HTML fragment a notebook displays (IPython calls ``_repr_html_``)."""

    def __init__(self, body: str):
        self.body = body

    def _repr_html_(self) -> str:
        return self.body

    @property
    def data(self) -> str:
        """The HTML, as IPython.display.HTML calls it."""
        return self.body


def table_html(df: pd.DataFrame, *, caption: str | None = None, max_rows: int = 60) -> str:
    """A table as escaped HTML: text from articles can never become markup or script."""
    shown = df.head(max_rows).copy()
    for col in shown.columns:  # pandas renders missing strings as "<NA>" whatever na_rep says
        if not pd.api.types.is_numeric_dtype(shown[col]) or pd.api.types.is_bool_dtype(shown[col]):
            shown[col] = shown[col].astype(object).where(shown[col].notna(), "–")
    body = shown.to_html(index=False, escape=True, na_rep="–", border=0, classes="framing-table",
                         float_format=lambda v: f"{v:.3f}")
    cap = f"<p class='caption'>{html.escape(caption)}</p>" if caption else ""
    more = f"<p><i>{len(df) - max_rows} more rows in the CSV file.</i></p>" if len(df) > max_rows else ""
    return cap + _TABLE_STYLE + body + more


def show_table(df: pd.DataFrame, *, caption: str | None = None, max_rows: int = 60) -> Any:
    """Display a table as escaped HTML (see :func:`table_html`)."""
    return _Html(table_html(df, caption=caption, max_rows=max_rows))


def note_html(text: str) -> str:
    """A plain-text note as an escaped HTML paragraph."""
    return f"<p class='framing-note'>{html.escape(text)}</p>"


def note(text: str) -> Any:
    """Display a plain-text note, escaped."""
    return _Html(note_html(text))


@dataclass
class Outputs:
    """Where a notebook writes its figures and tables; writes nothing when ``output_dir`` is None.

    Figures are saved as PNG (for the page) and SVG (for papers) with a JSON sidecar holding the caption and
    alt text; tables as CSV, each checked against :data:`TABLE_SCHEMAS` first.
    """

    output_dir: str | None = None

    @property
    def root(self) -> Any:
        """The run folder, or None."""
        from pathlib import Path

        return Path(self.output_dir) if self.output_dir else None

    def figure_html(self, fig: Any, name: str, *, caption: str, alt: str) -> str:
        """Save ``fig`` (if writing), close it, and return it as an HTML figure with alt text and caption, escaped."""
        import matplotlib.pyplot as plt

        from framing.report.plots import missing_glyphs_allowed

        name = output_name(name)
        with missing_glyphs_allowed():
            buffer = io.BytesIO()  # rendered once: the page's image and the PNG file are the same bytes
            fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
            if self.root is not None:
                folder = self.root / "figures"
                folder.mkdir(parents=True, exist_ok=True)
                with atomic_path(folder / f"{name}.png") as tmp:
                    tmp.write_bytes(buffer.getvalue())
                with atomic_path(folder / f"{name}.svg") as tmp:
                    fig.savefig(tmp, format="svg", dpi=110, bbox_inches="tight",
                                metadata={"Date": None, "Creator": None})
                atomic_write_text(folder / f"{name}.json",
                                  json.dumps({"caption": caption, "alt": alt}, indent=2) + "\n")
        plt.close(fig)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        files = f" (files: figures/{html.escape(name)}.png, .svg)" if self.root is not None else ""
        return (f'<figure class="framing-figure"><img src="data:image/png;base64,{data}" '
                f'alt="{html.escape(alt, quote=True)}" style="max-width:100%">'
                f"<figcaption><b>Figure.</b> {html.escape(caption)}{files}</figcaption></figure>")

    def figure(self, fig: Any, name: str, *, caption: str, alt: str) -> Any:
        """:meth:`figure_html`, displayable."""
        return _Html(self.figure_html(fig, name, caption=caption, alt=alt))

    def _table_path(self, df: pd.DataFrame, name: str) -> Any:
        """``tables/<name>.csv`` once ``df`` passed its schema check (its folder made), or None when not writing."""
        name = output_name(name)
        check_schema(df, name)
        if self.root is None:
            return None
        folder = self.root / "tables"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{name}.csv"

    def table(self, df: pd.DataFrame, name: str) -> None:
        """Check ``df`` against its schema and save it as ``tables/<name>.csv`` (if writing); returns nothing."""
        path = self._table_path(df, name)
        if path is not None:
            with atomic_path(path) as tmp:
                df.to_csv(tmp, index=False, lineterminator="\n", float_format="%.6g")

    def coding_sheet(self, sheet: pd.DataFrame, name: str, *, unit: str) -> None:
        """Write a blind coding sheet as ``tables/<name>.csv`` with its codebook beside it (if writing).

        The sheet is :func:`framing.handcoding.coding.draw_sample`'s, so coded copies go straight back into
        ``framing agreement`` (one hand-coding round trip for the report and the command line).
        """
        from framing.handcoding import coding

        path = self._table_path(sheet, name)
        if path is not None:
            coding.write_sheet(sheet, path, unit=unit)


# ---------------------------------------------------------------- what a section returns

@dataclass
class Shown:
    """What one report section showed: HTML parts, the files it wrote, or the reason it could show nothing.

    ``reason`` is set when the section had too little data for anything: one plain sentence saying what is missing
    and how to change it. ``notes`` are such sentences for parts of a section that rendered otherwise.
    """

    section: str
    parts: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reason: str | None = None

    @property
    def rendered(self) -> bool:
        """Whether the section showed something besides notes: a figure, a table or a statement of its result."""
        return self.reason is None and bool(self.parts)

    def _repr_html_(self) -> str:
        if self.reason is not None:
            return note_html(self.reason)
        return "".join(self.parts)


class Builder:
    """Collects what a section shows and writes (see :class:`Shown`)."""

    def __init__(self, section: str, outputs: Outputs):
        self.shown = Shown(section)
        self.outputs = outputs

    def save(self, df: pd.DataFrame, name: str) -> pd.DataFrame:
        """Write a table (checked against its schema) without showing it; returns it."""
        self.outputs.table(df, name)
        self.shown.tables.append(name)
        return df

    def table(self, df: pd.DataFrame, name: str | None = None, *, caption: str, max_rows: int = 60,
              columns: list[str] | None = None) -> None:
        """Write ``df`` as ``name`` (if given) and show it, or only the ``columns`` given."""
        if name is not None:
            self.save(df, name)
        self.shown.parts.append(table_html(df[columns] if columns else df, caption=caption, max_rows=max_rows))

    def figure(self, fig: Any, name: str, *, caption: str, alt: str) -> None:
        """Write and show a figure."""
        self.shown.parts.append(self.outputs.figure_html(fig, name, caption=caption, alt=alt))
        self.shown.figures.append(name)

    def text(self, text: str) -> None:
        """Show a sentence that is part of the result (not a note about missing data)."""
        self.shown.parts.append(note_html(text))

    def html(self, body: str) -> None:
        """Show an HTML fragment the caller escaped."""
        self.shown.parts.append(body)

    def note(self, text: str) -> None:
        """Say why one part of the section is not shown (too little data for it)."""
        self.shown.notes.append(text)
        self.shown.parts.append(note_html(text))

    def done(self) -> Shown:
        """The result; a section that showed nothing but notes reports its first note as its reason.

        Tables it saved (empty or not) stay in ``tables``: a run's CSV files do not depend on the data's shape.
        """
        notes = {note_html(n) for n in self.shown.notes}
        if self.shown.notes and all(p in notes for p in self.shown.parts):
            self.shown.reason = self.shown.notes[0]
        return self.shown
