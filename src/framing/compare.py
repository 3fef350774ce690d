"""Per-outlet aggregates with bootstrap confidence intervals over documents.

Every comparison resamples documents (not sentences): sentences of one article are not independent, and a
long article must not outweigh many short ones. Groups with fewer than ``min_docs`` documents are kept and
marked ``small_n`` rather than silently dropped.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from framing.config import CompareSettings, LanguageSettings
from framing.language import ENGLISH_MEASURES, UNDETERMINED, in_english_measures


def bootstrap_mean_ci(values: Sequence[float] | np.ndarray, *, settings: CompareSettings = CompareSettings(),
                      seed: int | None = None) -> tuple[float, float, float]:
    """Mean and percentile-bootstrap CI of ``values`` (NaNs dropped).

    Returns ``(mean, low, high)``; the CI is NaN with fewer than two values.

    >>> m, lo, hi = bootstrap_mean_ci([0.1, 0.2, 0.3, 0.4, 0.5])
    >>> round(m, 2), lo < m < hi
    (0.3, True)
    >>> bootstrap_mean_ci([0.5])
    (0.5, nan, nan)
    """
    x = np.asarray(values, dtype="float64")
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return (float("nan"),) * 3
    mean = float(x.mean())
    if len(x) < 2:
        return mean, float("nan"), float("nan")
    if np.all(x == x[0]):
        return mean, mean, mean
    rng = np.random.default_rng(settings.seed if seed is None else seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=stats.DegenerateDataWarning)
        res = stats.bootstrap((x,), np.mean, n_resamples=settings.n_resamples,
                              confidence_level=settings.confidence_level, method="percentile", rng=rng,
                              vectorized=True)
    return mean, float(res.confidence_interval.low), float(res.confidence_interval.high)


def group_summary(docs: pd.DataFrame, value: str, *, by: Sequence[str] = ("outlet",),
                  settings: CompareSettings = CompareSettings()) -> pd.DataFrame:
    """Mean of a document-level ``value`` per group, with a bootstrap CI over documents.

    Args:
        docs: One row per document, with the ``by`` columns and ``value``.
        value: Column to summarise, e.g. ``vader_compound_mean`` or ``share_negative``.
        by: Grouping columns.
        settings: Resamples, confidence level, small-n threshold and seed.

    Returns:
        Columns ``by`` + ``n_docs``, ``mean``, ``ci_low``, ``ci_high``, ``small_n``; sorted by ``by``.
        Each group's resampling is seeded from the settings' seed and the group's position, so results do
        not depend on which other groups are present.

    """
    rows = []
    by = list(by)
    for key, group in docs.groupby(by, sort=True, dropna=False):
        vals = group[value].to_numpy(dtype="float64")
        n = int((~np.isnan(vals)).sum())
        key_tuple = key if isinstance(key, tuple) else (key,)
        seed = settings.seed + _stable_offset(key_tuple)
        mean, low, high = bootstrap_mean_ci(vals, settings=settings, seed=seed)
        rows.append({**dict(zip(by, key_tuple, strict=True)), "n_docs": n, "mean": mean, "ci_low": low,
                     "ci_high": high, "small_n": n < settings.min_docs})
    return pd.DataFrame(rows, columns=[*by, "n_docs", "mean", "ci_low", "ci_high", "small_n"])


def _stable_offset(key: tuple[object, ...]) -> int:
    import hashlib

    return int.from_bytes(hashlib.sha1(repr(key).encode()).digest()[:4], "big") % 1_000_003


def extreme_sentences(sentences: pd.DataFrame, documents: pd.DataFrame, *, value: str = "vader_compound",
                      k: int = 3, by: Sequence[str] = ("outlet", "voice")) -> pd.DataFrame:
    """The ``k`` lowest- and highest-scoring sentences per group, as evidence.

    Args:
        sentences: Sentence rows with ``doc_id``, ``sent_idx``, ``text`` and ``value``.
        documents: Documents with ``doc_id``, ``outlet``, ``published_date``, ``title`` and the ``by`` columns.
        value: Score column.
        k: Sentences per end.
        by: Grouping columns (from the documents table).

    Returns:
        Columns ``by`` + ``end`` ("most negative"/"most positive"), ``score``, ``published_date``, ``title``,
        ``sentence``, ``doc_id``, ``sent_idx``. Ties break on ``doc_id`` then ``sent_idx``: deterministic.

    """
    by = list(by)
    doc_cols = list(dict.fromkeys(["doc_id", *by, "published_date", "title"]))
    s = sentences.dropna(subset=[value]).merge(documents[doc_cols], on="doc_id", how="inner",
                                               suffixes=("_sent", ""))
    parts = []
    for _, group in s.groupby(by, sort=True):
        ordered = group.sort_values([value, "doc_id", "sent_idx"], kind="stable")
        n_low = min(k, (len(ordered) + 1) // 2)  # a small group is split, never shown at both ends
        low = ordered.head(n_low).assign(end="most negative")
        high = ordered.iloc[n_low:].sort_values([value, "doc_id", "sent_idx"], ascending=[False, True, True],
                                                kind="stable").head(k).assign(end="most positive")
        parts.extend([low, high])
    if not parts:
        return pd.DataFrame(columns=[*by, "end", "score", "published_date", "title", "sentence", "doc_id",
                                     "sent_idx"])
    out = pd.concat(parts, ignore_index=True)
    text_col = "text_sent" if "text_sent" in out.columns else "text"
    out = out.rename(columns={value: "score", text_col: "sentence"})
    return out[[*by, "end", "score", "published_date", "title", "sentence", "doc_id", "sent_idx"]]


def corpus_overview(documents: pd.DataFrame, doc_topics: pd.DataFrame, *, focus_topic: str = "venezuela"
                    ) -> pd.DataFrame:
    """Documents and words per outlet × kind × voice, counting duplicates once.

    Returns:
        Columns ``outlet``, ``source_kind``, ``voice``, ``n_docs``, ``n_words``, ``n_duplicates`` (copies not
        counted), ``n_docs_<focus_topic>`` (documents tagged with the focus topic).

    """
    docs = documents.assign(
        is_duplicate=documents["duplicate_of"].notna(),
        on_focus=documents["doc_id"].isin(doc_topics.loc[doc_topics["topic"] == focus_topic, "doc_id"]),
    )
    unique = docs[~docs["is_duplicate"]]
    keys = ["outlet", "source_kind", "voice"]
    out = unique.groupby(keys, sort=True).agg(n_docs=("doc_id", "size"), n_words=("n_words", "sum"),
                                              **{f"n_docs_{focus_topic}": ("on_focus", "sum")})
    dup = docs[docs["is_duplicate"]].groupby(keys, sort=True).size().rename("n_duplicates")
    out = out.join(dup, how="left").fillna({"n_duplicates": 0}).astype({"n_duplicates": "int64"})
    return out.reset_index()[[*keys, "n_docs", "n_words", "n_duplicates", f"n_docs_{focus_topic}"]]


def duplicates_table(documents: pd.DataFrame) -> pd.DataFrame:
    """Each text that appears more than once: outlet, title, copies, and where the copies are."""
    dups = documents[documents["duplicate_of"].notna()]
    if dups.empty:
        return pd.DataFrame(columns=["doc_id", "outlet", "title", "n_copies", "copies_at"])
    first = documents.set_index("doc_id")
    rows = []
    for original, group in dups.groupby("duplicate_of", sort=True):
        head = first.loc[original]
        places = [(head["source_file"], head["source_lines"]),
                  *zip(group["source_file"], group["source_lines"], strict=True)]
        where = [f"{f!s}:{str(lines).split(',')[0]}" for f, lines in places]
        rows.append({"doc_id": original, "outlet": head["outlet"], "title": head["title"],
                     "n_copies": len(group) + 1, "copies_at": "; ".join(where)})
    return pd.DataFrame(rows)


def rejects_summary(rejects: pd.DataFrame) -> pd.DataFrame:
    """Rejected units per file and reason."""
    if rejects.empty:
        return pd.DataFrame(columns=["source_file", "reason", "n_units"])
    return (rejects.groupby(["source_file", "reason"], sort=True).size().rename("n_units").reset_index()
            .sort_values(["source_file", "n_units", "reason"], ascending=[True, False, True], kind="stable")
            .reset_index(drop=True))


def language_summary(documents: pd.DataFrame, *, settings: LanguageSettings | None = None) -> pd.DataFrame:
    """Documents and words per outlet × language (duplicates counted once), and whether the measures score them.

    Args:
        documents: The documents table (``outlet``, ``lang``, ``n_words``, ``duplicate_of``).
        settings: Which languages the English lexicons and models score (default: English and undetermined).

    Returns:
        Columns ``outlet``, ``lang``, ``n_docs``, ``n_words``, ``scored`` (False: left out of every
        English-lexicon and English-model measure); sorted by outlet, then language.

    >>> docs = pd.DataFrame({"outlet": ["a", "a", "b"], "lang": ["en", "es", "und"], "n_words": [10, 20, 3],
    ...                      "duplicate_of": [None, None, None]})
    >>> language_summary(docs)[["outlet", "lang", "n_docs", "scored"]].values.tolist()
    [['a', 'en', 1, True], ['a', 'es', 1, False], ['b', 'und', 1, True]]
    """
    cols = ["outlet", "lang", "n_docs", "n_words", "scored"]
    unique = documents[documents["duplicate_of"].isna()]
    if unique.empty:
        return pd.DataFrame(columns=cols)
    unique = unique.assign(lang=unique["lang"].astype("object").where(unique["lang"].notna(), UNDETERMINED))
    out = (unique.groupby(["outlet", "lang"], sort=True)
           .agg(n_docs=("outlet", "size"), n_words=("n_words", "sum")).reset_index())
    out["scored"] = [in_english_measures(lang, settings=settings) for lang in out["lang"]]
    return out.astype({"n_docs": "int64", "n_words": "int64", "scored": bool})[cols]


def language_note(documents: pd.DataFrame, *, settings: LanguageSettings | None = None) -> str:
    """One sentence for the report: how many documents the English measures leave out, by outlet and language.

    >>> docs = pd.DataFrame({"outlet": ["a", "a", "b"], "lang": ["en", "es", "und"], "n_words": [10, 20, 3],
    ...                      "duplicate_of": [None, None, None]})
    >>> print(language_note(docs))  # doctest: +NORMALIZE_WHITESPACE
    1 non-English document (a: 1 es) was excluded from the English-lexicon and English-model measures (tone,
    actor sentiment, roles and labels, frames, conflict vocabulary, distinctive terms, NMF topics); it stays in
    the corpus counts. Undetermined (und, too short or too mixed to tell): 1 document, scored.
    """
    table = language_summary(documents, settings=settings)
    left_out = table[~table["scored"]]
    n = int(left_out["n_docs"].sum())
    if n == 0:
        text = ("No document was excluded from the English-lexicon and English-model measures: every unique "
                "document is English or undetermined.")
    else:
        by_outlet = "; ".join(
            f"{outlet}: " + ", ".join(f"{k} {lang}" for lang, k in zip(g["lang"], g["n_docs"], strict=True))
            for outlet, g in left_out.groupby("outlet", sort=True))
        verb, rest = ("was", "it stays") if n == 1 else ("were", "they stay")
        text = (f"{n} non-English document{'' if n == 1 else 's'} ({by_outlet}) {verb} excluded from the "
                f"English-lexicon and English-model measures ({ENGLISH_MEASURES}); {rest} in the corpus counts.")
    n_und = int(table.loc[table["lang"] == UNDETERMINED, "n_docs"].sum())
    if n_und:
        fate = "scored" if in_english_measures(UNDETERMINED, settings=settings) else "excluded"
        text += (f" Undetermined (und, too short or too mixed to tell): {n_und} document{'' if n_und == 1 else 's'}, "
                 f"{fate}.")
    return text


def topic_shares(documents: pd.DataFrame, doc_topics: pd.DataFrame) -> pd.DataFrame:
    """Share of each outlet's (unique) documents that carry each topic tag; outlets as rows."""
    unique = documents[documents["duplicate_of"].isna()]
    tagged = doc_topics.merge(unique[["doc_id", "outlet"]], on="doc_id")
    counts = tagged.groupby(["outlet", "topic"]).size().unstack(fill_value=0)
    totals = unique.groupby("outlet").size()
    shares = counts.reindex(totals.index, fill_value=0).div(totals, axis=0)
    shares.insert(0, "n_docs", totals)
    return shares.reset_index()


