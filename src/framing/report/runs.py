"""The runs in a reports folder: an HTML index, and what changed between two runs."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from framing.safeio import atomic_write_text


@dataclass
class Run:
    """One run folder and its manifest."""

    path: Path
    status: str
    manifest: dict[str, Any]

    @property
    def run_id(self) -> str:
        """The run id (folder name without its status suffix)."""
        return self.path.name.split(".")[0]


def list_runs(reports: Path) -> list[Run]:
    """Every run folder, newest first: complete, failed (``.failed``) and interrupted (``.partial``)."""
    runs = []
    for path in sorted((p for p in reports.iterdir() if p.is_dir() and p.name[:8].isdigit()), reverse=True):
        manifest_path = path / "manifest.json"
        try:  # a manifest cut short (a run killed by an older version, a disk that filled) is shown as unknown
            manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
        except (OSError, ValueError):
            manifest = {}
        if path.name.endswith(".partial"):
            status = "interrupted"
        else:
            status = manifest.get("status", "unknown")
        runs.append(Run(path, status, manifest))
    return runs


def write_index(reports: Path) -> Path:
    """Write ``reports/index.html``: each run with its status, parameters, corpus size and a link to its report."""
    latest = (reports / "latest").resolve().name if (reports / "latest").exists() else None
    rows = []
    for run in list_runs(reports):
        m = run.manifest
        corpus = m.get("corpus", {})
        params = m.get("parameters", {})
        link = (f'<a href="{html.escape(run.path.name)}/report.html">report</a>'
                if (run.path / "report.html").is_file() else "")
        shown = {k: v for k, v in params.items() if k not in ("corpus_dir",)}
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in [
            html.escape(run.run_id) + (" <b>(latest)</b>" if run.path.name == latest else ""),
            html.escape(run.status), html.escape(str(m.get("started_utc", ""))),
            html.escape(str(corpus.get("dir", ""))), html.escape(str(corpus.get("n_documents", ""))),
            html.escape(str(corpus.get("n_documents_unique", ""))),
            f"<code>{html.escape(json.dumps(shown, sort_keys=True))}</code>",
            html.escape(str((m.get("git") or {}).get("commit") or ""))[:10], link]) + "</tr>")
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>framing runs</title><style>"
            "body{font-family:sans-serif;margin:2em} td,th{border-bottom:1px solid #ddd;padding:4px 8px;"
            "text-align:left;vertical-align:top} code{font-size:85%}</style></head><body><h1>framing runs</h1>"
            "<table><tr><th>run</th><th>status</th><th>started (UTC)</th><th>corpus</th><th>documents</th>"
            "<th>unique</th><th>parameters</th><th>commit</th><th></th></tr>" + "".join(rows)
            + "</table></body></html>\n")
    return atomic_write_text(reports / "index.html", page)


def _table(run: Path, name: str) -> pd.DataFrame | None:
    path = run / "tables" / f"{name}.csv"
    return pd.read_csv(path, keep_default_na=False, na_values=[""]) if path.is_file() else None


def diff_runs(a: Path, b: Path) -> dict[str, Any]:
    """What changed from run ``a`` to run ``b``: documents, and outlet measures that moved beyond their CIs.

    A measure "moved" when run b's mean lies outside run a's 95% interval; findings are compared by whether they
    survive FDR control.
    """
    out: dict[str, Any] = {"run_a": a.name, "run_b": b.name}
    da, db = _table(a, "documents"), _table(b, "documents")
    if da is not None and db is not None:
        ids_a, ids_b = set(da["doc_id"]), set(db["doc_id"])
        added = db[db["doc_id"].isin(ids_b - ids_a)]
        out["documents"] = {"a": len(ids_a), "b": len(ids_b), "added": len(ids_b - ids_a),
                            "removed": len(ids_a - ids_b),
                            "added_per_outlet": {str(k): int(v) for k, v in added.groupby("outlet").size().items()}}
    shifts = []
    for name, label in (("sentiment_by_outlet", "tone"), ("actor_portrayal_author", "sentiment toward actor"),
                        ("generic_frames_author", "generic frame"), ("issue_frames_author", "issue frame")):
        ta, tb = _table(a, name), _table(b, name)
        if ta is None or tb is None:
            continue
        keys = [c for c in ("outlet", "actor", "frame") if c in ta.columns]
        mean_b = "mean" if "mean" in tb.columns else "mean_docs"
        lo, hi, mean_a = (("ci_low", "ci_high", "mean") if "ci_low" in ta.columns
                          else ("ci_low_docs", "ci_high_docs", "mean_docs"))
        merged = ta.merge(tb, on=keys, suffixes=("_a", "_b"))
        for _, r in merged.iterrows():
            m_b, low, high = (float(r[f"{mean_b}_b"]), float(r[f"{lo}_a"]), float(r[f"{hi}_a"]))
            if pd.notna(m_b) and pd.notna(low) and (m_b < low or m_b > high):
                shifts.append({"measure": label, **{k: r[k] for k in keys},
                               "mean_a": round(float(r[f"{mean_a}_a"]), 4),
                               "ci_a": [round(low, 4), round(high, 4)], "mean_b": round(m_b, 4)})
    out["shifts_beyond_ci"] = shifts
    fa, fb = _table(a, "comparisons"), _table(b, "comparisons")
    if fa is not None and fb is not None:
        out["comparisons_moved"] = comparisons_moved(fa, fb)
        keys = ["measure", "outlet", "comparison"]
        sa = set(map(tuple, fa.loc[fa["survives"] == True, keys].astype(str).to_numpy()))  # noqa: E712
        sb = set(map(tuple, fb.loc[fb["survives"] == True, keys].astype(str).to_numpy()))  # noqa: E712
        out["findings"] = {"new": sorted(map(list, sb - sa)), "gone": sorted(map(list, sa - sb)),
                           "kept": len(sa & sb)}
    return out


def comparisons_moved(a: pd.DataFrame, b: pd.DataFrame) -> list[dict[str, Any]]:
    """Outlet-vs-rest differences of run b outside run a's 95% interval of the same difference.

    Read from ``comparisons.csv``, which holds every measure the registered features offer, so a measure added
    to the registry is diffed with no other change.
    """
    keys = ["measure", "outlet", "comparison", "stratum"]
    needed = {*keys, "difference", "diff_ci_low", "diff_ci_high"}
    if not needed <= set(a.columns) or not needed <= set(b.columns):  # written before the intervals were kept
        return []
    ka, kb = a.assign(stratum=a["stratum"].fillna("")), b.assign(stratum=b["stratum"].fillna(""))
    merged = ka.merge(kb, on=keys, suffixes=("_a", "_b"))
    moved = []
    for row in merged.to_dict("records"):
        d_b, low, high = row["difference_b"], row["diff_ci_low_a"], row["diff_ci_high_a"]
        if pd.notna(d_b) and pd.notna(low) and pd.notna(high) and not low <= d_b <= high:
            moved.append({**{k: row[k] for k in keys}, "difference_a": round(float(row["difference_a"]), 4),
                          "ci_a": [round(float(low), 4), round(float(high), 4)],
                          "difference_b": round(float(d_b), 4)})
    return sorted(moved, key=lambda m: (m["measure"], m["outlet"], m["comparison"], m["stratum"]))


def format_diff(diff: dict[str, Any]) -> str:
    """A plain-text account of :func:`diff_runs`."""
    lines = [f"framing diff {diff['run_a']} -> {diff['run_b']}"]
    if "documents" in diff:
        d = diff["documents"]
        lines.append(f"documents: {d['a']} -> {d['b']} (+{d['added']} new, -{d['removed']} removed)")
        for outlet, n in sorted(d["added_per_outlet"].items()):
            lines.append(f"  new from {outlet}: {n}")
    shifts = diff["shifts_beyond_ci"]
    lines.append(f"measures that moved beyond run A's 95% interval: {len(shifts)}")
    for s in shifts:
        what = " / ".join(str(s[k]) for k in ("outlet", "actor", "frame") if k in s)
        lines.append(f"  {s['measure']} {what}: {s['mean_a']} [{s['ci_a'][0]}, {s['ci_a'][1]}] -> {s['mean_b']}")
    if "comparisons_moved" in diff:
        moved = diff["comparisons_moved"]
        lines.append(f"outlet-vs-rest differences outside run A's 95% interval: {len(moved)}")
        for m in moved:
            within = f" (within {m['stratum']})" if m["stratum"] else ""
            lines.append(f"  {m['measure']} / {m['outlet']}{within}: {m['difference_a']:+} [{m['ci_a'][0]:+}, "
                         f"{m['ci_a'][1]:+}] -> {m['difference_b']:+}")
    if "findings" in diff:
        f = diff["findings"]
        lines.append(f"key findings: {len(f['new'])} new, {len(f['gone'])} gone, {f['kept']} kept")
        lines += [f"  new: {' | '.join(x)}" for x in f["new"]] + [f"  gone: {' | '.join(x)}" for x in f["gone"]]
    return "\n".join(lines)
