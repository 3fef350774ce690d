"""Matplotlib figures, one function each.

Conventions (REPORT.md): each outlet keeps one colour and one position in every figure (colour-blind-safe
palette), confidence intervals everywhere, small-n groups drawn hollow and labelled rather than hidden, and
titles that say what the figure shows.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from framing.outlets import OutletRegistry

# Okabe & Ito (2008), then Paul Tol's "muted" scheme: 17 colour-blind-safe colours.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499",
)
SMALL_N_COLOUR = "#9a9a9a"


F = TypeVar("F", bound=Callable[..., Any])


def _glyph_tolerant(fn: F) -> F:
    """``fn`` under :func:`missing_glyphs_allowed` (every figure function here draws names from the corpus)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with missing_glyphs_allowed():
            return fn(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


@contextmanager
def missing_glyphs_allowed() -> Iterator[None]:
    """Draw names in scripts the bundled font lacks (CJK, say) as boxes, without a warning per glyph.

    Matplotlib's DejaVu Sans has no CJK glyphs; the names stay correct in every table and caption of the report.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
        yield


def plain(text: object) -> str:
    r"""Text that matplotlib draws as it is: every ``$`` escaped, so that no name is read as mathtext.

    Matplotlib parses text between two dollars as TeX, and a malformed formula fails the whole figure (and the
    run); outlet names, actor names and event-window names come from the corpus and the parameters.

    >>> print(plain("cost $5 or $\\frac{$"))
    cost \$5 or \$\frac{\$
    """
    return str(text).replace("$", r"\$")


def outlet_order(outlets: Sequence[str]) -> list[str]:
    """A fixed order: outlets of the shipped registry in its order, then others alphabetically.

    >>> outlet_order(["zz-new", "forum", "rt"])
    ['rt', 'forum', 'zz-new']
    """
    known = list(OutletRegistry.default().outlets)
    present = set(outlets)
    return [o for o in known if o in present] + sorted(present - set(known))


def outlet_colours(outlets: Sequence[str]) -> dict[str, str]:
    """One colour per outlet, stable across figures and runs (registry order first).

    >>> outlet_colours(["rt"])["rt"]
    '#0072B2'
    """
    known = list(OutletRegistry.default().outlets)
    colours = {o: PALETTE[i % len(PALETTE)] for i, o in enumerate(known)}
    extra = sorted(set(outlets) - set(known))
    for j, o in enumerate(extra):
        colours[o] = PALETTE[(len(known) + j) % len(PALETTE)]
    return {o: colours[o] for o in outlets}


@_glyph_tolerant
def empty_figure(title: str, message: str) -> Figure:
    """A small figure that says there is nothing to draw, and why (every plot here returns one for empty input)."""
    fig, ax = plt.subplots(figsize=(6, 1.6))
    ax.axis("off")
    ax.text(0.0, 0.5, plain(message), ha="left", va="center", fontsize=9, color="#555555", wrap=True)
    fig.suptitle(plain(title), fontsize=11, x=0.01, ha="left")
    return fig


@_glyph_tolerant
def forest(summary: pd.DataFrame, *, title: str, xlabel: str, facet: str | None = None,
           names: dict[str, str] | None = None, reference: float | None = 0.0,
           xlim: tuple[float, float] | None = None) -> Figure:
    """Forest plot: one row per outlet, the mean with its CI, optionally one panel per ``facet`` value.

    Args:
        summary: Output of :func:`framing.analysis.compare.group_summary` with an ``outlet`` column.
        title: What the figure shows.
        xlabel: The measure and its unit.
        facet: Column whose values become side-by-side panels (e.g. ``voice``).
        names: Display names for outlet slugs.
        reference: Where to draw a vertical reference line (None: none).
        xlim: Fixed x range.

    """
    names = names or {}
    summary = summary[pd.to_numeric(summary["mean"], errors="coerce").notna()] if len(summary) else summary
    if summary.empty:
        return empty_figure(title, "No group has a value to show.")
    outlets = outlet_order(summary["outlet"].unique().tolist())
    colours = outlet_colours(outlets)
    panels = sorted(summary[facet].dropna().unique().tolist()) if facet else [None]
    if not panels:
        panels = [None]
        facet = None
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels) + 1.8, 0.42 * len(outlets) + 1.6),
                             sharey=True, squeeze=False)
    ypos = {o: len(outlets) - 1 - i for i, o in enumerate(outlets)}
    for ax, panel in zip(axes[0], panels, strict=True):
        data = summary if panel is None else summary[summary[facet] == panel]
        for row in data.itertuples(index=False):
            y = ypos[str(row.outlet)]
            small = bool(row.small_n)
            colour = colours[str(row.outlet)]
            if pd.notna(row.ci_low):
                ax.hlines(y, row.ci_low, row.ci_high, color=SMALL_N_COLOUR if small else colour, lw=2)
            ax.plot(row.mean, y, "o", ms=7, mec=colour, mfc="white" if small else colour, mew=1.6)
            ax.annotate(f"n={row.n_docs!s}" + (" (small n)" if small else ""), (1.0, y), xycoords=("axes fraction",
                        "data"), xytext=(4, 0), textcoords="offset points", va="center", fontsize=7,
                        color=SMALL_N_COLOUR if small else "#333333")
        if reference is not None:
            ax.axvline(reference, color="#bbbbbb", lw=1, zorder=0)
        if xlim:
            ax.set_xlim(*xlim)
        ax.set_xlabel(plain(xlabel))
        if panel is not None:
            ax.set_title(plain(f"{facet}: {panel}"), fontsize=9)
        ax.grid(axis="x", color="#eeeeee")
        ax.spines[["top", "right"]].set_visible(False)
    axes[0][0].set_yticks([ypos[o] for o in outlets], [plain(names.get(o, o)) for o in outlets])
    axes[0][0].set_ylim(-0.7, len(outlets) - 0.3)
    fig.suptitle(plain(title), fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    return fig


TIMELINE_MAX_DAYS = 90  # distinct dates a timeline shows day by day; beyond, it counts per week or month
TIMELINE_MAX_LABELS = 150  # dots that get their count written beside them; beyond, the dot area alone says it


def timeline_period(dates: pd.Series) -> str:
    """The period a timeline counts documents in: by day, week or month, as many dates allow.

    ``day`` up to :data:`TIMELINE_MAX_DAYS` distinct dates, else ``week`` over at most two years, else ``month``.

    >>> timeline_period(pd.Series(["2019-01-23", "2019-01-24", None]))
    'day'
    >>> timeline_period(pd.Series(pd.date_range("2019-01-01", periods=200).strftime("%Y-%m-%d")))
    'week'
    """
    d = pd.to_datetime(dates.dropna(), errors="coerce").dropna()
    if d.dt.normalize().nunique() <= TIMELINE_MAX_DAYS:
        return "day"
    return "week" if (d.max() - d.min()).days <= 731 else "month"


@_glyph_tolerant
def timeline(documents: pd.DataFrame, *, title: str, names: dict[str, str] | None = None,
             period: str | None = None) -> Figure:
    """Documents per outlet and period (dated documents only), as a dot plot.

    ``period`` is ``day``, ``week`` (weeks starting on Monday) or ``month``; None picks it with
    :func:`timeline_period`, so that ten thousand dated documents make a readable plot rather than thousands of
    overlapping dots. Up to :data:`TIMELINE_MAX_LABELS` dots carry their count.
    """
    names = names or {}
    dated = documents.dropna(subset=["published_date"])
    if dated.empty:
        return empty_figure(title, "No document has a published date.")
    period = period or timeline_period(dated["published_date"])
    if period not in ("day", "week", "month"):
        raise ValueError(f"unknown period {period!r}; choose day, week or month")
    when = pd.to_datetime(dated["published_date"], errors="coerce")
    if period != "day":
        when = when.dt.to_period("W-SUN" if period == "week" else "M").dt.start_time
    dated = dated.assign(_when=when).dropna(subset=["_when"])
    outlets = outlet_order(dated["outlet"].unique().tolist())
    colours = outlet_colours(outlets)
    fig, ax = plt.subplots(figsize=(8, 0.4 * max(len(outlets), 1) + 1.6))
    counts = dated.groupby(["outlet", "_when"]).size().reset_index(name="n_docs")
    most = int(counts["n_docs"].max()) if len(counts) else 1
    label = len(counts) <= TIMELINE_MAX_LABELS
    for o in outlets:
        c = counts[counts["outlet"] == o]
        y = len(outlets) - 1 - outlets.index(o)
        sizes = 30 + 25 * c["n_docs"] if most <= 12 else 20 + 280 * c["n_docs"] / most  # areas stay on the axes
        ax.scatter(c["_when"], [y] * len(c), s=sizes, color=colours[o], alpha=0.85 if label else 0.6)
        if label:
            for d, n in zip(c["_when"], c["n_docs"], strict=True):
                ax.annotate(str(n), (d, y), xytext=(0, 9), textcoords="offset points", ha="center", fontsize=7)
    ax.set_yticks(range(len(outlets)), [plain(names.get(o, o)) for o in reversed(outlets)])
    ax.set_ylim(-0.7, max(len(outlets), 1) - 0.3)
    start = {"day": "published date", "week": "week of publication", "month": "month of publication"}[period]
    ax.set_xlabel(f"{start} (dot area{' and label' if label else ''}: documents"
                  + (f"; largest dot {most}" if not label else "") + ")")
    ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(plain(title), fontsize=11, x=0.01, ha="left")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


@_glyph_tolerant
def portrayal_heatmap(portrayal: pd.DataFrame, *, title: str, actor_names: dict[str, str] | None = None,
                      names: dict[str, str] | None = None, max_actors: int = 16) -> Figure:
    """Outlet × actor heatmap: colour is mean sentiment toward the actor, cell text is n documents (mentions).

    Small-n cells are hatched and greyed, not hidden. Actors are the ``max_actors`` most-mentioned.
    """
    import numpy as np
    from matplotlib.patches import Rectangle

    names = names or {}
    actor_names = actor_names or {}
    if portrayal.empty:
        return empty_figure(title, "No actor mention to show.")
    top = (portrayal.groupby("actor")["n_mentions"].sum().sort_values(ascending=False, kind="stable")
           .head(max_actors).index.tolist())
    outlets = outlet_order(portrayal["outlet"].unique().tolist())
    grid = np.full((len(outlets), len(top)), np.nan)
    fig, ax = plt.subplots(figsize=(0.62 * len(top) + 3.2, 0.45 * len(outlets) + 2.2))
    cells = portrayal.set_index(["outlet", "actor"])
    for i, o in enumerate(outlets):
        for j, a in enumerate(top):
            if (o, a) in cells.index:
                grid[i, j] = cells.loc[(o, a), "mean"]
    image = ax.imshow(grid, cmap="RdBu", vmin=-0.6, vmax=0.6, aspect="auto")
    for i, o in enumerate(outlets):
        for j, a in enumerate(top):
            if (o, a) not in cells.index:
                continue
            row = cells.loc[(o, a)]
            if bool(row["small_n"]):
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=True, facecolor="#f0f0f0", hatch="///",
                                       edgecolor=SMALL_N_COLOUR, lw=0))
            ax.text(j, i, f"{int(row['n_docs'])}\n({int(row['n_mentions'])})", ha="center", va="center",
                    fontsize=6, color="#555555" if bool(row["small_n"]) else "#111111")
    ax.set_xticks(range(len(top)), [plain(actor_names.get(a, a)) for a in top], rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(outlets)), [plain(names.get(o, o)) for o in outlets], fontsize=8)
    cbar = fig.colorbar(image, ax=ax, shrink=0.7)
    cbar.set_label("mean sentiment toward actor (p_pos − p_neg)")
    fig.suptitle(plain(title), fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    return fig


@_glyph_tolerant
def prevalence_heatmap(summary: pd.DataFrame, *, column: str, title: str, names: dict[str, str] | None = None,
                       column_names: dict[str, str] | None = None, vmax: float | None = None,
                       percent: bool = True, unit: str | None = None) -> Figure:
    """Outlet × ``column`` heatmap of a share (or rate) with its CI written in each cell; small n hatched.

    Args:
        summary: :func:`framing.analysis.compare.group_summary` output with ``outlet`` and ``column`` groups.
        column: The second grouping column (``frame``, ``topic``, ``category``).
        title: What the figure shows.
        names: Display names of outlets.
        column_names: Display names of the columns.
        vmax: Top of the colour scale (default: the largest mean).
        percent: Write cells as percentages (shares) rather than numbers (rates).
        unit: The colour bar's label (default: "% of documents", or "per 1,000 words" for rates).
    """
    import numpy as np
    from matplotlib.patches import Rectangle
    from matplotlib.ticker import PercentFormatter

    names = names or {}
    column_names = column_names or {}
    if summary.empty:
        return empty_figure(title, "No cell to show.")
    outlets = outlet_order(summary["outlet"].unique().tolist())
    cols = sorted(summary[column].unique().tolist(), key=str)
    grid = np.full((len(outlets), len(cols)), np.nan)
    cells = summary.set_index(["outlet", column])
    for i, o in enumerate(outlets):
        for j, c in enumerate(cols):
            if (o, c) in cells.index:
                grid[i, j] = cells.loc[(o, c), "mean"]
    top = vmax if vmax is not None else float(np.nanmax(grid)) if np.isfinite(grid).any() else 1.0
    fig, ax = plt.subplots(figsize=(0.95 * len(cols) + 3.4, 0.5 * len(outlets) + 2.4))
    image = ax.imshow(grid, cmap="Blues", vmin=0, vmax=max(top, 1e-9), aspect="auto")

    def fmt(v: float) -> str:
        return "–" if not np.isfinite(v) else (f"{100 * v:.0f}" if percent else f"{v:.1f}")

    for i, o in enumerate(outlets):
        for j, c in enumerate(cols):
            if (o, c) not in cells.index:
                continue
            row = cells.loc[(o, c)]
            small = bool(row["small_n"])
            if small:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#f0f0f0", hatch="///",
                                       edgecolor=SMALL_N_COLOUR, lw=0))
            dark = np.isfinite(grid[i, j]) and grid[i, j] > 0.6 * top and not small
            ax.text(j, i, f"{fmt(row['mean'])}\n[{fmt(row['ci_low'])}–{fmt(row['ci_high'])}]", ha="center",
                    va="center", fontsize=6, color="white" if dark else ("#555555" if small else "#111111"))
    ax.set_xticks(range(len(cols)), [plain(column_names.get(c, str(c))) for c in cols], rotation=55, ha="right",
                  fontsize=8)
    ax.set_yticks(range(len(outlets)), [plain(names.get(o, o)) for o in outlets], fontsize=8)
    bar = fig.colorbar(image, ax=ax, shrink=0.7)
    if percent:  # the cells say 40 for a share of 0.4: the scale is in percent too
        bar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    bar.set_label(plain(unit or ("% of documents" if percent else "per 1,000 words")))
    fig.suptitle(plain(title), fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    return fig


@_glyph_tolerant
def keyness_bars(keyness: pd.DataFrame, outlet: str, *, k: int = 12, name: str | None = None) -> Figure:
    """The ``k`` most distinctive terms of one outlet (z-scores); filled bars pass the FDR threshold."""
    rows = keyness[(keyness["outlet"] == outlet) & (keyness["z"] > 0)].head(k).iloc[::-1]
    if rows.empty:
        return empty_figure(f"Words most distinctive of {name or outlet}",
                            "No term is more frequent here than elsewhere.")
    colour = outlet_colours([outlet])[outlet]
    fig, ax = plt.subplots(figsize=(5.2, 0.28 * max(len(rows), 1) + 1.3))
    for y, (z, count, distinctive) in enumerate(rows[["z", "count", "distinctive"]].itertuples(index=False,
                                                                                               name=None)):
        ax.barh(y, float(z), color=colour if distinctive else "white", edgecolor=colour, lw=1.2)
        ax.text(float(z), y, f"  {count}", va="center", fontsize=7, color="#555555")
    ax.set_yticks(range(len(rows)), [plain(t) for t in rows["term"]], fontsize=8)
    ax.set_xlabel("z-score of the log-odds ratio vs all other outlets (filled: FDR q < 0.05; label: count)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(plain(f"Words most distinctive of {name or outlet}"), fontsize=10, x=0.01, ha="left")
    fig.tight_layout()
    return fig