def actor_portrayal(mentions: pd.DataFrame, documents: pd.DataFrame, *, voice: str | None = "author",
                    settings: CompareSettings = CompareSettings()) -> pd.DataFrame:
    """Mean sentiment toward each actor per outlet, with a bootstrap CI over documents.

    Mentions are first averaged within their document, so one article that names Maduro thirty times counts
    once. ``voice`` keeps author and quoted text apart (an outlet quoting Putin is not the outlet praising him).

    Returns:
        Columns ``outlet``, ``actor``, ``n_docs``, ``n_mentions``, ``mean``, ``ci_low``, ``ci_high``, ``small_n``.
    """
    docs = documents[documents["duplicate_of"].isna()]
    if voice is not None:
        docs = docs[docs["voice"] == voice]
    m = mentions.merge(docs[["doc_id", "outlet"]], on="doc_id", how="inner")
    per_doc = m.groupby(["outlet", "actor", "doc_id"], sort=True).agg(
        actor_sentiment=("actor_sentiment", "mean"), n_mentions=("actor_sentiment", "size")).reset_index()
    summary = group_summary(per_doc, "actor_sentiment", by=["outlet", "actor"], settings=settings)
    counts = per_doc.groupby(["outlet", "actor"], sort=True)["n_mentions"].sum().rename("n_mentions").reset_index()
    out = summary.merge(counts, on=["outlet", "actor"])
    return out[["outlet", "actor", "n_docs", "n_mentions", "mean", "ci_low", "ci_high", "small_n"]]


