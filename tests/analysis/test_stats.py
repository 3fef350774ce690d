"""Guarded statistics: total on empty, one-row, one-group and all-NaN input; intervals that fit the data."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from framing.analysis import stats as S
from framing.analysis.compare import group_summary, outlet_vs_rest, with_fdr
from framing.analysis.findings import TESTS_COLUMNS, run_tests
from framing.config import CompareSettings

FAST = CompareSettings(n_resamples=200)
NAN = float("nan")


# ---------------------------------------------------------------- edge cases, each function


@pytest.mark.parametrize("values", [[], [NAN, NAN], [None], [0.4], [0.4, NAN]])
def test_mean_interval_of_no_or_one_value_has_no_interval(values):
    iv = S.mean_interval(values)
    assert math.isnan(iv.low) and math.isnan(iv.high) and iv.method.startswith("none")


def test_mean_interval_picks_t_below_the_bootstrap_threshold_and_bootstrap_above():
    rng = np.random.default_rng(3)
    small, large = rng.normal(0, 1, 5), rng.normal(0, 1, 40)
    iv = S.mean_interval(small, min_bootstrap_n=20)
    low, high = stats.t.interval(0.95, 4, loc=small.mean(), scale=stats.sem(small))
    assert iv.method.startswith("t (n = 5") and iv.low == pytest.approx(low) and iv.high == pytest.approx(high)
    assert S.mean_interval(large, min_bootstrap_n=20, n_resamples=300).method == "bootstrap"


def test_two_documents_get_an_honest_interval_not_a_bootstrap_sliver():
    """The issue's Dissident Voice cell: n = 2 gave [-0.037, -0.018] by percentile bootstrap."""
    iv = S.mean_interval([-0.037, -0.018])
    assert iv.method.startswith("t") and iv.high - iv.low > 0.2  # t with 1 degree of freedom is wide


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 1), (8, 8), (0, 8), (3, 10)])
def test_share_interval_is_wilson_and_never_collapses(k, n):
    iv = S.share_interval(k, n)
    ci = stats.binomtest(k, n).proportion_ci(method="wilson")
    assert (iv.low, iv.high) == pytest.approx((ci.low, ci.high))
    assert iv.high - iv.low > 0.05  # 8 of 8 is not "100 [100-100]"
    assert 0.0 <= iv.low <= iv.estimate <= iv.high <= 1.0


def test_share_interval_of_nothing_and_of_a_bad_count():
    assert S.share_interval(0, 0).method == "none: no values"
    with pytest.raises(ValueError, match="successes out of"):
        S.share_interval(5, 3)
    with pytest.raises(ValueError, match="0/1 values"):
        S.interval([0.5, 1.0], kind="share")


def test_newcombe_matches_the_published_examples():
    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10
    for (k1, n1, k2, n2), (low, high) in [((56, 70, 48, 80), (0.0524, 0.3339)), ((9, 10, 3, 10), (0.1705, 0.8090)),
                                          ((0, 10, 0, 20), (-0.1611, 0.2775))]:
        iv = S.newcombe_interval(k1, n1, k2, n2)
        assert (round(iv.low, 4), round(iv.high, 4)) == (low, high)


def test_effect_sizes_suit_the_measure():
    # a share: Cohen's h, not Hedges' g on 0/1 values (which is 3.04 when every other document scored 0)
    x, y = np.array([1.0] * 4 + [0.0] * 3), np.zeros(80)
    h, name = S.effect_size(x, y, kind="share")
    assert name == "cohen_h" and h == pytest.approx(2 * math.asin(math.sqrt(4 / 7)))
    g, name = S.effect_size([1.0, 2.0, 3.0], [2.0, 3.0, 4.0], kind="mean")
    assert name == "hedges_g" and g == pytest.approx(-0.8)
    assert math.isnan(S.hedges_g([1.0], [2.0, 3.0])) and math.isnan(S.hedges_g([1.0, 1.0], [1.0, 1.0]))
    assert math.isnan(S.cohens_h(NAN, 0.5))


