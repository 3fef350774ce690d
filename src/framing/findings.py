"""Key findings: every outlet-versus-rest comparison the report makes, tested, corrected and written out.

Each measure is a document-level value (unique documents, author voice): tone, sentiment toward each
frequently named actor, each generic frame and each issue frame. Every outlet is compared with all other outlets
by a permutation test of the difference in means, with a bootstrap CI of the difference and Hedges' g; tone and
frames are also compared within genre (news against news, opinion against opinion), so that an outlet difference
is not just a genre difference. Benjamini–Hochberg controls the false discovery rate across all of these tests
at once. A finding is a comparison that survives; nothing is written by hand.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from framing.compare import outlet_vs_rest, with_fdr
from framing.config import CompareSettings


def document_measures(tables: Any, documents: pd.DataFrame, *, voice: str = "author",
                      min_actor_docs: int = 10) -> pd.DataFrame:
    """Long table of document-level measures: ``doc_id``, ``outlet``, ``source_kind``, ``measure``, ``value``."""
    docs = documents[documents["duplicate_of"].isna() & (documents["voice"] == voice)]
    keep = docs[["doc_id", "outlet", "source_kind"]]
    parts = [tables.doc_sentiment[["doc_id", "vader_compound_mean"]].rename(columns={"vader_compound_mean": "value"})
             .assign(measure="tone (mean sentence VADER compound)")]
    m = tables.actor_mentions.merge(keep[["doc_id"]], on="doc_id")
    per_doc = m.groupby(["actor", "doc_id"], sort=True)["actor_sentiment"].mean().reset_index()
    frequent = per_doc.groupby("actor").size()
    for actor in sorted(frequent[frequent >= min_actor_docs].index):
        parts.append(per_doc[per_doc["actor"] == actor][["doc_id", "actor_sentiment"]]
                     .rename(columns={"actor_sentiment": "value"}).assign(measure=f"sentiment toward {actor}"))
    gen = tables.doc_frames.assign(value=tables.doc_frames["frame_present"].astype(float),
                                   measure="generic frame: " + tables.doc_frames["frame"])
    iss = tables.issue_frame_docs.assign(value=tables.issue_frame_docs["uses_frame"].astype(float),
                                         measure="issue frame: " + tables.issue_frame_docs["frame"])
    parts += [gen[["doc_id", "value", "measure"]], iss[["doc_id", "value", "measure"]]]
    return pd.concat(parts, ignore_index=True).merge(keep, on="doc_id")


def run_tests(measures: pd.DataFrame, *, settings: CompareSettings = CompareSettings(), fdr: float = 0.05,
              within_genre: bool = True) -> pd.DataFrame:
    """Every outlet-vs-rest test (overall, and within genre for tone and frames), with BH q-values."""
    parts = []
    for measure, data in measures.groupby("measure", sort=True):
        parts.append(outlet_vs_rest(data, "value", measure=str(measure), settings=settings).assign(
            comparison="vs all other outlets"))
        if within_genre and not str(measure).startswith("sentiment toward"):
            parts.append(outlet_vs_rest(data, "value", measure=str(measure), stratum="source_kind",
                                        settings=settings).assign(comparison="vs other outlets of the same genre"))
    tests = pd.concat(parts, ignore_index=True)
    return with_fdr(tests, alpha=fdr).sort_values(["survives", "q_value", "measure", "outlet"],
                                                  ascending=[False, True, True, True], kind="stable").reset_index(
        drop=True)


def _describe(row: pd.Series, names: dict[str, str]) -> str:
    outlet = names.get(str(row["outlet"]), str(row["outlet"]))
    more = "higher" if row["difference"] > 0 else "lower"
    measure = str(row["measure"])
    unit = "share of documents" if "frame" in measure else "mean"
    genre = f" (within {row['stratum']})" if isinstance(row["stratum"], str) else ""
    return (f"{outlet}: {measure} is {more} than in other outlets{genre} — {unit} {row['mean_outlet']:.2f} vs "
            f"{row['mean_rest']:.2f}, difference {row['difference']:+.2f} [95% CI {row['diff_ci_low']:+.2f}, "
            f"{row['diff_ci_high']:+.2f}], Hedges' g {row['hedges_g']:+.2f}, q = {row['q_value']:.3f} "
            f"(n = {int(row['n_outlet'])} vs {int(row['n_rest'])}).")


def key_findings_html(tests: pd.DataFrame, names: dict[str, str], *, evidence_note: str) -> str:
    """Bullet points for the comparisons that survive FDR control (escaped HTML), or a plain statement if none."""
    surviving = tests[tests["survives"]]
    if surviving.empty:
        n = int(tests["p_value"].notna().sum())
        return (f"<p><b>No outlet difference survives correction for multiple comparisons</b> ({n} tests, "
                f"Benjamini–Hochberg at q &lt; 0.05). The tables below show the estimates and their intervals; "
                f"treat any pattern in them as exploratory.</p>")
    items = "".join(f"<li>{html.escape(_describe(r, names))}</li>" for _, r in surviving.iterrows())
    return f"<ul>{items}</ul><p>{html.escape(evidence_note)}</p>"


def headline_table(tests: pd.DataFrame, *, k: int = 10) -> str:
    """The ``k`` strongest comparisons (lowest q) as a fixed-width text table, rounded to two decimals.

    nbval checks this table, so a change in the study's headline numbers fails CI until it is accepted.
    """
    top = tests[tests["p_value"].notna()].sort_values(["q_value", "p_value", "measure", "outlet"],
                                                      kind="stable").head(k)
    if top.empty:
        return "No comparison could be tested (too few documents)."
    shown = pd.DataFrame({
        "outlet": top["outlet"], "measure": top["measure"].str.slice(0, 44),
        "within": top["stratum"].fillna("all"),
        "difference": top["difference"].map("{:+.2f}".format), "g": top["hedges_g"].map("{:+.2f}".format),
        "q": top["q_value"].map("{:.2f}".format), "n": top["n_outlet"].astype(int).astype(str) + " vs "
        + top["n_rest"].astype(int).astype(str), "survives": top["survives"].map({True: "yes", False: "no"}),
    })
    return shown.to_string(index=False)


def window_summary(documents: pd.DataFrame, doc_sentiment: pd.DataFrame, windows: dict[str, list[str]], *,
                   settings: CompareSettings = CompareSettings()) -> pd.DataFrame:
    """Tone per outlet within each event window (dated, unique documents)."""
    from framing.compare import group_summary

    docs = documents[documents["duplicate_of"].isna()].dropna(subset=["published_date"])
    if "vader_compound_mean" not in docs.columns:
        docs = docs.merge(doc_sentiment, on="doc_id")
    parts = []
    for name, (start, end) in windows.items():
        inside = docs[(docs["published_date"] >= str(start)) & (docs["published_date"] <= str(end))]
        if len(inside):
            parts.append(group_summary(inside, "vader_compound_mean", by=["outlet", "voice"], settings=settings)
                         .assign(window=name, window_start=str(start), window_end=str(end)))
    if not parts:
        return pd.DataFrame(columns=["window", "outlet", "voice", "n_docs", "mean", "ci_low", "ci_high", "small_n"])
    out = pd.concat(parts, ignore_index=True)
    return out[["window", "window_start", "window_end", "outlet", "voice", "n_docs", "mean", "ci_low", "ci_high",
                "small_n"]]
