"""Tone sections: sentence sentiment (VADER) averaged per document, compared across outlets."""

from __future__ import annotations

import pandas as pd

from framing.analysis import compare
from framing.report import plots
from framing.report.display import Builder
from framing.report.sections.base import section
from framing.report.study import Needs, Study

NB = "02_sentiment.ipynb"
TONE = "vader_compound_mean"
XLABEL = "mean VADER compound per document (−1 to +1)"


def interval_words(study: Study) -> str:
    """How the report's intervals are made, in a caption's words."""
    n = study.settings.compare.min_bootstrap_n
    return (f"{study.settings.confidence_level:.0%} intervals over documents (percentile bootstrap from {n} "
            f"documents, Student t below, none for a single document)")


def _by_outlet(study: Study, value: str) -> pd.DataFrame:
    """Per-outlet summary of a document measure over the English documents (once per study: two sections show it)."""
    return study.cached(f"by_outlet:{value}", lambda: compare.group_summary(
        study.docs(english=True), value, by=["outlet"], settings=study.settings.compare))


@section("tone_by_outlet", title="Tone by outlet", notebook=NB, needs=Needs(english=1))
def tone_by_outlet(study: Study, show: Builder) -> None:
    """Forest plot of mean document tone per outlet, author and quoted voice apart."""
    docs = study.docs(english=True)
    settings = study.settings.compare
    show.save(_by_outlet(study, TONE), "sentiment_by_outlet")
    by_voice = show.save(compare.group_summary(docs, TONE, by=["outlet", "voice"], settings=settings),
                         "sentiment_by_outlet_voice")
    show.figure(plots.forest(by_voice, facet="voice", names=study.names, xlim=(-1, 1), xlabel=XLABEL,
                             title="Mean sentence tone (VADER compound) per document, by outlet and voice"),
                "sentiment_forest_voice",
                caption=f"Mean document tone by outlet, author and quoted voice apart, with {interval_words(study)}; "
                        f"hollow markers: fewer than {study.settings.min_docs} documents.",
                alt="Forest plot of mean VADER compound per outlet, one panel per voice.")


@section("tone_focus", title="The focus topic alone", notebook=NB, needs=Needs(english=1, focus=True))
def tone_focus(study: Study, show: Builder) -> None:
    """The same comparison on the focus topic's documents only."""
    from framing.features.topics import TopicLexicon

    slug = study.settings.focus_topic
    topic = TopicLexicon.load().labels.get(str(slug), str(slug))
    docs = study.docs(english=True, focus=True)
    if docs.empty:
        show.note(f"The documents tagged {slug!r} are not English, so VADER does not score them.")
        return
    summary = show.save(compare.group_summary(docs, TONE, by=["outlet", "voice"], settings=study.settings.compare),
                        "sentiment_by_outlet_voice_focus")
    show.figure(plots.forest(summary, facet="voice", names=study.names, xlim=(-1, 1), xlabel=XLABEL,
                             title=f"Mean sentence tone per document, {topic} documents only, by outlet and voice"),
                "sentiment_forest_focus",
                caption=f"Mean document tone per outlet on documents tagged {slug!r} ({topic}) only, with "
                        f"{interval_words(study)}.",
                alt=f"Forest plot of mean VADER compound per outlet for {topic} documents.")


@section("tone_table", title="Tone table", notebook=NB, needs=Needs(english=1))
def tone_table(study: Study, show: Builder) -> None:
    """Mean tone and share of negative sentences per outlet, with intervals."""
    tone, neg = _by_outlet(study, TONE), _by_outlet(study, "share_negative")
    table = tone.merge(neg, on=["outlet", "n_docs", "small_n"], suffixes=("_compound", "_share_negative"))
    table = table[["outlet", "n_docs", "mean_compound", "ci_low_compound", "ci_high_compound", "ci_method_compound",
                   "mean_share_negative", "ci_low_share_negative", "ci_high_share_negative",
                   "ci_method_share_negative", "small_n"]]
    show.table(table, "sentiment_table", max_rows=80,
               caption=f"Per-outlet tone: mean VADER compound and mean share of negative sentences, with "
                       f"{interval_words(study)}.")
    small = table.loc[table["small_n"], "outlet"].tolist()
    show.text(f"Small n: {', '.join(small)} {'has' if len(small) == 1 else 'have'} fewer than "
              f"{study.settings.min_docs} documents; their intervals are wide or missing and they are not compared."
              if small else f"Every outlet has at least {study.settings.min_docs} documents.")


@section("tone_evidence", title="Evidence: the sentences behind the tone", notebook=NB, needs=Needs(english=1))
def tone_evidence(study: Study, show: Builder) -> None:
    """The most negative and most positive sentences per outlet and voice."""
    evidence = compare.extreme_sentences(study.feature("sentence_sentiment"), study.selection, k=3,
                                         text=study.sentence_rows)
    show.save(evidence, "sentiment_evidence")
    if evidence.empty:
        show.note("No sentence of the selection could be scored (every sentence was empty or boilerplate).")
        return
    show.table(evidence.drop(columns=["doc_id", "sent_idx"]), max_rows=200,
               caption="Most negative and most positive sentences per outlet and voice (escaped text; n_copies: how "
                       "many documents carry the text).")