def test_minimum_detectable_effect_shrinks_with_n_and_matches_the_normal_formula():
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    d, diff = S.min_detectable(50, 50, kind="mean", sd=2.0)
    assert d == pytest.approx(z * math.sqrt(2 / 50)) and diff == pytest.approx(2.0 * d)
    assert S.min_detectable(500, 500, kind="mean")[0] < S.min_detectable(50, 50, kind="mean")[0]
    h, diff = S.min_detectable(20, 20, kind="share", reference=0.9)  # above would pass 100%: the share below
    assert 0 < diff <= 0.9
    assert all(math.isnan(v) for v in S.min_detectable(0, 10, kind="share"))


def test_difference_interval_edge_cases():
    assert S.difference_interval([], [], kind="mean").method == "none: a group is empty"
    assert S.difference_interval([0.2], [0.3, 0.4], kind="mean").method == "none: a group has one value"
    assert S.difference_interval([0.2, 0.2], [0.3, 0.3], kind="mean").method == "none: no variation in either group"
    iv = S.difference_interval([1, 1, 0], [0, 0, 0, 1], kind="share")
    assert iv.method == "newcombe" and iv.low < iv.estimate < iv.high


def test_permutation_and_bh_are_total():
    assert math.isnan(S.permutation_pvalue([], [1.0]))
    assert math.isnan(S.permutation_pvalue([1.0, 1.0], [1.0]))  # no variation at all
    assert S.bh_qvalues([]).size == 0
    assert np.isnan(S.bh_qvalues([NAN, NAN])).all()
    q = S.bh_qvalues([0.01, NAN, 0.02, 0.5])
    assert np.isnan(q[1]) and q[0] == pytest.approx(0.03) and q[3] == pytest.approx(0.5)


def scipy_pvalue(a, b, *, n_resamples, seed):
    res = stats.permutation_test((np.asarray(a, float), np.asarray(b, float)),
                                 lambda u, v, axis=-1: np.mean(u, axis=axis) - np.mean(v, axis=axis),
                                 permutation_type="independent", vectorized=True, n_resamples=n_resamples,
                                 alternative="two-sided", rng=np.random.default_rng(seed))
    return float(res.pvalue), res.null_distribution


@pytest.mark.parametrize("n1,n2,values", [(30, 40, "normal"), (7, 300, "normal"), (50, 50, "binary"),
                                          (12, 90, "tied"), (4, 4, "normal"), (3, 6, "binary"),
                                          (200, 2500, "normal")])
@pytest.mark.parametrize("seed", [0, 17])
def test_permutation_pvalue_is_scipys_bit_for_bit(n1, n2, values, seed, monkeypatch):
    # the fast null draws scipy's permutations: p-values (and the tables behind the findings) do not move
    rng = np.random.default_rng(seed + n1)
    draw = {"normal": lambda n: rng.normal(size=n), "binary": lambda n: rng.integers(0, 2, n).astype(float),
            "tied": lambda n: rng.choice([-0.5, 0.0, 0.0, 0.25, 1.0], n)}[values]
    a, b = draw(n1), draw(n2)
    want, null = scipy_pvalue(a, b, n_resamples=300, seed=seed)
    assert S.permutation_pvalue(a, b, n_resamples=300, seed=seed) == want
    if math.comb(n1 + n2, n1) > 300:  # randomised: the null itself is scipy's, also when it comes in batches
        monkeypatch.setattr(S, "PERMUTATION_BATCH_VALUES", 7 * (n1 + n2))
        got = S.permutation_null(a, b, n_resamples=300, rng=np.random.default_rng(seed))
        assert np.array_equal(got, null)


@pytest.mark.parametrize("values", ["normal", "binary", "skewed"])
def test_shared_permutations_agree_with_each_groups_own_test(values):
    # each group's null is a random split at its own size, as in permutation_pvalue: the p-values agree within
    # Monte Carlo error (2000 resamples: a standard error of at most 0.011), for small and large groups alike
    rng = np.random.default_rng(5)
    n = 3000
    codes = rng.choice(6, n, p=[0.02, 0.08, 0.15, 0.2, 0.25, 0.3])  # groups of about 60 to 900
    z = {"normal": lambda: rng.normal(size=n), "binary": lambda: (rng.random(n) < 0.3).astype(float),
         "skewed": lambda: rng.exponential(size=n)}[values]()
    z = z + 0.5 * (codes == 1) - 0.3 * (codes == 4)  # two groups really differ
    shared = S.shared_permutation_pvalues(z, codes, n_resamples=2000, seed=1)
    own = np.array([S.permutation_pvalue(z[codes == g], z[codes != g], n_resamples=2000, seed=g) for g in range(6)])
    se = np.sqrt(np.maximum(own * (1 - own), 0.01) / 2000) * 2  # two-sided: twice a tail share
    assert np.all(np.abs(shared - own) <= 4 * se + 2 / 2001), (shared.round(4), own.round(4))
    assert shared[1] < 0.05 and shared[4] < 0.05


