"""Key findings: every outlet-versus-rest comparison the report makes, tested, corrected and written out.

Each measure is a document-level value (unique documents, author voice): tone, sentiment toward each
frequently named actor, each generic frame and each issue frame. Every outlet is compared with all other outlets
by a permutation test of the difference in means, with an interval of the difference and an effect size suited to
the measure (Hedges' g for means, Cohen's h for shares; see :mod:`framing.analysis.stats`); tone and
frames are also compared within genre (news against news, opinion against opinion), so that an outlet difference
is not just a genre difference. Benjamini–Hochberg controls the false discovery rate across all of these tests
at once. A finding is a comparison that survives; nothing is written by hand.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from framing.analysis.compare import (
    SUMMARY_COLUMNS,
    TEST_COLUMNS,
    TEST_DTYPES,
    group_summary,
    in_voice,
    numeric,
    outlet_vs_rest,
    summary_dtypes,
    typed,
    with_fdr,
)
from framing.analysis.stats import Kind
from framing.config import CompareSettings

MEASURE_COLUMNS = ("doc_id", "outlet", "source_kind", "measure", "kind", "value")


def document_measures(tables: Any, documents: pd.DataFrame, *, voice: str = "author",
                      min_actor_docs: int = 10) -> pd.DataFrame:
    """Long table of document-level measures: ``doc_id``, ``outlet``, ``source_kind``, ``measure``, ``kind``, ``value``.

    The measures are those the registered features offer (:func:`framing.features.registry.measures`: tone, each
    generic frame, each issue frame, and any a researcher registered), plus sentiment toward each actor named in at
    least ``min_actor_docs`` documents, in the outlet's own words down to the clause. ``kind`` is ``mean`` or
    ``share`` (a 0/1 value: the document uses the frame or not).
    """
    from framing.features import registry

    docs = documents[documents["duplicate_of"].isna() & (documents["voice"] == voice)]
    keep = docs[["doc_id", "outlet", "source_kind"]]
    parts = [pd.DataFrame({"doc_id": pd.Series(dtype="string"), "value": pd.Series(dtype="float64"),
                           "measure": pd.Series(dtype="string"), "kind": pd.Series(dtype="string")})]
    for offered in registry.measures():  # tone, the frames, and any measure a researcher registered
        parts.append(measure_values(getattr(tables, offered.table), offered))
    m = in_voice(tables.actor_mentions, docs, voice)  # the outlet's own words only, down to the clause
    per_doc = (m.assign(actor_sentiment=numeric(m["actor_sentiment"])).groupby(["actor", "doc_id"], sort=True)
               ["actor_sentiment"].mean().reset_index())
    frequent = per_doc.groupby("actor").size()
    for actor in sorted(frequent[frequent >= min_actor_docs].index):
        one = per_doc[per_doc["actor"] == actor]
        parts.append(pd.DataFrame({"doc_id": one["doc_id"], "value": one["actor_sentiment"],
                                   "measure": f"sentiment toward {actor}", "kind": "mean"}))
    long = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True).merge(keep, on="doc_id")
    return typed(long[list(MEASURE_COLUMNS)], {"value": "float64"})


def measure_values(table: pd.DataFrame, offered: Any) -> pd.DataFrame:
    """``doc_id``, ``value``, ``measure``, ``kind`` of one :class:`~framing.features.registry.DocumentMeasure`."""
    label = offered.label + table[offered.by].astype(str) if offered.by else offered.label
    return pd.DataFrame({"doc_id": table["doc_id"], "value": numeric(table[offered.value]), "measure": label,
                         "kind": offered.kind})


def within_genre_of(measure: str) -> bool:
    """Whether a measure is also compared within genre.

    Each registered measure says so itself; sentiment toward an actor is not (too few mentions per genre).
    """
    from framing.features import registry

    for offered in registry.measures():
        if measure == offered.label or (offered.by and measure.startswith(offered.label)):
            return offered.within_genre
    return not measure.startswith("sentiment toward")


TESTS_COLUMNS = (*TEST_COLUMNS, "comparison", "q_value", "survives")


def run_tests(measures: pd.DataFrame, *, settings: CompareSettings = CompareSettings(), fdr: float = 0.05,
              within_genre: bool = True) -> pd.DataFrame:
    """Every outlet-vs-rest test (overall, and within genre for tone and frames), with BH q-values.

    Returns:
        :data:`framing.analysis.compare.TEST_COLUMNS` plus ``comparison``, ``q_value``, ``survives``; no rows when
        there is nothing to compare (one outlet, no measure).
    """
    parts = []
    for (measure, kind_), data in measures.groupby(["measure", "kind"], sort=True):
        kind: Kind = "share" if kind_ == "share" else "mean"
        parts.append(outlet_vs_rest(data, "value", measure=str(measure), kind=kind, settings=settings).assign(
            comparison="vs all other outlets"))
        if within_genre and within_genre_of(str(measure)):
            parts.append(outlet_vs_rest(data, "value", measure=str(measure), stratum="source_kind", kind=kind,
                                        settings=settings).assign(comparison="vs other outlets of the same genre"))
    parts = [p for p in parts if len(p)]
    if not parts:
        empty = typed(pd.DataFrame(columns=[*TEST_COLUMNS, "comparison"]), TEST_DTYPES)
        return with_fdr(empty, alpha=fdr)[list(TESTS_COLUMNS)]
    tests = pd.concat(parts, ignore_index=True)
    return with_fdr(tests, alpha=fdr).sort_values(["survives", "q_value", "measure", "outlet"],
                                                  ascending=[False, True, True, True], kind="stable").reset_index(
        drop=True)[list(TESTS_COLUMNS)]


EFFECT_NAMES = {"hedges_g": "Hedges' g", "cohen_h": "Cohen's h"}


def _describe(row: pd.Series, names: dict[str, str]) -> str:
    outlet = names.get(str(row["outlet"]), str(row["outlet"]))
    more = "higher" if row["difference"] > 0 else "lower"
    genre = f" (within {row['stratum']})" if isinstance(row["stratum"], str) else ""
    if row["kind"] == "share":
        values = (f"{100 * row['mean_outlet']:.0f}% vs {100 * row['mean_rest']:.0f}% of documents, difference "
                  f"{100 * row['difference']:+.0f} points [95% CI {100 * row['diff_ci_low']:+.0f}, "
                  f"{100 * row['diff_ci_high']:+.0f}]")
    else:
        values = (f"mean {row['mean_outlet']:.2f} vs {row['mean_rest']:.2f}, difference {row['difference']:+.2f} "
                  f"[95% CI {row['diff_ci_low']:+.2f}, {row['diff_ci_high']:+.2f}]")
    effect = EFFECT_NAMES.get(str(row["effect_size_name"]), str(row["effect_size_name"]))
    return (f"{outlet}: {row['measure']} is {more} than in other outlets{genre} — {values}, {effect} "
            f"{row['effect_size']:+.2f}, q = {row['q_value']:.3f} (n = {int(row['n_outlet'])} vs "
            f"{int(row['n_rest'])}).")


def key_findings_html(tests: pd.DataFrame, names: dict[str, str], *, evidence_note: str, fdr: float = 0.05) -> str:
    """Bullet points for the comparisons that survive FDR control (escaped HTML), or a plain statement if none."""
    surviving = tests[tests["survives"].astype(bool)]
    if surviving.empty:
        n = int(tests["p_value"].notna().sum())
        return (f"<p><b>No outlet difference survives correction for multiple comparisons</b> ({n} tests, "
                f"Benjamini–Hochberg at q &lt; {fdr:g}). The tables below show the estimates and their intervals; "
                f"treat any pattern in them as exploratory.</p>")
    items = "".join(f"<li>{html.escape(_describe(r, names))}</li>" for _, r in surviving.iterrows())
    return f"<ul>{items}</ul><p>{html.escape(evidence_note)}</p>"


def _effect(row: pd.Series) -> str:
    letter = {"hedges_g": "g", "cohen_h": "h"}.get(str(row["effect_size_name"]), "?")
    return f"{letter} {row['effect_size']:+.2f}" if np.isfinite(row["effect_size"]) else f"{letter} –"


def headline_table(tests: pd.DataFrame, *, k: int = 10) -> str:
    """The ``k`` strongest comparisons (lowest q) as a fixed-width text table, rounded to two decimals.

    ``detectable`` is the smallest difference these group sizes detect (80% power, two-sided 0.05), on the
    measure's scale. The test suite (nbval) checks this table, so a change in the study's headline numbers fails
    until it is accepted.
    """
    top = tests[tests["p_value"].notna()].sort_values(["q_value", "p_value", "measure", "outlet"],
                                                      kind="stable").head(k)
    if top.empty:
        return "No comparison could be tested (too few documents)."
    shown = pd.DataFrame({
        "outlet": top["outlet"], "measure": top["measure"].str.slice(0, 44),
        "within": top["stratum"].fillna("all"),
        "difference": top["difference"].map("{:+.2f}".format),
        "effect": [_effect(r) for _, r in top.iterrows()],
        "detectable": top["min_detectable_difference"].map(lambda v: f"{v:.2f}" if np.isfinite(v) else "–"),
        "q": top["q_value"].map("{:.2f}".format), "n": top["n_outlet"].astype(int).astype(str) + " vs "
        + top["n_rest"].astype(int).astype(str), "survives": top["survives"].map({True: "yes", False: "no"}),
    })
    return shown.to_string(index=False)


WINDOW_COLUMNS = ("window", "window_start", "window_end", "outlet", "voice", *SUMMARY_COLUMNS)


def window_summary(documents: pd.DataFrame, doc_sentiment: pd.DataFrame, windows: dict[str, list[str]] | None, *,
                   settings: CompareSettings = CompareSettings()) -> pd.DataFrame:
    """Tone per outlet within each event window (dated, unique documents); no rows without windows or dates."""
    docs = documents[documents["duplicate_of"].isna()].dropna(subset=["published_date"])
    if "vader_compound_mean" not in docs.columns:
        docs = docs.merge(doc_sentiment, on="doc_id")
    parts = []
    for name, (start, end) in (windows or {}).items():
        inside = docs[(docs["published_date"] >= str(start)) & (docs["published_date"] <= str(end))]
        if len(inside):
            parts.append(group_summary(inside, "vader_compound_mean", by=["outlet", "voice"], settings=settings)
                         .assign(window=name, window_start=str(start), window_end=str(end)))
    if not parts:
        return typed(pd.DataFrame(columns=list(WINDOW_COLUMNS)),
                     {k: v for k, v in summary_dtypes([]).items()})
    out = pd.concat(parts, ignore_index=True)
    return out[list(WINDOW_COLUMNS)]
