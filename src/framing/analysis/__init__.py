"""Analysis of the study's tables: guarded statistics (intervals, tests, effect sizes)."""

from framing.analysis.stats import (
    Interval,
    bh_qvalues,
    cohens_h,
    difference_interval,
    hedges_g,
    interval,
    mean_interval,
    min_detectable,
    newcombe_interval,
    permutation_pvalue,
    share_interval,
)

__all__ = ["Interval", "bh_qvalues", "cohens_h", "difference_interval", "hedges_g", "interval", "mean_interval",
           "min_detectable", "newcombe_interval", "permutation_pvalue", "share_interval"]
