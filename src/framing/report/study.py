"""The study handle that report sections read, and the data needs each section declares.

:func:`open_report` is the one set-up call of a report notebook: it builds (or reads from cache) the study's tables,
applies the selection (outlets, topic), and returns a :class:`Study`. Sections ask the study for what they need:
:meth:`Study.docs` for document-level rows, :meth:`Study.feature` for a feature table restricted to the selection,
and :meth:`Study.sentence_rows` for the text of chosen sentences (evidence), which a query over the build's
Parquet store answers (:mod:`framing.build.store`): sections pick their sentences on scores, then ask for the text
of those, so no kernel loads the sentence table.

A section declares its needs once, as a :class:`Needs`; :meth:`Needs.unmet` turns the first unmet need into the
sentence the report shows instead of the section ("No document matches the focus topic …; set `focus_topic` to …").
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from framing.corpus import comparable
from framing.language import english_measures_mask
from framing.report.display import Builder, Outputs
from framing.report.params import ReportSettings

log = logging.getLogger(__name__)


def quiet_kernel(output_dir: str | None = None) -> None:
    """Keep log lines and progress-bar warnings out of a report notebook's cells.

    The package's log messages (model training, cache reads) go to ``<output_dir>/run.log`` when a run folder is
    given, and nowhere in the notebook otherwise; tqdm's "IProgress not found" warning (the kernel has no widget
    library, and the report needs none) is not shown.
    """
    from tqdm import TqdmWarning

    warnings.filterwarnings("ignore", category=TqdmWarning)
    root = logging.getLogger("framing")
    for old in list(root.handlers):
        if getattr(old, "_framing_report", False):
            root.removeHandler(old)
            old.close()
    handler: logging.Handler = logging.NullHandler()
    if output_dir:
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(Path(output_dir) / "run.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    setattr(handler, "_framing_report", True)  # noqa: B010 - marks the handler this function may replace
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False


class Study:
    """One study's selected documents and tables, as the report sections see them.

    Args:
        tables: The study's tables (:class:`framing.build.pipeline.StudyTables`).
        settings: The report's parameters.
        output_dir: The run folder for tables and figures (None: write nothing).
    """

    def __init__(self, tables: Any, settings: ReportSettings, *, output_dir: str | None = None):
        from framing.build import pipeline

        self.tables = tables
        self.settings = settings
        self.outputs = Outputs(output_dir)
        selection = pipeline.select(tables, outlets=settings.outlets, topic=settings.topic, include_duplicates=True)
        # the documents' text stays in the tables alone: the selection and its subsets (``unique``, each section's
        # rows) would each hold another copy of the corpus; sections that read words ask :meth:`with_text`
        self.selection = selection.drop(columns="text", errors="ignore")
        self.memo: dict[str, Any] = {}  # results several sections share (the findings' tests)

    # -------------------------------------------------------------- what sections read

    @cached_property
    def names(self) -> dict[str, str]:
        """Outlet slug → display name."""
        docs = self.tables.documents
        return {str(k): str(v) for k, v in zip(docs["outlet"], docs["outlet_name"], strict=True)}

    @cached_property
    def unique(self) -> pd.DataFrame:
        """The selection's unique documents (copies and headline-only stubs left out), with their tone.

        A stub (``is_stub``: a document whose text is only its headline) is counted in the corpus overview but
        compared nowhere: a headline is not an article's framing.
        """
        return comparable(self.selection)

    def mentions(self, voice: str | None = None) -> pd.DataFrame:
        """Actor mentions of the unique selected documents in one voice, down to the clause (with ``outlet``).

        See :func:`framing.analysis.compare.in_voice`: ``author`` is what outlets say themselves, ``quoted`` what they
        quote, report or repost.
        """
        from framing.analysis import compare

        return self.cached(f"mentions:{voice}", lambda: compare.in_voice(
            self.tables.actor_mentions, self.unique, voice))

    @cached_property
    def quoting_ids(self) -> set[str]:
        """Unique selected documents that pass on someone's words: quoted documents, or quotes inside their text."""
        from framing.build.store import doc_ids_where

        # one query over the store's sentence_voice parts when the tables have a store: the table is not read
        ids = doc_ids_where(self.tables, "sentence_voice", "voice", ["quoted", "reported"])
        ids |= set(self.unique.loc[self.unique["voice"] == "quoted", "doc_id"].astype(str))
        return ids & set(self.unique["doc_id"].astype(str))

    def docs(self, *, voice: str | None = None, english: bool = False, unique: bool = True,
             focus: bool = False) -> pd.DataFrame:
        """Selected documents: one voice, only those the English measures score, copies, the focus topic only."""
        docs = self.unique if unique else self.selection
        if voice is not None:
            docs = docs[docs["voice"] == voice]
        if english:
            docs = docs[english_measures_mask(docs)]
        if focus:
            docs = docs[docs["doc_id"].isin(self.focus_ids)]
        return docs

    @cached_property
    def focus_ids(self) -> set[str]:
        """doc_ids tagged with the focus topic (empty without one)."""
        topic = self.settings.focus_topic
        if topic is None:
            return set()
        tags = self.tables.doc_topics
        return set(tags.loc[tags["topic"] == topic, "doc_id"].astype(str))

    def with_text(self, docs: pd.DataFrame) -> pd.DataFrame:
        """``docs`` (rows of :meth:`docs`) with each document's ``text``, for the sections that count its words."""
        source = self.tables.documents
        text = pd.Series(source["text"].to_numpy(), index=source["doc_id"].astype(str).to_numpy())
        return docs.assign(text=pd.Series(text.reindex(docs["doc_id"].astype(str).to_numpy()).to_numpy(),
                                          index=docs.index, dtype=source["text"].dtype))

    def feature(self, name: str, *, voice: str | None = None) -> pd.DataFrame:
        """Feature table ``name``, restricted to the selection's unique documents (of one voice)."""
        df = getattr(self.tables, name)
        return df[df["doc_id"].isin(self.docs(voice=voice)["doc_id"])]

    def sentence_rows(self, keys: pd.DataFrame) -> pd.DataFrame:
        """Sentences (``doc_id``, ``sent_idx``, ``text``) of the given (doc_id, sent_idx) keys, sorted by them.

        From the build's Parquet store when the tables came from one (:func:`framing.build.pipeline.run`), by a
        query that reads those sentences only: no kernel holds the corpus's sentence text
        (:func:`framing.build.store.sentence_text`). ``keys`` without ``sent_idx``: every sentence of its documents.
        """
        from framing.build.store import sentence_text

        return sentence_text(self.tables, keys)

    @property
    def actor_mode(self) -> str:
        """The actor model this study's tables were built with."""
        return str(self.tables.meta.get("actor_mode", self.settings.actor_mode))

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per study and key: results that several sections show (tests, summaries)."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def selected_tables(self) -> Any:
        """The study's tables with the documents cut to the selection (for the hand-coding sample).

        A table not read yet stays unread (:meth:`framing.build.pipeline.StudyTables.replaced`).
        """
        return self.tables.replaced(documents=self.tables.documents[
            self.tables.documents["doc_id"].isin(self.selection["doc_id"])])

    def builder(self, section: str) -> Builder:
        """Collects one section's output."""
        return Builder(section, self.outputs)

    # -------------------------------------------------------------- what the report header and notes say

    def topic_counts(self) -> dict[str, int]:
        """Unique selected documents per topic tag, most frequent first."""
        tags = self.tables.doc_topics
        tags = tags[tags["doc_id"].isin(self.unique["doc_id"])]
        counts = tags.groupby("topic").size().sort_values(ascending=False, kind="stable")
        return {str(k): int(v) for k, v in counts.items()}


