"""Corpus sections: what the study counts, in which languages, about what, what was counted once or left out."""

from __future__ import annotations

import pandas as pd

from framing.analysis import compare
from framing.report import plots
from framing.report.display import Builder
from framing.report.sections.base import section
from framing.report.study import Needs, Study

NB = "01_corpus.ipynb"


@section("corpus_overview", title="Corpus", notebook=NB, needs=Needs(docs=1))
def corpus_overview(study: Study, show: Builder) -> None:
    """Documents and words per outlet × kind × voice (duplicates counted once)."""
    s = study.settings
    overview = compare.corpus_overview(study.selection, study.tables.doc_topics, focus_topic=s.focus_topic,
                                       min_docs=s.min_docs)
    focus = f"; n_docs_focus: documents tagged {s.focus_topic!r}" if s.focus_topic else ""
    show.table(overview, "corpus_overview", max_rows=80,
               caption=f"Documents and words per outlet × kind × voice (duplicates counted once; n_duplicates: "
                       f"copies left out{focus}; small_n: the outlet has fewer than {s.min_docs} documents in all, "
                       "so it is shown but never tested).")


@section("languages", title="Languages", notebook=NB, needs=Needs(docs=1))
def languages(study: Study, show: Builder) -> None:
    """Documents per outlet and language, and what the English measures leave out."""
    table = compare.language_summary(study.selection)
    show.table(table, "languages", max_rows=80,
               caption="Unique documents and words per outlet and language; scored: used by the English measures.")
    show.text(compare.language_note(study.selection))


@section("topic_tags", title="Topics per outlet", notebook=NB, needs=Needs(docs=1))
def topic_tags(study: Study, show: Builder) -> None:
    """Share of each outlet's documents carrying each topic tag, with Wilson intervals."""
    shares = compare.topic_shares(study.selection, study.tables.doc_topics, settings=study.settings.compare)
    show.save(shares, "topic_shares")
    if shares.empty:
        show.note("No document carries a topic tag of lexicons/topics.yaml (each tag needs two cue words in a "
                  "document); add this corpus's topics there to slice by topic.")
        return
    from framing.features.topics import TopicLexicon

    labels = TopicLexicon.load().labels
    show.figure(plots.prevalence_heatmap(shares, column="topic", names=study.names, column_names=labels, vmax=1.0,
                                         title="Topic tags by outlet: % of documents"),
                "topic_shares_heatmap",
                caption="Share of each outlet's unique documents that carry each topic tag, with 95% Wilson "
                        "intervals; hatched: small n.",
                alt="Heatmap of outlets by topic tags, cells give percent of documents with intervals.")


@section("duplicates", title="Duplicates and syndication", notebook=NB, needs=Needs(docs=1))
def duplicates(study: Study, show: Builder) -> None:
    """Texts counted once, with where each copy sits."""
    dups = compare.duplicates_table(study.selection)
    show.save(dups, "duplicates")
    if dups.empty:
        show.text("No text appears more than once in this selection: every document is counted as it is.")
        return
    n = int(dups["n_copies"].sum() - len(dups))
    show.table(dups, caption=f"{len(dups)} texts appear more than once ({n} copies left out of every comparison), "
                             "with where each copy sits in the raw files.")


@section("rejects_ledger", title="Rejects ledger", notebook=NB, needs=Needs(docs=0, outlets=0))
def rejects_ledger(study: Study, show: Builder) -> None:
    """Rejected units per file and reason."""
    ledger = compare.rejects_summary(study.tables.rejects)
    show.save(ledger, "rejects_summary")
    if ledger.empty:
        show.text("No unit of any input file was rejected: every line is in a document.")
        return
    show.table(ledger, max_rows=80, caption=f"{int(ledger['n_units'].sum())} rejected units per file and reason "
                                             "(every unit with its excerpt: tables/rejects.csv).")


def _precision_note(docs: pd.DataFrame) -> str:
    """What the timeline's dates are worth: how many are known only to the month, or approximately."""
    if "date_precision" not in docs.columns:
        return ""
    counts = docs["date_precision"].astype("string").value_counts()
    parts = [f"{int(counts[p])} dated {words}" for p, words in (("month", "only to the month (drawn on its first "
             "day)"), ("approximate", "approximately (inherited from the page, feed or manifest)")) if p in counts]
    return f" Of these, {' and '.join(parts)}." if parts else ""


@section("attention_over_time", title="Attention over time", notebook=NB, needs=Needs(docs=1, dates=1))
def attention_over_time(study: Study, show: Builder) -> None:
    """Dated documents per outlet and day (per week or month when there are many dates)."""
    docs = study.docs()
    undated = int(docs["published_date"].isna().sum())
    period = plots.timeline_period(docs["published_date"])
    why = "" if period == "day" else (f", counted per {period} because the documents fall on more than "
                                      f"{plots.TIMELINE_MAX_DAYS} distinct dates")
    show.figure(plots.timeline(docs, title=f"Dated documents per outlet and {period}", names=study.names,
                               period=period), "timeline",
                caption=f"Dated documents per outlet and {period}{why}"
                        + (f" ({undated} undated documents are not shown)." if undated else ".")
                        + _precision_note(docs),
                alt=f"Dot plot of document counts per outlet and {period} of publication.")
