"""Findings sections: every outlet-versus-rest test, corrected for multiple comparisons, and tone per event window."""

from __future__ import annotations

import pandas as pd

from framing.analysis import findings
from framing.report import plots
from framing.report.display import Builder
from framing.report.sections.base import section
from framing.report.study import Needs, Study

NB = "00_findings.ipynb"
EVIDENCE_NOTE = ("Evidence: each measure's section below shows the sentences behind it; every test is in "
                 "tables/comparisons.csv.")


def tests(study: Study) -> pd.DataFrame:
    """Every outlet-versus-rest test of the study (computed once per study)."""
    s = study.settings
    return study.cached("tests", lambda: findings.run_tests(findings.document_measures(study.tables, study.unique),
                                                            settings=s.compare, fdr=s.fdr))


def untested_reason(study: Study, table: pd.DataFrame) -> str:
    """Why no comparison could be tested, in one sentence."""
    min_docs = study.settings.min_docs
    if table.empty:
        return ("No comparison could be made: the author-voice English documents come from fewer than two outlets, "
                "or carry no measure.")
    largest = table.sort_values("n_outlet", ascending=False, kind="stable").iloc[0]
    return (f"No comparison could be tested: a test needs at least {min_docs} documents (`min_docs`) on both sides "
            f"and some variation, and the largest outlet here has {int(largest['n_outlet'])} ({largest['outlet']}) "
            f"against {int(largest['n_rest'])}. Lower `min_docs`, or add documents.")


@section("key_findings", title="Key findings", notebook=NB, needs=Needs(outlets=2, voice="author", english=2))
def key_findings(study: Study, show: Builder) -> None:
    """Generated bullets for the differences that survive Benjamini–Hochberg correction."""
    table = show.save(tests(study), "comparisons")
    if table["p_value"].notna().sum() == 0:
        show.note(untested_reason(study, table))
        return
    show.html(findings.key_findings_html(table, study.names, evidence_note=EVIDENCE_NOTE, fdr=study.settings.fdr))


def headline(study: Study) -> str:
    """The ten strongest comparisons as fixed-width text (the cell the test suite checks), or why there are none."""
    reason = key_findings.needs.unmet(study)
    if reason is not None:
        return reason
    table = tests(study)
    if table["p_value"].notna().sum() == 0:
        return untested_reason(study, table)
    return findings.headline_table(table)


@section("all_comparisons", title="All comparisons", notebook=NB, needs=Needs(outlets=2, voice="author", english=2))
def all_comparisons(study: Study, show: Builder) -> None:
    """Every tested comparison, strongest first."""
    table = tests(study)
    tested = table[table["p_value"].notna()]
    if tested.empty:
        show.note(untested_reason(study, table))
        return
    show.table(tested.drop(columns=["p_value"]), max_rows=40,
               caption="Outlet versus the rest: difference with its 95% interval (diff_ci_method says how it was "
                       "made), the effect size suited to the measure (Hedges' g for means, Cohen's h for shares), "
                       "the smallest difference these group sizes detect with 80% power (min_detectable_*), and the "
                       "Benjamini–Hochberg q-value.")


@section("tone_over_time", title="Over time", notebook=NB, needs=Needs(english=1, dates=1, windows=True))
def tone_over_time(study: Study, show: Builder) -> None:
    """Tone per outlet within each event window, for windows where at least two outlets have documents."""
    docs = study.docs(english=True)
    coarse = pd.Series(False, index=docs.index)
    if "date_precision" in docs.columns:  # a date known only to the month cannot be placed in a window of days
        coarse = docs["date_precision"].astype("string").fillna("").isin(["month"])
        docs = docs[~coarse]
    over_time = findings.window_summary(docs, study.tables.doc_sentiment, study.settings.windows,
                                        settings=study.settings.compare)
    outlets = over_time.groupby("window")["outlet"].nunique() if len(over_time) else pd.Series(dtype="int64")
    alone = sorted(str(w) for w, n in outlets.items() if n < 2)
    over_time = show.save(over_time[~over_time["window"].astype(str).isin(alone)].reset_index(drop=True),
                          "tone_by_window")
    if alone:
        show.note(f"Not shown: {', '.join(alone)}, where documents of fewer than two outlets fall, so no outlet "
                  "can be compared with another.")
    if int(coarse.sum()):
        show.note(f"{int(coarse.sum())} document{'s' * (int(coarse.sum()) != 1)} dated only to the month "
                  "(`date_precision`) are left out of the event windows.")
    if over_time.empty:
        show.note("No English document falls in the event windows, so no tone can be shown per window.")
        return
    show.figure(plots.forest(over_time, facet="window", names=study.names, xlim=(-1, 1),
                             title="Mean document tone by outlet within each event window",
                             xlabel="mean VADER compound per document"),
                "tone_by_window",
                caption="Mean document tone per outlet in each event window with 95% intervals over documents; "
                        "hollow: small n.",
                alt="Forest plot of tone per outlet, one panel per event window.")
    show.table(over_time, caption="Tone per outlet and window.")