def test_shared_permutations_are_total_and_seeded():
    assert S.shared_permutation_pvalues([], []).size == 0
    assert np.isnan(S.shared_permutation_pvalues([1.0] * 10, [0] * 5 + [1] * 5)).all()  # nothing varies
    p = S.shared_permutation_pvalues([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [0, 1, 1, 1, 1, 1, 2])
    assert np.isnan(p[0]) and np.isnan(p[2]) and np.isfinite(p[1])  # one-value groups: untested
    a = S.shared_permutation_pvalues(np.arange(40.0), np.arange(40) % 3, seed=4)
    assert np.array_equal(a, S.shared_permutation_pvalues(np.arange(40.0), np.arange(40) % 3, seed=4))
    with pytest.raises(ValueError, match="finite"):
        S.shared_permutation_pvalues([1.0, NAN, 2.0, 3.0], [0, 0, 1, 1])


@pytest.mark.parametrize("values", ["normal", "binary", "rare binary", "skewed", "bounded"])
def test_the_permutation_distribution_itself_agrees_with_drawn_permutations(values):
    # from analytic_from units on both sides, the p-value comes from the permutation distribution (hypergeometric
    # for 0/1 values, normal otherwise) instead of draws: within Monte Carlo error of 20,000 drawn permutations
    rng = np.random.default_rng(11)
    n = 4000
    codes = rng.choice(4, n, p=[0.05, 0.3, 0.3, 0.35])  # one group under the threshold, three over it
    z = {"normal": lambda: rng.normal(size=n), "binary": lambda: (rng.random(n) < 0.3).astype(float),
         "rare binary": lambda: (rng.random(n) < 0.004).astype(float), "skewed": lambda: rng.exponential(size=n),
         "bounded": lambda: np.tanh(rng.normal(0.1, 0.4, n))}[values]()
    if values == "rare binary":
        z[np.flatnonzero(codes == 1)[:6]] = 1.0  # a few more in one group: a small p from a handful of cases
    else:
        z = z + 0.08 * np.std(z) * (codes == 1) - 0.05 * np.std(z) * (codes == 3)  # p between 0.001 and 0.5
    drawn = S.shared_permutation_pvalues(z, codes, n_resamples=20000, seed=3)
    direct = S.shared_permutation_pvalues(z, codes, n_resamples=20000, seed=3, analytic_from=1000)
    se = np.sqrt(np.maximum(drawn * (1 - drawn), 0.001) / 20000) * 2
    assert np.all(np.abs(direct - drawn) <= 4 * se + 0.005), (direct.round(4), drawn.round(4))
    assert (direct[1:] != drawn[1:]).all()  # the three large groups are not drawn
    assert direct[1] < 0.05


def test_too_skewed_values_keep_their_drawn_permutations():
    # a few large values among zeros: the normal form would be off, so those groups are still drawn
    rng = np.random.default_rng(12)
    n = 3000
    z = np.where(rng.random(n) < 0.003, rng.exponential(50, n), 0.0)
    codes = rng.choice(2, n)
    drawn = S.shared_permutation_pvalues(z, codes, n_resamples=2000, seed=3)
    assert np.array_equal(S.shared_permutation_pvalues(z, codes, n_resamples=2000, seed=3, analytic_from=1000),
                          drawn)


@pytest.mark.parametrize("n", [1000, 5000])
@pytest.mark.parametrize("values", ["skewed", "bounded"])
def test_t_interval_of_a_large_group_matches_the_bootstrap(n, values):
    # from t_from values a mean gets Student's t instead of the bootstrap (which holds n_resamples × n values)
    rng = np.random.default_rng(n)
    x = rng.beta(0.4, 3.0, n) if values == "skewed" else np.tanh(rng.normal(0.2, 0.6, n))
    boot = S.mean_interval(x, n_resamples=4000, seed=2)
    t = S.mean_interval(x, t_from=n)
    assert boot.method == "bootstrap" and t.method == f"t (n = {n}, {n} or more)"
    width = boot.high - boot.low
    assert abs(t.low - boot.low) < 0.08 * width and abs(t.high - boot.high) < 0.08 * width
    assert S.mean_interval(x, t_from=n + 1).method == "bootstrap"


def test_group_summary_gives_large_groups_a_t_interval():
    rng = np.random.default_rng(3)
    frame = docs(big=rng.normal(size=1200), small=rng.normal(size=50))
    methods = group_summary(frame, "value", settings=FAST).set_index("outlet")["ci_method"]
    assert methods["big"] == "t (n = 1200, 1000 or more)" and methods["small"] == "bootstrap"


@pytest.mark.parametrize("n1,n2", [(40, 160), (25, 600), (300, 300)])
def test_welch_interval_for_large_samples_matches_the_bootstrap(n1, n2):
    # at the sizes where outlet_vs_rest swaps the bootstrap for Welch's t, the two agree: checked here on small n
    rng = np.random.default_rng(n1 + n2)
    a, b = rng.exponential(size=n1) + 0.2, rng.exponential(size=n2)
    boot = S.difference_interval(a, b, kind="mean", n_resamples=4000, seed=2)
    welch = S.difference_interval(a, b, kind="mean", welch_from=n1 + n2)
    assert boot.method == "bootstrap" and welch.method.startswith("welch t") and "or more in all" in welch.method
    width = boot.high - boot.low
    assert abs(welch.low - boot.low) < 0.1 * width and abs(welch.high - boot.high) < 0.1 * width
    assert S.difference_interval(a, b, kind="mean", welch_from=n1 + n2 + 1).method == "bootstrap"


def test_outlet_vs_rest_shares_permutations_from_large_n_and_keeps_scipys_below():
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({"outlet": rng.choice(["a", "b", "c"], 300), "value": rng.normal(size=300)})
    below = outlet_vs_rest(frame, "value", measure="m", settings=FAST)
    for row in below.itertuples():  # below large_n: each outlet's own scipy-equal test, as before
        x = frame.loc[frame.outlet == row.outlet, "value"].to_numpy()
        y = frame.loc[frame.outlet != row.outlet, "value"].to_numpy()
        from framing.analysis.compare import _stable_offset
        seed = FAST.seed + _stable_offset(("m", row.outlet, None))
        assert row.p_value == S.permutation_pvalue(x, y, n_resamples=200, seed=seed)
    above = outlet_vs_rest(frame, "value", measure="m", settings=CompareSettings(n_resamples=200, large_n=300))
    assert above["diff_ci_method"].str.startswith("welch t").all()
    assert not np.array_equal(above["p_value"], below["p_value"])
    assert np.allclose(above["p_value"], below["p_value"], atol=0.2)


def docs(**groups):
    return pd.DataFrame([(g, v) for g, vals in groups.items() for v in vals], columns=["outlet", "value"])


EMPTY = pd.DataFrame({"outlet": pd.Series(dtype=str), "value": pd.Series(dtype=float)})


@pytest.mark.parametrize("frame", [EMPTY, docs(a=[0.3]), docs(a=[0.1, 0.2, 0.3]), docs(a=[NAN, NAN]),
                                   docs(a=[NAN], b=[0.2])], ids=["empty", "one row", "one group", "all NaN",
                                                                 "NaN group"])
def test_group_summary_is_total_and_typed(frame):
    out = group_summary(frame, "value", settings=FAST)
    assert list(out.columns) == ["outlet", "n_docs", "mean", "ci_low", "ci_high", "ci_method", "small_n"]
    assert out["n_docs"].dtype == "int64" and out["mean"].dtype == "float64" and out["small_n"].dtype == bool
    assert len(out) == frame["outlet"].nunique()
    assert out["n_docs"].sum() == frame["value"].notna().sum()


def test_group_summary_of_a_text_typed_column_that_is_empty_stays_numeric():
    """The feedparser corpus: a measure missing for every document came back as text and broke `mean`."""
    frame = pd.DataFrame({"outlet": ["a", "b"], "value": pd.array([pd.NA, pd.NA], dtype="string")})
    out = group_summary(frame, "value", settings=FAST)
    assert out["mean"].isna().all() and (out["n_docs"] == 0).all()


def test_group_summary_of_shares_uses_wilson():
    out = group_summary(docs(a=[1.0] * 8, b=[0.0, 1.0] * 5), "value", kind="share", settings=FAST)
    a = out.set_index("outlet").loc["a"]
    assert a["mean"] == 1.0 and a["ci_method"] == "wilson" and a["ci_low"] == pytest.approx(0.6756, abs=1e-4)


@pytest.mark.parametrize("frame", [EMPTY, docs(a=[0.3]), docs(a=[0.1, 0.2, 0.3]), docs(a=[NAN], b=[NAN])],
                         ids=["empty", "one row", "one group", "all NaN"])
def test_outlet_vs_rest_is_total(frame):
    out = outlet_vs_rest(frame, "value", measure="m", settings=FAST)
    assert out.empty and "min_detectable_difference" in out.columns  # nothing to compare with
    assert with_fdr(out)["q_value"].dtype == "float64"


def test_outlet_vs_rest_marks_small_groups_untested_but_states_what_they_could_detect():
    frame = docs(a=[0.1, 0.5, 0.2], b=list(np.linspace(-0.5, 0.5, 30)))
    out = outlet_vs_rest(frame, "value", measure="tone", settings=FAST).set_index("outlet")
    assert out["small_n"].all() and out["p_value"].isna().all()
    assert (out["min_detectable_difference"] > 0).all() and (out["effect_size_name"] == "hedges_g").all()
    assert out.loc["a", "diff_ci_method"].startswith("welch t")


def test_run_tests_of_no_measures_is_empty_and_typed():
    measures = pd.DataFrame(columns=["doc_id", "outlet", "source_kind", "measure", "kind", "value"])
    out = run_tests(measures, settings=FAST)
    assert out.empty and list(out.columns) == list(TESTS_COLUMNS)


def test_plots_are_total():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from framing.report import plots

    empty_summary = group_summary(EMPTY, "value", settings=FAST)
    figures = [plots.forest(empty_summary, title="t", xlabel="x"),
               plots.forest(group_summary(docs(a=[NAN]), "value"), title="t", xlabel="x"),
               plots.prevalence_heatmap(empty_summary.assign(frame=[]), column="frame", title="t"),
               plots.portrayal_heatmap(pd.DataFrame(columns=["outlet", "actor", "n_docs", "n_mentions", "mean",
                                                             "small_n"]), title="t"),
               plots.timeline(pd.DataFrame({"outlet": ["a"], "published_date": [None]}), title="t"),
               plots.keyness_bars(pd.DataFrame(columns=["outlet", "z", "term", "count", "distinctive"]), "a")]
    for fig in figures:
        assert fig.get_axes()
        plt.close(fig)


@pytest.mark.parametrize("days,period", [(30, "day"), (400, "week"), (1500, "month")])
def test_timeline_counts_per_week_or_month_when_dates_are_many(days, period):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from framing.report import plots

    rng = np.random.default_rng(days)
    dates = pd.date_range("2019-01-01", periods=days).strftime("%Y-%m-%d")
    docs_ = pd.DataFrame({"outlet": rng.choice(["a", "b", "c"], 3000), "published_date": rng.choice(dates, 3000)})
    assert plots.timeline_period(docs_["published_date"]) == period
    fig = plots.timeline(docs_, title="t")
    ax = fig.get_axes()[0]
    dots = sum(len(c.get_offsets()) for c in ax.collections)
    n_periods = {"day": days, "week": days // 7 + 2, "month": days // 28 + 1}[period]
    assert dots <= 3 * n_periods  # one dot per outlet and period, not per document
    assert dots == (docs_.assign(w=pd.to_datetime(docs_["published_date"]).dt.to_period(
        {"day": "D", "week": "W-SUN", "month": "M"}[period])).groupby(["outlet", "w"]).ngroups)
    assert len(ax.texts) == (dots if dots <= plots.TIMELINE_MAX_LABELS else 0)
    plt.close(fig)


def test_topics_and_keyness_are_total():
    from framing.features.keyness import KEYNESS_COLUMNS, outlet_keyness
    from framing.features.topics import fit_topics

    def frame(texts, outlets):
        return pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": texts, "outlet": outlets,
                             "duplicate_of": [None] * len(texts)})

    for d in [frame([], []), frame(["one"], ["a"]), frame(["the and of", "a the"], ["a", "b"]),
              frame(["war peace", "peace war"], ["a", "a"]), frame(["x y", "y z", "z x"], ["a", "b", "a"])]:
        shares, terms = fit_topics(d, n_topics=5)
        assert list(shares.columns) == ["doc_id", "topic", "topic_share"]
        assert list(terms.columns) == ["topic", "rank", "term", "weight"]
        key = outlet_keyness(d)
        assert list(key.columns) == list(KEYNESS_COLUMNS)
    assert outlet_keyness(frame(["war peace", "peace war"], ["a", "a"])).empty  # one outlet: nothing to compare