def open_report(corpus_dir: str | Path | None = "data/raw", *, output_dir: str | None = None,
                progress: bool = False, **params: Any) -> Study:
    """The one set-up call of a report notebook: the study's tables, selected by the parameters.

    Args:
        corpus_dir: Folder of raw files (relative to the project root unless absolute); None for a section that
            is about the measures, not a corpus (the validation notebook): the study then has no document.
        output_dir: Run folder for figures and tables (None: write nothing, as in JupyterLab and nbval).
        progress: Show progress bars while the tables are built.
        **params: Report parameters (:class:`ReportSettings` fields); checked, so a bad value is a clear error.

    Raises:
        ParameterError: for a value out of range or an outlet the corpus does not have.
        FileNotFoundError: when the corpus folder is missing.
    """
    from framing.build import pipeline
    from framing.report.params import ParameterError

    quiet_kernel(output_dir)
    settings = ReportSettings.from_params({**({"corpus_dir": str(corpus_dir)} if corpus_dir else {}), **params})
    if corpus_dir is None:
        return Study(pipeline.empty_tables(), settings, output_dir=output_dir)
    tables = pipeline.run(corpus_dir, actor_mode=settings.actor_mode, progress=progress)
    if settings.outlets:
        present = set(tables.documents["outlet"].astype(str))
        unknown = sorted(set(settings.outlets) - present)
        if unknown:
            raise ParameterError(f"outlets not in the corpus: {unknown}; present: {sorted(present)}")
    return Study(tables, settings, output_dir=output_dir)


