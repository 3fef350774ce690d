"""Guarded statistics: intervals, tests and effect sizes that are total functions of their input.

Every function here accepts empty input, one value, one group, constant values and NaNs, and answers with NaN and
a reason (the ``method`` string of an :class:`Interval`) instead of raising or returning a degenerate interval. The
choice of interval follows the data:

- a **share** (a 0/1 value per document) gets the Wilson score interval (scipy's ``binomtest``), which keeps its
  coverage at small n and at 0% or 100% (8 of 8 documents: [68%, 100%], not [100%, 100%]);
- a **mean** gets a percentile bootstrap over documents only from ``min_bootstrap_n`` values up; below that the
  bootstrap's few distinct resamples make its interval far too narrow (two documents give three possible means), so
  a Student t interval is given instead, and below two values none. From ``t_from`` values (the report passes
  ``CompareSettings.large_n``, 1,000) the t interval replaces the bootstrap again, at the other end: there the
  bootstrap distribution of a mean is normal to within its own Monte Carlo error, while scipy's bootstrap holds
  ``n_resamples`` × n values at once (1.6 GB at 10^5 documents). A test checks the two against each other.

Differences between two groups follow the same rule (Newcombe's hybrid score interval for shares, bootstrap or
Welch's t for means), and each comes with the effect size suited to its measure: Cohen's h for shares, Hedges' g
for means. :func:`min_detectable` says how large a difference the group sizes could detect.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

Kind = Literal["mean", "share"]
KINDS: tuple[str, ...] = ("mean", "share")
POWER = 0.8  # power of the minimum detectable effect
ALPHA = 0.05  # two-sided level of the minimum detectable effect (before any correction for multiple tests)


@dataclass(frozen=True)
class Interval:
    """An estimate with its interval and how the interval was made (or why there is none)."""

    estimate: float
    low: float
    high: float
    method: str

    def as_tuple(self) -> tuple[float, float, float]:
        """``(estimate, low, high)``."""
        return self.estimate, self.low, self.high


NAN = float("nan")


def finite(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """The finite values of ``values`` as float64 (NaN, None and ±inf dropped).

    >>> finite([1, None, float("nan"), 2.5]).tolist()
    [1.0, 2.5]
    """
    x = np.asarray(values, dtype="float64").ravel()
    return x[np.isfinite(x)]


def _bootstrap(data: tuple[np.ndarray, ...], statistic: Callable[..., np.ndarray], *, n_resamples: int,
               confidence_level: float, seed: int) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=stats.DegenerateDataWarning)
        res = stats.bootstrap(data, statistic, n_resamples=n_resamples, confidence_level=confidence_level,
                              method="percentile", rng=np.random.default_rng(seed), vectorized=True)
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def mean_interval(values: Sequence[float] | np.ndarray, *, confidence_level: float = 0.95, n_resamples: int = 2000,
                  min_bootstrap_n: int = 20, seed: int = 0, t_from: int | None = None) -> Interval:
    """Mean of the finite ``values`` with a bootstrap, t, or no interval, by how many there are.

    The bootstrap is used from ``min_bootstrap_n`` values up to, but not including, ``t_from`` (None: no upper
    bound); outside that range the interval is Student's t.

    >>> mean_interval([]).method
    'none: no values'
    >>> mean_interval([0.5]).as_tuple()
    (0.5, nan, nan)
    >>> iv = mean_interval([0.1, 0.2, 0.4])
    >>> iv.method, iv.low < 0.1 and iv.high > 0.4
    ('t (n = 3, under 20)', True)
    >>> mean_interval([0.3] * 25).method
    'none: all 25 values are equal'
    >>> mean_interval([0.1, 0.2, 0.4] * 10, t_from=30).method
    't (n = 30, 30 or more)'
    """
    x = finite(values)
    n = len(x)
    if n == 0:
        return Interval(NAN, NAN, NAN, "none: no values")
    mean = float(x.mean())
    if n == 1:
        return Interval(mean, NAN, NAN, "none: one value")
    if np.ptp(x) == 0:
        return Interval(mean, NAN, NAN, f"none: all {n} values are equal")
    small = n < min_bootstrap_n
    if small or (t_from is not None and n >= t_from):
        with np.errstate(all="ignore"):
            low, high = stats.t.interval(confidence_level, n - 1, loc=mean, scale=float(np.std(x, ddof=1) / np.sqrt(n)))
        why = f"under {min_bootstrap_n}" if small else f"{t_from} or more"
        return Interval(mean, float(low), float(high), f"t (n = {n}, {why})")
    low, high = _bootstrap((x,), np.mean, n_resamples=n_resamples, confidence_level=confidence_level, seed=seed)
    return Interval(mean, low, high, "bootstrap")


def share_interval(successes: int, n: int, *, confidence_level: float = 0.95) -> Interval:
    """A share ``successes / n`` with its Wilson score interval (no interval for n = 0).

    >>> iv = share_interval(8, 8)
    >>> iv.estimate, round(iv.low, 3), iv.high
    (1.0, 0.676, 1.0)
    >>> share_interval(0, 0).method
    'none: no values'
    """
    if n <= 0:
        return Interval(NAN, NAN, NAN, "none: no values")
    k = int(successes)
    if not 0 <= k <= n:
        raise ValueError(f"{k} successes out of {n}")
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence_level, method="wilson")
    return Interval(k / n, float(ci.low), float(ci.high), "wilson")


def is_binary(values: Sequence[float] | np.ndarray) -> bool:
    """Whether every finite value is 0 or 1 (a share measure).

    >>> is_binary([0, 1, 1.0, float("nan")]), is_binary([0, 0.5])
    (True, False)
    """
    x = finite(values)
    return bool(np.isin(x, (0.0, 1.0)).all())


def interval(values: Sequence[float] | np.ndarray, *, kind: Kind, confidence_level: float = 0.95,
             n_resamples: int = 2000, min_bootstrap_n: int = 20, seed: int = 0, t_from: int | None = None) -> Interval:
    """:func:`share_interval` of 0/1 values or :func:`mean_interval` of any values, by ``kind``."""
    if kind == "share":
        x = finite(values)
        if not is_binary(x):
            raise ValueError("a share needs 0/1 values; use kind='mean' for other measures")
        return share_interval(int(x.sum()), len(x), confidence_level=confidence_level)
    if kind == "mean":
        return mean_interval(values, confidence_level=confidence_level, n_resamples=n_resamples,
                             min_bootstrap_n=min_bootstrap_n, seed=seed, t_from=t_from)
    raise ValueError(f"unknown kind {kind!r}; choose one of {list(KINDS)}")


# ---------------------------------------------------------------- two groups

def hedges_g(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """Hedges' g of ``x`` against ``y`` (NaN with fewer than two values in a group or no spread).

    >>> round(hedges_g([1, 2, 3], [2, 3, 4]), 3)
    -0.8
    >>> hedges_g([1], [2, 3])
    nan
    """
    a, b = finite(x), finite(y)
    nx, ny = len(a), len(b)
    if nx < 2 or ny < 2:
        return NAN
    pooled = math.sqrt(((nx - 1) * a.var(ddof=1) + (ny - 1) * b.var(ddof=1)) / (nx + ny - 2))
    if pooled == 0:
        return NAN
    correction = 1 - 3 / (4 * (nx + ny) - 9)
    return float((a.mean() - b.mean()) / pooled * correction)


def cohens_h(p1: float, p2: float) -> float:
    """Cohen's h between two proportions: 2·asin(√p1) − 2·asin(√p2) (NaN if either is missing).

    >>> round(cohens_h(0.5, 0.2), 3)
    0.644
    """
    if not (np.isfinite(p1) and np.isfinite(p2)):
        return NAN
    return float(2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2)))


def newcombe_interval(k1: int, n1: int, k2: int, n2: int, *, confidence_level: float = 0.95) -> Interval:
    """Difference ``k1/n1 − k2/n2`` with Newcombe's hybrid score interval (his method 10, from Wilson limits).

    Newcombe (1998), Statistics in Medicine 17, Table II, example (a): 56/70 against 48/80, 0.0524 to 0.3339.

    >>> iv = newcombe_interval(56, 70, 48, 80)
    >>> round(iv.estimate, 2), round(iv.low, 4), round(iv.high, 4)
    (0.2, 0.0524, 0.3339)
    """
    if n1 <= 0 or n2 <= 0:
        return Interval(NAN, NAN, NAN, "none: a group is empty")
    a = share_interval(k1, n1, confidence_level=confidence_level)
    b = share_interval(k2, n2, confidence_level=confidence_level)
    d = a.estimate - b.estimate
    low = d - math.sqrt((a.estimate - a.low) ** 2 + (b.high - b.estimate) ** 2)
    high = d + math.sqrt((a.high - a.estimate) ** 2 + (b.estimate - b.low) ** 2)
    return Interval(d, max(low, -1.0), min(high, 1.0), "newcombe")


def difference_interval(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, *, kind: Kind,
                        confidence_level: float = 0.95, n_resamples: int = 2000, min_bootstrap_n: int = 20,
                        seed: int = 0, welch_from: int | None = None) -> Interval:
    """Difference of means (or shares) of ``x`` and ``y`` with the interval their kind and sizes allow.

    Shares: Newcombe. Means: a percentile bootstrap when both groups have ``min_bootstrap_n`` values, else Welch's
    t interval, and none when a group has fewer than two values or neither varies. From ``welch_from`` values in
    both groups together (None: never), means get Welch's t interval in place of the bootstrap: at that size the
    bootstrap distribution of a difference of means is normal to within its own Monte Carlo error, and it costs
    ``n_resamples`` passes over every value (a test checks the two intervals against each other).

    >>> difference_interval([], [1.0], kind="mean").method
    'none: a group is empty'
    >>> difference_interval([0.1, 0.3], [0.5, 0.9, 0.7], kind="mean").method
    'welch t (n = 2 and 3, under 20)'
    """
    a, b = finite(x), finite(y)
    if len(a) == 0 or len(b) == 0:
        return Interval(NAN, NAN, NAN, "none: a group is empty")
    if kind == "share":
        if not (is_binary(a) and is_binary(b)):
            raise ValueError("a share needs 0/1 values; use kind='mean' for other measures")
        return newcombe_interval(int(a.sum()), len(a), int(b.sum()), len(b), confidence_level=confidence_level)
    if kind != "mean":
        raise ValueError(f"unknown kind {kind!r}; choose one of {list(KINDS)}")
    d = float(a.mean() - b.mean())
    if len(a) < 2 or len(b) < 2:
        return Interval(d, NAN, NAN, "none: a group has one value")
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        return Interval(d, NAN, NAN, "none: no variation in either group")
    small = min(len(a), len(b)) < min_bootstrap_n
    if small or (welch_from is not None and len(a) + len(b) >= welch_from):
        with warnings.catch_warnings():  # "precision loss" on nearly equal values: the interval is still right
            warnings.simplefilter("ignore", category=RuntimeWarning)
            res = stats.ttest_ind(a, b, equal_var=False)
            ci = res.confidence_interval(confidence_level=confidence_level)
        why = f"under {min_bootstrap_n}" if small else f"{welch_from} or more in all"
        return Interval(d, float(ci.low), float(ci.high), f"welch t (n = {len(a)} and {len(b)}, {why})")

    low, high = _bootstrap((a, b), _mean_difference, n_resamples=n_resamples, confidence_level=confidence_level,
                           seed=seed)
    return Interval(d, low, high, "bootstrap")


# values gathered per batch of permutations (32 MB of float64): memory stays bounded on a million documents
PERMUTATION_BATCH_VALUES = 1 << 22


def _mean_difference(u: np.ndarray, v: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(u, axis=axis) - np.mean(v, axis=axis)


def permutation_null(a: np.ndarray, b: np.ndarray, *, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """The randomised null distribution of ``mean(a) - mean(b)``: the values ``scipy.stats.permutation_test`` draws.

    scipy (1.17) draws each resample as ``rng.permutation(n)`` of the pooled values, gathers them all at once and
    splits them at ``len(a)``. This draws the same permutations from the same generator, in the same order, and
    takes the same means of the same slices, so the values are equal bit for bit (a test checks it against scipy);
    it skips scipy's list-to-array copy and gathers in batches of :data:`PERMUTATION_BATCH_VALUES`, which makes it
    several times faster and keeps its memory bounded.
    """
    pooled = np.concatenate([a, b])
    n, split = len(pooled), len(a)
    rows = max(1, min(n_resamples, PERMUTATION_BATCH_VALUES // n))
    index = np.empty((rows, n), dtype=np.intp)
    null = np.empty(n_resamples, dtype=float)
    for start in range(0, n_resamples, rows):
        k = min(rows, n_resamples - start)
        for i in range(k):
            index[i] = rng.permutation(n)
        batch = pooled[index[:k]]
        null[start:start + k] = _mean_difference(batch[:, :split], batch[:, split:])
    return null


def _splits_at_most(n: int, k: int, limit: int) -> bool:
    """Whether ``math.comb(n, k) <= limit``, without computing a huge binomial (seconds at a million values).

    >>> _splits_at_most(8, 4, 70), _splits_at_most(8, 4, 69), _splits_at_most(10**6, 500, 2000)
    (True, False, False)
    """
    k = min(k, n - k)
    value = 1
    for i in range(1, k + 1):
        value = value * (n - k + i) // i  # C(n-k+i, i): exact at every step, and never smaller than the last
        if value > limit:
            return False
    return True


def permutation_pvalue(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, *, n_resamples: int = 2000,
                       seed: int = 0) -> float:
    """Two-sided permutation test of the difference in means (NaN below two values a group, or no variation).

    The p-value is scipy's (``stats.permutation_test`` with ``permutation_type="independent"``): exact when
    ``n_resamples`` covers every distinct split, else randomised with the +1 correction and scipy's relative tie
    tolerance of 100 machine epsilons. Randomised nulls come from :func:`permutation_null`, equal to scipy's.

    >>> permutation_pvalue([], [1.0, 2.0])
    nan
    >>> permutation_pvalue([0.0] * 30, [1.0] * 30, n_resamples=200) < 0.01
    True
    """
    a, b = finite(x), finite(y)
    if len(a) < 2 or len(b) < 2 or np.ptp(np.r_[a, b]) == 0:  # scipy needs two values a group
        return NAN
    rng = np.random.default_rng(seed)
    if _splits_at_most(len(a) + len(b), len(a), n_resamples):  # exact: scipy enumerates every split
        res = stats.permutation_test((a, b), _mean_difference, permutation_type="independent", vectorized=True,
                                     n_resamples=n_resamples, alternative="two-sided", rng=rng)
        return float(res.pvalue)
    null = permutation_null(a, b, n_resamples=n_resamples, rng=rng)
    observed = _mean_difference(a, b)
    gamma = np.abs(np.finfo(float).eps * 100 * observed)
    less = (np.count_nonzero(null <= observed + gamma) + 1) / (n_resamples + 1)
    greater = (np.count_nonzero(null >= observed - gamma) + 1) / (n_resamples + 1)
    return float(np.clip(min(less, greater) * 2, 0.0, 1.0))


def shared_permutation_pvalues(values: Sequence[float] | np.ndarray, groups: Sequence[int] | np.ndarray, *,
                               n_resamples: int = 2000, seed: int = 0,
                               analytic_from: int | None = None) -> np.ndarray:
    """Two-sided permutation p-values of every group against the rest, from one set of permutations.

    For many documents, testing each of ``g`` groups against the rest with its own permutations costs ``g`` times
    ``n_resamples`` shuffles of all ``N`` values. Here each shuffle serves every group: the first ``n_j`` values
    of a uniformly random permutation are a uniformly random subset of size ``n_j``, so each group's null
    distribution is exactly the one :func:`permutation_pvalue` draws from (random splits of the pooled values at
    that group's size), and its p-value is a valid randomised permutation p-value with the same +1 correction and
    tie tolerance. Only the groups' tests are correlated with each other, which the Benjamini–Hochberg correction
    allows (it holds under positive dependence). The cost is one ``O(N · n_resamples)`` pass in all, and the
    values drawn differ from scipy's, so p-values agree with :func:`permutation_pvalue` within Monte Carlo error,
    not bit for bit (a test checks the agreement).

    From ``analytic_from`` units on both sides of a split (the group and its rest), the permutation distribution
    itself is used in place of draws from it, which makes the cost independent of ``N``: for 0/1 values it is
    the hypergeometric distribution of the group's count (the exact permutation test, as Fisher's), and for
    other values the normal distribution with the permutation variance
    ``σ² · N² / (n_j · (N − n_j) · (N − 1))`` of the difference (σ² the population variance of all values),
    which holds by the finite-population central limit theorem. The normal form is used only where the values'
    standardised third absolute moment over the square root of ``n_j (N − n_j) / N`` is at most
    :data:`NORMAL_SKEW_LIMIT`, so heavy tails or a few non-zero values keep their permutations. Tests check both
    forms against drawn permutations.

    Args:
        values: One finite value per unit (NaNs are an error: drop them first).
        groups: The group of each unit, as integer codes.
        n_resamples: Permutations drawn.
        seed: Seed of the permutations.
        analytic_from: Size of the smaller side of a split from which the permutation distribution is used
            directly (None: never).

    Returns:
        One p-value per group code from 0 to ``max(groups)``; NaN for a group or rest under two values, or
        when no value varies.

    >>> p = shared_permutation_pvalues([0.0] * 30 + [1.0] * 30 + [0.5] * 30, [0] * 30 + [1] * 30 + [2] * 30,
    ...                                n_resamples=500)
    >>> bool(p[0] < 0.01 and p[1] < 0.01 and p[2] > 0.3)
    True
    """
    z = np.asarray(values, dtype="float64").ravel()
    codes = np.asarray(groups, dtype=np.intp).ravel()
    if len(z) != len(codes):
        raise ValueError(f"{len(z)} values but {len(codes)} group codes")
    if not np.isfinite(z).all():
        raise ValueError("values must be finite; drop the missing ones first")
    n_groups = int(codes.max()) + 1 if len(codes) else 0
    out = np.full(n_groups, NAN)
    n = len(z)
    if n < 4 or np.ptp(z) == 0:
        return out
    sizes = np.bincount(codes, minlength=n_groups)
    sums = np.bincount(codes, weights=z, minlength=n_groups)
    total = float(z.sum())
    testable = (sizes >= 2) & (n - sizes >= 2)
    if not testable.any():
        return out
    # a group's subset sum is a prefix sum of the shuffled values; a group over half of them is the complement of
    # a prefix, so no prefix needs to be longer than half the units
    take = np.where(sizes <= n - sizes, sizes, n - sizes)
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = sums / sizes - (total - sums) / (n - sizes)
    if analytic_from is not None:
        analytic = testable & (take >= analytic_from)
        if analytic.any():
            exact = _analytic_pvalues(z, sizes[analytic], sums[analytic], observed[analytic])
            done = np.isfinite(exact)
            out[np.flatnonzero(analytic)[done]] = exact[done]
            testable = testable & ~np.isfinite(out)
        if not testable.any():
            return out
    depth = int(take[testable].max())
    gamma = np.abs(np.finfo(float).eps * 100 * observed)
    less = np.zeros(n_groups, dtype=np.int64)
    greater = np.zeros(n_groups, dtype=np.int64)
    rng = np.random.default_rng(seed)
    rows = max(1, min(n_resamples, PERMUTATION_BATCH_VALUES // depth))
    drawn = np.empty((rows, depth), dtype=np.intp)
    tested = np.flatnonzero(testable)
    for start in range(0, n_resamples, rows):
        k = min(rows, n_resamples - start)
        for i in range(k):  # the first `depth` places of a random permutation: an ordered sample without replacement
            drawn[i] = rng.choice(n, depth, replace=False)
        prefix = np.cumsum(z[drawn[:k]], axis=1)
        for g in tested:
            s = prefix[:, take[g] - 1]
            if take[g] != sizes[g]:  # the complement's prefix: this group holds the rest
                s = total - s
            null = s / sizes[g] - (total - s) / (n - sizes[g])
            less[g] += np.count_nonzero(null <= observed[g] + gamma[g])
            greater[g] += np.count_nonzero(null >= observed[g] - gamma[g])
    p = np.minimum((less + 1) / (n_resamples + 1), (greater + 1) / (n_resamples + 1)) * 2
    out[tested] = np.clip(p[tested], 0.0, 1.0)
    return out


# largest standardised third absolute moment over sqrt(n_j (N - n_j) / N) for which the normal form is used: the
# size of the Berry–Esseen term, so the normal CDF is off by a few thousandths at most where it is used
NORMAL_SKEW_LIMIT = 0.1


def _analytic_pvalues(z: np.ndarray, sizes: np.ndarray, sums: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Two-sided p-values of groups of ``sizes`` against the rest from the permutation distribution itself.

    0/1 values: the hypergeometric distribution of a group's count, exact. Other values: the normal
    distribution with the permutation variance, NaN where the values are too skewed for it (see
    :func:`shared_permutation_pvalues`).
    """
    n = len(z)
    if is_binary(z):
        positives = int(z.sum())
        counts = np.rint(sums).astype(np.int64)
        low = stats.hypergeom.cdf(counts, n, positives, sizes)
        high = stats.hypergeom.sf(counts - 1, n, positives, sizes)
        return np.clip(2 * np.minimum(low, high), 0.0, 1.0)
    centred = z - z.mean()
    var = float(np.mean(centred ** 2))
    rho = float(np.mean(np.abs(centred) ** 3)) / var ** 1.5
    effective = sizes * (n - sizes) / n
    sd = np.sqrt(var * n * n / (sizes * (n - sizes) * (n - 1)))
    p = np.clip(2 * stats.norm.sf(np.abs(observed) / sd), 0.0, 1.0)
    return np.where(rho / np.sqrt(effective) <= NORMAL_SKEW_LIMIT, p, NAN)