# ---------------------------------------------------------------- properties (hypothesis)

values = st.lists(st.one_of(st.floats(-1, 1, allow_nan=False), st.just(NAN)), max_size=40)
binary = st.lists(st.sampled_from([0.0, 1.0]), max_size=40)
fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(values, st.integers(0, 30))
def test_mean_interval_brackets_its_estimate(xs, min_n):
    iv = S.mean_interval(xs, n_resamples=99, min_bootstrap_n=min_n)
    finite = [x for x in xs if not math.isnan(x)]
    if not finite:
        assert math.isnan(iv.estimate)
    else:
        assert iv.estimate == pytest.approx(np.mean(finite))
        if not math.isnan(iv.low):
            assert iv.low <= iv.estimate + 1e-12 and iv.estimate - 1e-12 <= iv.high


@fast
@given(binary)
def test_share_interval_lies_in_0_1_and_holds_the_share(xs):
    iv = S.interval(xs, kind="share")
    if xs:
        assert 0.0 <= iv.low <= iv.estimate <= iv.high <= 1.0
    else:
        assert math.isnan(iv.estimate)


@fast
@given(binary, binary)
def test_newcombe_lies_in_minus_1_1_and_holds_the_difference(a, b):
    iv = S.difference_interval(a, b, kind="share")
    if a and b:
        assert -1.0 <= iv.low <= iv.estimate + 1e-12 and iv.estimate - 1e-12 <= iv.high <= 1.0
    else:
        assert iv.method == "none: a group is empty"