# ---------------------------------------------------------------- what a section needs


def _n(count: int, noun: str) -> str:
    """``count`` and ``noun``, plural where it should be.

    >>> _n(1, "English document"), _n(10, "English document")
    ('1 English document', '10 English documents')
    """
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _listing(items: Sequence[str], limit: int = 8) -> str:
    shown = list(items)[:limit]
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class Needs:
    """The data a report section needs to show anything, declared once per section.

    Counts are of the selection's unique documents (in ``voice`` where set: "settings" means the report's
    ``voice`` parameter).
    """

    docs: int = 1  # documents
    outlets: int = 1  # outlets among them
    voice: str | None = None  # "author", "quoted", "settings" (the voice parameter) or None (both)
    english: int = 0  # documents the English measures score
    dates: int = 0  # dated documents
    focus: bool = False  # a focus topic that some document carries
    windows: bool = False  # event windows that some dated document falls in
    mentions: int = 0  # actor mentions
    accurate: bool = False  # the accurate actor mode (roles)

    def describe(self) -> str:
        """The needs in words, for the README table.

        >>> Needs(docs=2, outlets=2, english=2, voice="author").describe()
        '2 outlets, 2 English documents (author voice)'
        """
        parts = []
        if self.english >= self.docs:
            parts.append(f"{self.english} English document{'s' * (self.english != 1)}" if self.english else "")
        else:
            parts.append(f"{self.docs} document{'s' * (self.docs != 1)}")
            if self.english:
                parts.append(f"{self.english} English document{'s' * (self.english != 1)}")
        if self.outlets > 1:
            parts.insert(0, f"{self.outlets} outlets")
        parts = [p for p in parts if p]
        voice = {"settings": "in the `voice` parameter's voice", "author": "author voice",
                 "quoted": "quoted voice"}.get(self.voice or "")
        text = ", ".join(parts) + (f" ({voice})" if voice else "")
        extras = []
        if self.dates:
            extras.append(f"{self.dates} dated document{'s' * (self.dates != 1)}")
        if self.focus:
            extras.append("a focus topic that some document carries")
        if self.windows:
            extras.append("event windows that a dated document falls in")
        if self.mentions:
            extras.append("a mention of an actor of actors.yaml")
        if self.accurate:
            extras.append("`actor_mode: accurate`")
        return ", ".join([text, *extras]) if text else ", ".join(extras)

    def unmet(self, study: Study) -> str | None:
        """The sentence the report shows when a need is not met, or None when every need is."""
        s = study.settings
        voice = s.voice if self.voice == "settings" else self.voice
        docs = study.docs(voice=voice)
        if voice == "quoted":  # quoted voice is also the quotes and reported words inside an outlet's own text
            docs = study.unique[study.unique["doc_id"].isin(study.quoting_ids)]
        where = f" in {voice} voice" if voice else ""
        if self.accurate and study.actor_mode != "accurate":
            return ("Roles come from the accurate actor model; this run uses actor_mode: fast. Set `actor_mode: "
                    "accurate` to see them.")
        if self.focus:
            if s.focus_topic is None:
                topics = study.topic_counts()
                offer = (f"set `focus_topic` to one of: {_listing([f'{t} ({n})' for t, n in topics.items()])}"
                         if topics else "no document here carries a topic tag of lexicons/topics.yaml")
                return f"No focus topic is set; {offer}."
            if not study.focus_ids & set(study.unique["doc_id"]):
                topics = study.topic_counts()
                offer = (f"set `focus_topic` to one of: {_listing(list(topics))}, or null" if topics else
                         "no document here carries any topic tag of lexicons/topics.yaml; set `focus_topic` to null")
                return f"No document matches the focus topic {s.focus_topic!r}; {offer}."
        if len(docs) < self.docs:
            if voice == "quoted" and len(docs) == 0:
                return ("No quoted text in this selection: no sentence quotes or reports anyone, and no reader "
                        "marked a block as quoted (quoted voice comes from quotation marks, speech verbs, datelines, "
                        "lead-ins and manifest.yaml `quoted_blocks`).")
            return (f"This needs at least {_n(self.docs, 'unique document')}{where}; the selection has {len(docs)}. "
                    "Add documents, or widen the selection (`outlets`, `topic`).")
        outlets = sorted(docs["outlet"].astype(str).unique())
        if len(outlets) < self.outlets:
            return (f"This compares outlets and needs at least {self.outlets}; the selection has {len(outlets)}"
                    f"{' (' + _listing(outlets) + ')' if outlets else ''}{where}. Add documents from other outlets, "
                    "or set `outlets` to null.")
        if self.english:
            english = docs[english_measures_mask(docs)]
            if len(english) < self.english:
                langs = docs["lang"].astype(str).value_counts()
                mix = _listing([f"{lang} {n}" for lang, n in langs.items()])
                return (f"These measures are English-only and need at least {_n(self.english, 'English document')}"
                        f"{where}; the selection has {len(english)} (languages: {mix}). If a file is English, say "
                        "so in manifest.yaml (`override: {lang: en}`).")
        if self.mentions:
            mentions = study.mentions(voice)
            if len(mentions) < self.mentions:
                return ("No actor of lexicons/actors.yaml is mentioned in the selection's English documents"
                        f"{where}; add the actors this corpus names (with their aliases) to actors.yaml.")
        if self.dates:
            dated = docs["published_date"].notna().sum()
            if dated < self.dates:
                return (f"No document{where} has a published date, so nothing can be placed in time; give dates in "
                        "the files or in manifest.yaml (`published_date:`)." if dated == 0 else
                        f"Only {dated} document{'s' * (dated != 1)}{where} carry a date; this needs {self.dates}.")
        if self.windows:
            if not s.windows:
                return ("No event windows are set; set `windows` to {name: [start, end]} (ISO dates) to compare "
                        "tone within them.")
            dates = docs["published_date"].dropna().astype(str)
            inside = [name for name, (a, b) in s.windows.items() if ((dates >= a) & (dates <= b)).any()]
            if not inside:
                span = f"{dates.min()} to {dates.max()}" if len(dates) else "no dates at all"
                return (f"No dated document falls in the event windows ({_listing(list(s.windows))}); the "
                        f"selection's dates run {span}. Set `windows` to spans that cover them.")
        return None