def actor_evidence(mentions: pd.DataFrame, sentences: pd.DataFrame, documents: pd.DataFrame, *,
                   actors: Sequence[str], voice: str | None = "author", k: int = 2) -> pd.DataFrame:
    """The ``k`` most negative and most positive mentions per outlet × actor: the sentences behind each cell."""
    docs = documents[documents["duplicate_of"].isna()]
    if voice is not None:
        docs = docs[docs["voice"] == voice]
    m = mentions[mentions["actor"].isin(list(actors))].merge(sentences[["doc_id", "sent_idx", "text"]],
                                                               on=["doc_id", "sent_idx"])
    m = m.merge(docs[["doc_id", "outlet", "published_date", "title"]], on="doc_id")
    parts = []
    for _, g in m.groupby(["outlet", "actor"], sort=True):
        ordered = g.sort_values(["actor_sentiment", "doc_id", "sent_idx", "char_start"], kind="stable")
        n_low = min(k, (len(ordered) + 1) // 2)
        parts.append(ordered.head(n_low).assign(end="most negative"))
        parts.append(ordered.iloc[n_low:].sort_values(["actor_sentiment", "doc_id", "sent_idx"],
                                                      ascending=[False, True, True], kind="stable").head(k)
                     .assign(end="most positive"))
    cols = ["outlet", "actor", "end", "actor_sentiment", "mention", "published_date", "title", "text"]
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    return out[cols].rename(columns={"text": "sentence"})


def label_table(labels: pd.DataFrame, mentions: pd.DataFrame, sentences: pd.DataFrame, documents: pd.DataFrame,
                *, voice: str | None = "author", min_count: int = 1) -> pd.DataFrame:
    """Word choice: how often each outlet attaches each label to each actor, with an example sentence.

    Returns:
        Columns ``actor``, ``label``, ``stance``, ``outlet``, ``n_labelled`` (mentions carrying the label),
        ``n_mentions`` (all the outlet's mentions of the actor), ``share`` and ``example``; duplicates counted once.
    """
    docs = documents[documents["duplicate_of"].isna()]
    if voice is not None:
        docs = docs[docs["voice"] == voice]
    keep = docs[["doc_id", "outlet"]]
    lab = labels.merge(keep, on="doc_id").merge(sentences[["doc_id", "sent_idx", "text"]], on=["doc_id", "sent_idx"])
    cols = ["actor", "label", "stance", "outlet", "n_labelled", "n_mentions", "share", "example"]
    if lab.empty:
        return pd.DataFrame(columns=cols)
    totals = mentions.merge(keep, on="doc_id").groupby(["actor", "outlet"]).size().rename("n_mentions")
    lab = lab.sort_values(["doc_id", "sent_idx", "char_start"], kind="stable")
    out = lab.groupby(["actor", "label", "stance", "outlet"], sort=True).agg(
        n_labelled=("doc_id", "size"), example=("text", "first")).reset_index()
    out = out.join(totals, on=["actor", "outlet"])
    out["share"] = (out["n_labelled"] / out["n_mentions"]).round(4)
    out = out[out["n_labelled"] >= min_count]
    return out.sort_values(["actor", "n_labelled", "label", "outlet"], ascending=[True, False, True, True],
                           kind="stable").reset_index(drop=True)[cols]


def role_shares(roles: pd.DataFrame, documents: pd.DataFrame, *, voice: str | None = "author",
                min_docs: int = 5) -> pd.DataFrame:
    """Share of documents casting each actor as hero, villain or victim, per outlet (most probable role)."""
    docs = documents[documents["duplicate_of"].isna()]
    if voice is not None:
        docs = docs[docs["voice"] == voice]
    r = roles.merge(docs[["doc_id", "outlet"]], on="doc_id")
    cols = ["outlet", "actor", "n_docs", "share_hero", "share_villain", "share_victim", "small_n"]
    if r.empty:
        return pd.DataFrame(columns=cols)
    counts = r.groupby(["outlet", "actor", "role"]).size().unstack(fill_value=0)
    for role in ("hero", "villain", "victim"):
        if role not in counts.columns:
            counts[role] = 0
    n = counts[["hero", "villain", "victim"]].sum(axis=1)
    out = pd.DataFrame({"n_docs": n})
    for role in ("hero", "villain", "victim"):
        out[f"share_{role}"] = (counts[role] / n).round(4)
    out["small_n"] = out["n_docs"] < min_docs
    return out.reset_index()[cols]


def _voice_docs(documents: pd.DataFrame, voice: str | None) -> pd.DataFrame:
    docs = documents[documents["duplicate_of"].isna()]
    return docs if voice is None else docs[docs["voice"] == voice]


def frame_prevalence(doc_frames: pd.DataFrame, documents: pd.DataFrame, *, value: str, voice: str | None = "author",
                     settings: CompareSettings = CompareSettings()) -> pd.DataFrame:
    """Per outlet × frame: the mean of a per-document frame measure with a bootstrap CI over documents.

    Args:
        doc_frames: One row per document × frame (``doc_id``, ``frame``, ``value``).
        documents: The documents table (for outlet, voice and duplicates).
        value: ``frame_present`` (generic frames), ``uses_frame`` or ``share_sentences`` (issue frames).
        voice: Keep this voice only (None: both).
        settings: Bootstrap settings.

    Returns:
        :func:`group_summary` columns for groups (``outlet``, ``frame``).
    """
    docs = _voice_docs(documents, voice)[["doc_id", "outlet"]]
    data = doc_frames.merge(docs, on="doc_id").assign(**{value: lambda d: d[value].astype(float)})
    return group_summary(data, value, by=["outlet", "frame"], settings=settings)


def frame_evidence(sentence_scores: pd.DataFrame, sentences: pd.DataFrame, documents: pd.DataFrame, *,
                   score: str, voice: str | None = "author", k: int = 2) -> pd.DataFrame:
    """The ``k`` sentences per outlet × frame with the highest ``score`` (the sentences that carry the frame)."""
    docs = _voice_docs(documents, voice)[["doc_id", "outlet", "published_date", "title"]]
    s = sentence_scores.merge(sentences[["doc_id", "sent_idx", "text"]], on=["doc_id", "sent_idx"]).merge(
        docs, on="doc_id")
    s = s.sort_values([score, "doc_id", "sent_idx"], ascending=[False, True, True], kind="stable")
    out = s.groupby(["outlet", "frame"], sort=True).head(k).sort_values(["frame", "outlet"], kind="stable")
    return out.rename(columns={"text": "sentence"}).reset_index(drop=True)


def lexicon_rates(doc_lexcats: pd.DataFrame, documents: pd.DataFrame, *, voice: str | None = "author",
                  settings: CompareSettings = CompareSettings()) -> pd.DataFrame:
    """Per outlet × lexicon category: mean rate per 1,000 words with a bootstrap CI over documents."""
    docs = _voice_docs(documents, voice)[["doc_id", "outlet"]]
    data = doc_lexcats.merge(docs, on="doc_id")
    data["category"] = data["lexicon"] + ": " + data["category"]
    return group_summary(data, "rate_per_1000_words", by=["outlet", "category"], settings=settings)


def topic_shares_by_outlet(doc_topics: pd.DataFrame, documents: pd.DataFrame, *, voice: str | None = None,
                           settings: CompareSettings = CompareSettings()) -> pd.DataFrame:
    """Per outlet × NMF topic: mean topic share of the outlet's documents, with a bootstrap CI."""
    docs = _voice_docs(documents, voice)[["doc_id", "outlet"]]
    data = doc_topics.merge(docs, on="doc_id")
    return group_summary(data, "topic_share", by=["outlet", "topic"], settings=settings)


def _hedges_g(x: np.ndarray, y: np.ndarray) -> float:
    nx, ny = len(x), len(y)
    if nx < 2 or ny < 2:
        return float("nan")
    pooled = np.sqrt(((nx - 1) * x.var(ddof=1) + (ny - 1) * y.var(ddof=1)) / (nx + ny - 2))
    if pooled == 0:
        return float("nan")
    correction = 1 - 3 / (4 * (nx + ny) - 9)
    return float((x.mean() - y.mean()) / pooled * correction)


def outlet_vs_rest(data: pd.DataFrame, value: str, *, measure: str, by: str = "outlet",
                   stratum: str | None = None, settings: CompareSettings = CompareSettings()) -> pd.DataFrame:
    """Each outlet against all other outlets on a document-level ``value``: permutation test and effect sizes.

    Args:
        data: One row per document with ``by``, ``value`` and (optionally) ``stratum``.
        value: The document-level measure.
        measure: A label for the measure (kept in the output).
        by: The grouping column (outlets).
        stratum: Compare only within each level of this column (e.g. ``source_kind``): like with like.
        settings: Resamples, confidence level, small-n threshold, seed.

    Returns:
        One row per outlet (× stratum): ``measure``, ``outlet``, ``stratum``, ``n_outlet``, ``n_rest``,
        ``mean_outlet``, ``mean_rest``, ``difference`` with ``diff_ci_low``/``diff_ci_high`` (bootstrap),
        ``hedges_g``, ``p_value`` (two-sided permutation test of the difference in means), ``small_n``.
        Outlets or rests under ``min_docs`` documents are kept, marked small-n and not tested (p is NaN).
    """
    rows = []
    strata = [(None, data)] if stratum is None else list(data.groupby(stratum, sort=True))
    for level, part in strata:
        part = part.dropna(subset=[value])
        for outlet in sorted(part[by].unique()):
            x = part.loc[part[by] == outlet, value].to_numpy(dtype=float)
            y = part.loc[part[by] != outlet, value].to_numpy(dtype=float)
            small = len(x) < settings.min_docs or len(y) < settings.min_docs
            row = {"measure": measure, "outlet": outlet, "stratum": level, "n_outlet": len(x), "n_rest": len(y),
                   "mean_outlet": float(x.mean()) if len(x) else float("nan"),
                   "mean_rest": float(y.mean()) if len(y) else float("nan"), "difference": float("nan"),
                   "diff_ci_low": float("nan"), "diff_ci_high": float("nan"), "hedges_g": float("nan"),
                   "p_value": float("nan"), "small_n": small}
            if len(x) and len(y):
                row["difference"] = row["mean_outlet"] - row["mean_rest"]
            if not small and np.ptp(np.r_[x, y]) > 0:
                seed = settings.seed + _stable_offset((measure, outlet, level))

                def diff(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
                    return np.mean(a, axis=axis) - np.mean(b, axis=axis)

                perm = stats.permutation_test((x, y), diff, permutation_type="independent", vectorized=True,
                                              n_resamples=settings.n_resamples, alternative="two-sided",
                                              rng=np.random.default_rng(seed))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", category=stats.DegenerateDataWarning)
                    boot = stats.bootstrap((x, y), diff, n_resamples=settings.n_resamples, vectorized=True,
                                           confidence_level=settings.confidence_level, method="percentile",
                                           rng=np.random.default_rng(seed + 1))
                row.update(p_value=float(perm.pvalue), hedges_g=_hedges_g(x, y),
                           diff_ci_low=float(boot.confidence_interval.low),
                           diff_ci_high=float(boot.confidence_interval.high))
            rows.append(row)
    return pd.DataFrame(rows)


def with_fdr(tests: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Add Benjamini–Hochberg ``q_value`` across every tested row, and ``survives`` (q < ``alpha``)."""
    out = tests.copy()
    out["q_value"] = np.nan
    tested = out["p_value"].notna()
    if tested.any():
        out.loc[tested, "q_value"] = stats.false_discovery_control(out.loc[tested, "p_value"].to_numpy(),
                                                                   method="bh")
    out["survives"] = out["q_value"] < alpha
    return out
