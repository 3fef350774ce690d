"""Distinctive terms per outlet: log-odds ratios with an informative Dirichlet prior ("Fightin' Words").

Monroe, Colaresi & Quinn (2008), Political Analysis 16(4), eqs. 16–22. For outlet *i* against the pooled rest *j*
and term *w* with counts *y*, totals *n*, and prior counts α_w = α0 · (pooled count of w / pooled total):

    δ_w = log((y_iw + α_w) / (n_i + α0 − y_iw − α_w)) − log((y_jw + α_w) / (n_j + α0 − y_jw − α_w))
    σ²_w ≈ 1 / (y_iw + α_w) + 1 / (y_jw + α_w),      z_w = δ_w / σ_w

Two-sided p-values from the normal distribution are corrected with Benjamini–Hochberg across every outlet × term
test. Duplicates are counted once (the caller passes unique documents). Documents that the English measures
do not score (``lang``, see :mod:`framing.language`) are left out: word counts across languages are not comparable,
and the stop words removed are English.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse, stats

from framing.analysis.stats import bh_qvalues
from framing.language import english_measures_mask


def count_terms(documents: pd.DataFrame, *, ngram_range: tuple[int, int] = (1, 2), min_df: int = 2,
                stop_words: str | None = "english") -> tuple[sparse.csr_matrix, list[str]]:
    """Document × term counts of unigrams and bigrams (lower-cased words; English stop words removed)."""
    from sklearn.feature_extraction.text import CountVectorizer

    vec = CountVectorizer(ngram_range=ngram_range, min_df=min_df, stop_words=stop_words, lowercase=True,
                          token_pattern=r"(?u)\b[^\W\d_][\w'’-]*[^\W_]\b|\b[^\W\d_]\b")
    X = vec.fit_transform(documents["text"].astype(str))
    return X.tocsr(), vec.get_feature_names_out().tolist()


def fightin_words(counts: pd.DataFrame, *, alpha0: float = 1000.0) -> pd.DataFrame:
    """Each group (row of ``counts``) against the pooled other rows, for every term (column).

    Args:
        counts: Groups × terms matrix of counts.
        alpha0: Total prior count (the prior's strength), spread over terms by their pooled frequency.

    Returns:
        Long table: ``group``, ``term``, ``count``, ``count_rest``, ``log_odds_ratio`` (δ), ``z``, ``p_value``,
        ``q_value`` (Benjamini–Hochberg over all rows).

    >>> c = pd.DataFrame([[10, 0], [0, 10]], index=["a", "b"], columns=["x", "y"])
    >>> out = fightin_words(c, alpha0=2)
    >>> out.loc[(out.group == "a") & (out.term == "x"), "z"].round(3).item() > 0
    True
    """
    y = counts.to_numpy(dtype=float)
    pooled = y.sum(axis=0)
    total = pooled.sum()
    alpha = alpha0 * pooled / total
    rows = []
    for g, name in enumerate(counts.index):
        yi = y[g]
        yj = pooled - yi
        ni, nj = yi.sum(), yj.sum()
        delta = (np.log((yi + alpha) / (ni + alpha0 - yi - alpha))
                 - np.log((yj + alpha) / (nj + alpha0 - yj - alpha)))
        var = 1.0 / (yi + alpha) + 1.0 / (yj + alpha)
        z = delta / np.sqrt(var)
        rows.append(pd.DataFrame({"group": name, "term": counts.columns, "count": yi.astype(int),
                                  "count_rest": yj.astype(int), "log_odds_ratio": delta, "z": z}))
    out = pd.concat(rows, ignore_index=True)
    out["p_value"] = 2 * stats.norm.sf(np.abs(out["z"]))
    out["q_value"] = bh_qvalues(out["p_value"].to_numpy())
    return out


KEYNESS_COLUMNS = ("outlet", "term", "count", "count_rest", "log_odds_ratio", "z", "p_value", "q_value", "ngram",
                   "distinctive")


def _empty_keyness() -> pd.DataFrame:
    dtypes = {"outlet": "object", "term": "object", "count": "int64", "count_rest": "int64",
              "log_odds_ratio": "float64", "z": "float64", "p_value": "float64", "q_value": "float64",
              "ngram": "int64", "distinctive": "bool"}
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})


def outlet_keyness(documents: pd.DataFrame, *, alpha0: float = 1000.0, min_df: int = 2,
                   fdr: float = 0.05) -> pd.DataFrame:
    """Distinctive terms of each outlet against all other outlets (unique documents the English measures score).

    Returns:
        :func:`fightin_words` columns with ``group`` renamed ``outlet``, plus ``ngram`` (1 or 2) and
        ``distinctive`` (z > 0 and q below ``fdr``); sorted by outlet, then z descending. No rows (same columns)
        with fewer than two outlets or no term left after stop words and ``min_df``.
    """
    unique = documents[documents["duplicate_of"].isna()]
    if "lang" in unique.columns:
        unique = unique[english_measures_mask(unique)]
    if unique["outlet"].nunique() < 2:  # nothing to compare an outlet with
        return _empty_keyness()
    try:
        X, vocab = count_terms(unique, min_df=min(min_df, len(unique)))
    except ValueError:  # scikit-learn's "empty vocabulary": only stop words, digits or one-off words
        return _empty_keyness()
    if len(vocab) < 2:  # one term is all of the prior (alpha_w = alpha0): its log-odds are undefined
        return _empty_keyness()
    outlets = unique["outlet"].to_numpy()
    groups = sorted(set(outlets))
    by_outlet = np.vstack([np.asarray(X[outlets == o].sum(axis=0)).ravel() for o in groups])
    counts = pd.DataFrame(by_outlet, index=groups, columns=vocab)
    out = fightin_words(counts, alpha0=alpha0).rename(columns={"group": "outlet"})
    out["ngram"] = out["term"].str.count(" ") + 1
    out["distinctive"] = (out["z"] > 0) & (out["q_value"] < fdr)
    out = out.sort_values(["outlet", "z", "term"], ascending=[True, False, True], kind="stable").reset_index(drop=True)
    return out[list(KEYNESS_COLUMNS)]