def effect_size(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, *, kind: Kind
                ) -> tuple[float, str]:
    """The effect size suited to the measure: ``(Cohen's h, "cohen_h")`` for shares, Hedges' g for means."""
    if kind == "share":
        a, b = finite(x), finite(y)
        p1 = float(a.mean()) if len(a) else NAN
        p2 = float(b.mean()) if len(b) else NAN
        return cohens_h(p1, p2), "cohen_h"
    return hedges_g(x, y), "hedges_g"


def min_detectable(n1: int, n2: int, *, kind: Kind, reference: float = NAN, sd: float = NAN, alpha: float = ALPHA,
                   power: float = POWER) -> tuple[float, float]:
    """Smallest effect that groups of ``n1`` and ``n2`` detect with ``power`` at two-sided ``alpha``.

    Returns ``(standardised, difference)``: the effect in the measure's effect-size unit (Cohen's h for shares,
    Cohen's d for means), and the same as a difference on the measure's own scale (for a share, above
    ``reference``, the other group's share; for a mean, times ``sd``, the pooled standard deviation). Normal
    approximation, before any correction for multiple comparisons.

    >>> h, d = min_detectable(8, 80, kind="share", reference=0.2)
    >>> round(h, 2), round(d, 2)
    (1.04, 0.49)
    >>> min_detectable(0, 5, kind="mean")
    (nan, nan)
    """
    if n1 <= 0 or n2 <= 0:
        return NAN, NAN
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    standard = float(z * math.sqrt(1 / n1 + 1 / n2))
    if kind == "share":
        if not np.isfinite(reference):
            return standard, NAN
        # the share that lies h above the reference (or below, where above would pass 100%)
        phi = 2 * math.asin(math.sqrt(min(max(reference, 0.0), 1.0)))
        up = phi + standard
        if up <= math.pi:
            return standard, float(math.sin(up / 2) ** 2 - reference)
        down = max(phi - standard, 0.0)
        return standard, float(reference - math.sin(down / 2) ** 2)
    return standard, float(standard * sd) if np.isfinite(sd) else NAN


def pooled_sd(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """Pooled standard deviation of two groups (NaN with fewer than three values in all)."""
    a, b = finite(x), finite(y)
    if len(a) + len(b) < 3 or len(a) == 0 or len(b) == 0:
        return NAN
    ss = ((len(a) - 1) * a.var(ddof=1) if len(a) > 1 else 0.0) + ((len(b) - 1) * b.var(ddof=1) if len(b) > 1 else 0.0)
    return float(math.sqrt(ss / (len(a) + len(b) - 2)))


def bh_qvalues(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg q-values of the finite p-values; NaN where p is NaN, and an empty array for none.

    >>> bh_qvalues([0.01, float("nan"), 0.04]).round(3).tolist()
    [0.02, nan, 0.04]
    >>> bh_qvalues([]).tolist()
    []
    """
    p = np.asarray(pvalues, dtype="float64").ravel()
    q = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        q[ok] = stats.false_discovery_control(np.clip(p[ok], 0.0, 1.0), method="bh")
    return q