@fast
@given(st.lists(st.one_of(st.floats(0, 1), st.just(NAN)), max_size=30))
def test_bh_qvalues_are_at_least_p_and_keep_the_order(ps):
    q = S.bh_qvalues(ps)
    p = np.asarray(ps, dtype=float)
    ok = ~np.isnan(p)
    assert np.array_equal(np.isnan(q), ~ok)
    assert (q[ok] >= p[ok] - 1e-12).all() and (q[ok] <= 1.0 + 1e-12).all()
    order = np.argsort(p[ok], kind="stable")
    assert (np.diff(q[ok][order]) >= -1e-12).all()


@fast
@given(st.dictionaries(st.sampled_from(list("abcd")), values, max_size=4), st.integers(1, 10))
def test_group_summary_and_tests_never_raise_and_count_every_value(groups, min_docs):
    frame = docs(**groups) if groups else EMPTY
    cs = CompareSettings(n_resamples=50, min_docs=min_docs)
    summary = group_summary(frame, "value", settings=cs)
    assert summary["n_docs"].sum() == frame["value"].notna().sum()
    assert (summary["small_n"] == (summary["n_docs"] < min_docs)).all()
    tests = with_fdr(outlet_vs_rest(frame, "value", measure="m", settings=cs))
    tested = tests["p_value"].notna()
    assert (~tests.loc[tested, "small_n"]).all()
    assert tests.loc[tested, "q_value"].between(0, 1).all()


def test_the_exact_test_is_chosen_as_scipy_chooses_it():
    for n in range(40):
        for k in range(n + 1):
            for limit in (1, 5, 70, 300, 2000):
                assert S._splits_at_most(n, k, limit) == (math.comb(n, k) <= limit), (n, k, limit)
