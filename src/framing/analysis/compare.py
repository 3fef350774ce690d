"""Per-outlet aggregates with bootstrap confidence intervals over documents.

Every comparison resamples documents (not sentences): sentences of one article are not independent, and a
long article must not outweigh many short ones. Groups with fewer than ``min_docs`` documents are kept and
marked ``small_n`` rather than silently dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from framing.analysis import stats as stats_
from framing.analysis.stats import Kind
from framing.build.store import TextSource, texts_for
from framing.config import CompareSettings, LanguageSettings
from framing.corpus import comparable, copies
from framing.language import ENGLISH_MEASURES, UNDETERMINED, in_english_measures


def bootstrap_mean_ci(values: Sequence[float] | np.ndarray, *, settings: CompareSettings = CompareSettings(),
                      seed: int | None = None) -> tuple[float, float, float]:
    """Mean and percentile-bootstrap CI of ``values`` (NaNs dropped), whatever their number.

    Returns ``(mean, low, high)``; the CI is NaN with fewer than two values or no variation. The report's
    summaries use :func:`framing.analysis.stats.interval`, which gives a t interval below
    ``settings.min_bootstrap_n`` values instead.

    >>> m, lo, hi = bootstrap_mean_ci([0.1, 0.2, 0.3, 0.4, 0.5])
    >>> round(m, 2), lo < m < hi
    (0.3, True)
    >>> bootstrap_mean_ci([0.5])
    (0.5, nan, nan)
    """
    return stats_.mean_interval(values, confidence_level=settings.confidence_level, n_resamples=settings.n_resamples,
                                min_bootstrap_n=0, seed=settings.seed if seed is None else seed).as_tuple()


SUMMARY_COLUMNS = ("n_docs", "mean", "ci_low", "ci_high", "ci_method", "small_n")


def numeric(series: pd.Series) -> np.ndarray:
    """A column as float64 (missing and unparsable values NaN), whatever its dtype (text columns included)."""
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def typed(df: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    """``df`` with the given dtypes (an empty table keeps numeric columns numeric)."""
    return df.astype({c: t for c, t in dtypes.items() if c in df.columns})


def summary_dtypes(by: Sequence[str]) -> dict[str, str]:
    """The dtypes of a :func:`group_summary` table grouped by ``by``."""
    return {**{c: "object" for c in by}, "n_docs": "int64", "mean": "float64", "ci_low": "float64",
            "ci_high": "float64", "ci_method": "object", "small_n": "bool"}


def group_summary(docs: pd.DataFrame, value: str, *, by: Sequence[str] = ("outlet",),
                  settings: CompareSettings = CompareSettings(), kind: Kind = "mean") -> pd.DataFrame:
    """Mean (or share) of a document-level ``value`` per group, with an interval over documents.

    Args:
        docs: One row per document, with the ``by`` columns and ``value``.
        value: Column to summarise, e.g. ``vader_compound_mean`` or ``frame_present``.
        by: Grouping columns.
        settings: Resamples, confidence level, small-n threshold, bootstrap threshold and seed.
        kind: ``"mean"`` (bootstrap from ``settings.min_bootstrap_n`` documents, t interval below it and from
            ``settings.large_n``) or ``"share"`` (0/1 values: Wilson interval). See :mod:`framing.analysis.stats`.

    Returns:
        Columns ``by`` + ``n_docs``, ``mean``, ``ci_low``, ``ci_high``, ``ci_method`` (how the interval was made,
        or why there is none), ``small_n``; sorted by ``by``; no rows for empty input. Each group's resampling is
        seeded from the settings' seed and the group's key, so results do not depend on which other groups are
        present.

    """
    rows = []
    by = list(by)
    for key, group in docs.groupby(by, sort=True, dropna=False):
        vals = numeric(group[value])
        n = int(np.isfinite(vals).sum())
        key_tuple = key if isinstance(key, tuple) else (key,)
        iv = stats_.interval(vals, kind=kind, confidence_level=settings.confidence_level,
                             n_resamples=settings.n_resamples, min_bootstrap_n=settings.min_bootstrap_n,
                             seed=settings.seed + _stable_offset(key_tuple), t_from=settings.large_n)
        rows.append({**dict(zip(by, key_tuple, strict=True)), "n_docs": n, "mean": iv.estimate, "ci_low": iv.low,
                     "ci_high": iv.high, "ci_method": iv.method, "small_n": n < settings.min_docs})
    return typed(pd.DataFrame(rows, columns=[*by, *SUMMARY_COLUMNS]), summary_dtypes(by))


def _stable_offset(key: tuple[object, ...]) -> int:
    import hashlib

    return int.from_bytes(hashlib.sha1(repr(key).encode()).digest()[:4], "big") % 1_000_003


def _with_copies(rows: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (keyed by ``doc_id``) with ``n_copies``: how many times the document's text is in the corpus."""
    n = copies(documents)
    return rows.assign(n_copies=n.reindex(rows["doc_id"].to_numpy()).fillna(1).astype("int64").to_numpy())


EVIDENCE_COLUMNS = ("end", "score", "published_date", "title", "sentence", "doc_id", "sent_idx", "n_copies")


def extreme_sentences(sentences: pd.DataFrame, documents: pd.DataFrame, *, value: str = "vader_compound",
                      k: int = 3, by: Sequence[str] = ("outlet", "voice"),
                      text: TextSource | None = None) -> pd.DataFrame:
    """The ``k`` lowest- and highest-scoring sentences per group, as evidence (unique documents only, no stubs).

    Args:
        sentences: Sentence rows with ``doc_id``, ``sent_idx`` and ``value`` (and ``text``, unless ``text`` is
            given).
        documents: Documents with ``doc_id``, ``outlet``, ``published_date``, ``title``, ``duplicate_of`` and the
            ``by`` columns; copies and headline-only stubs are left out (:func:`framing.corpus.comparable`), and
            each row says in ``n_copies`` how often its text appears.
        value: Score column.
        k: Sentences per end.
        by: Grouping columns (from the documents table).
        text: Where the chosen sentences' text comes from (:data:`framing.build.store.TextSource`); None: the
            ``text`` column of ``sentences``.

    Returns:
        Columns ``by`` + ``end`` ("most negative"/"most positive"), ``score``, ``published_date``, ``title``,
        ``sentence``, ``doc_id``, ``sent_idx``, ``n_copies``. Ties break on ``doc_id`` then ``sent_idx``:
        deterministic.

    """
    by = list(by)
    doc_cols = list(dict.fromkeys(["doc_id", *by, "published_date", "title"]))
    unique = comparable(documents)
    scored = sentences.assign(**{value: numeric(sentences[value])}).dropna(subset=[value])
    s = scored.merge(unique[doc_cols], on="doc_id", how="inner", suffixes=("_sent", ""))
    parts = []
    for _, group in s.groupby(by, sort=True):
        ordered = group.sort_values([value, "doc_id", "sent_idx"], kind="stable")
        n_low = min(k, (len(ordered) + 1) // 2)  # a small group is split, never shown at both ends
        low = ordered.head(n_low).assign(end="most negative")
        high = ordered.iloc[n_low:].sort_values([value, "doc_id", "sent_idx"], ascending=[False, True, True],
                                                kind="stable").head(k).assign(end="most positive")
        parts.extend([low, high])
    cols = [*by, *EVIDENCE_COLUMNS]
    if not parts:
        return typed(pd.DataFrame(columns=cols), {"score": "float64", "sent_idx": "int64", "n_copies": "int64"})
    out = pd.concat(parts, ignore_index=True)
    if text is not None:
        out["text"] = texts_for(text, out)
    text_col = "text_sent" if "text_sent" in out.columns else "text"
    out = _with_copies(out.rename(columns={value: "score", text_col: "sentence"}), documents)
    return out[cols]


OVERVIEW_COLUMNS = ("outlet", "source_kind", "voice", "n_docs", "n_words", "n_duplicates")


def corpus_overview(documents: pd.DataFrame, doc_topics: pd.DataFrame, *, focus_topic: str | None = None,
                    min_docs: int | None = None) -> pd.DataFrame:
    """Documents and words per outlet × kind × voice, counting duplicates once.

    Returns:
        Columns ``outlet``, ``source_kind``, ``voice``, ``n_docs``, ``n_words``, ``n_duplicates`` (copies not
        counted; an outlet that only carries copies of others' texts has a row with ``n_docs`` 0); with a
        ``focus_topic``, ``n_docs_focus`` (documents tagged with it); with ``min_docs``,
        ``small_n`` (the outlet has fewer unique documents than that in all, so it is shown but not compared).

    """
    docs = documents.assign(
        is_duplicate=documents["duplicate_of"].notna(),
        on_focus=documents["doc_id"].isin(doc_topics.loc[doc_topics["topic"] == focus_topic, "doc_id"])
        if focus_topic else False,
    )
    unique = docs[~docs["is_duplicate"]]
    keys = ["outlet", "source_kind", "voice"]
    out = unique.groupby(keys, sort=True).agg(n_docs=("doc_id", "size"), n_words=("n_words", "sum"),
                                              n_docs_focus=("on_focus", "sum"))
    dup = docs[docs["is_duplicate"]].groupby(keys, sort=True).size().rename("n_duplicates")
    # outer: an outlet whose every document is a copy of another outlet's (syndication) keeps its row, n_docs 0
    out = out.join(dup, how="outer").fillna({"n_docs": 0, "n_words": 0, "n_docs_focus": 0, "n_duplicates": 0})
    out = out.reset_index()
    cols = list(OVERVIEW_COLUMNS)
    if focus_topic:
        cols.append("n_docs_focus")
    if min_docs is not None:
        per_outlet = unique.groupby("outlet").size()
        out["small_n"] = out["outlet"].map(per_outlet).fillna(0).to_numpy() < min_docs
        cols.append("small_n")
    dtypes = {"n_docs": "int64", "n_words": "int64", "n_duplicates": "int64", "n_docs_focus": "int64",
              "small_n": "bool"}
    return typed(out.reindex(columns=cols), dtypes)


def duplicates_table(documents: pd.DataFrame) -> pd.DataFrame:
    """Each text that appears more than once: outlet, title, copies, and where the copies are."""
    dups = documents[documents["duplicate_of"].notna()]
    cols = ["doc_id", "outlet", "title", "n_copies", "copies_at"]
    if dups.empty:
        return typed(pd.DataFrame(columns=cols), {"n_copies": "int64"})
    first = documents.set_index("doc_id")
    rows = []
    for original, group in dups.groupby("duplicate_of", sort=True):
        # the first copy may lie outside a selection (another outlet or topic): then its first copy inside counts
        head = first.loc[original] if original in first.index else group.iloc[0]
        group = group if original in first.index else group.iloc[1:]
        places = [(head["source_file"], head["source_lines"]),
                  *zip(group["source_file"], group["source_lines"], strict=True)]
        where = [f"{f!s}:{str(lines).split(',')[0]}" for f, lines in places]
        rows.append({"doc_id": original, "outlet": head["outlet"], "title": head["title"],
                     "n_copies": len(group) + 1, "copies_at": "; ".join(where)})
    return typed(pd.DataFrame(rows, columns=cols), {"n_copies": "int64"})


def rejects_summary(rejects: pd.DataFrame) -> pd.DataFrame:
    """Rejected units per file and reason."""
    if rejects.empty:
        return typed(pd.DataFrame(columns=["source_file", "reason", "n_units"]), {"n_units": "int64"})
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


def topic_shares(documents: pd.DataFrame, doc_topics: pd.DataFrame, *,
                 settings: CompareSettings = CompareSettings()) -> pd.DataFrame:
    """Share of each outlet's unique documents (no stubs) that carry each topic tag, with Wilson intervals.

    Returns:
        :func:`group_summary` columns for groups (``outlet``, ``topic``): ``mean`` is the share tagged. Every
        outlet × topic that occurs in ``doc_topics`` has a row (a share of 0 included); no rows without tags.
    """
    unique = comparable(documents)[["doc_id", "outlet"]]
    topics = sorted(doc_topics.loc[doc_topics["doc_id"].isin(unique["doc_id"]), "topic"].astype(str).unique())
    tagged = set(zip(doc_topics["doc_id"].astype(str), doc_topics["topic"].astype(str), strict=True))
    grid = unique.merge(pd.DataFrame({"topic": topics}), how="cross")
    grid["tagged"] = [float((d, t) in tagged) for d, t in zip(grid["doc_id"].astype(str), grid["topic"], strict=True)]
    return group_summary(grid, "tagged", by=["outlet", "topic"], settings=settings, kind="share")


NOT_OWN = ("quoted", "reported")  # attribution voices of words an outlet passes on rather than states


def in_voice(mentions: pd.DataFrame, documents: pd.DataFrame, voice: str | None) -> pd.DataFrame:
    """The mentions (or labels) of unique documents in one voice, joined with the document's ``outlet``.

    Copies and headline-only stubs are left out (:func:`framing.corpus.comparable`).

    ``author`` keeps what an outlet says itself: mentions in its own documents *and* in its own words (the mention's
    attribution ``voice`` is ``author``). ``quoted`` keeps what it passes on: a quote or reported statement inside
    its own text ("Peskov said …"), and every mention in a quoted document (a reposted article, a quoted block).
    None keeps every mention. Mentions without an attribution voice (tables written before it) take their
    document's voice.
    """
    docs = comparable(documents)
    if voice is None:
        return mentions.merge(docs[["doc_id", "outlet"]], on="doc_id")
    m = mentions.merge(docs[["doc_id", "outlet", "voice"]].rename(columns={"voice": "_doc_voice"}), on="doc_id")
    own = m["voice"].fillna(m["_doc_voice"]) if "voice" in m.columns else m["_doc_voice"]
    own = own.astype(str)
    if voice == "author":
        keep = (m["_doc_voice"].astype(str) == "author") & (own == "author")
    elif voice == "quoted":
        keep = (m["_doc_voice"].astype(str) == "quoted") | own.isin(NOT_OWN)
    else:
        keep = own == voice
    return m[keep.to_numpy()].drop(columns="_doc_voice")


def actor_portrayal(mentions: pd.DataFrame, documents: pd.DataFrame, *, voice: str | None = "author",
                    settings: CompareSettings = CompareSettings()) -> pd.DataFrame:
    """Mean sentiment toward each actor per outlet, with a bootstrap CI over documents.

    Mentions are first averaged within their document, so one article that names Maduro thirty times counts
    once. ``voice`` keeps author and quoted text apart (an outlet quoting Putin is not the outlet praising him),
    down to the clause (:func:`in_voice`).

    Returns:
        Columns ``outlet``, ``actor``, ``n_docs``, ``n_mentions``, ``mean``, ``ci_low``, ``ci_high``,
        ``ci_method``, ``small_n``.
    """
    m = in_voice(mentions, documents, voice)
    m = m.assign(actor_sentiment=numeric(m["actor_sentiment"]))
    per_doc = m.groupby(["outlet", "actor", "doc_id"], sort=True).agg(
        actor_sentiment=("actor_sentiment", "mean"), n_mentions=("actor_sentiment", "size")).reset_index()
    summary = group_summary(per_doc, "actor_sentiment", by=["outlet", "actor"], settings=settings)
    counts = per_doc.groupby(["outlet", "actor"], sort=True)["n_mentions"].sum().rename("n_mentions").reset_index()
    out = summary.merge(counts, on=["outlet", "actor"])
    cols = ["outlet", "actor", "n_docs", "n_mentions", "mean", "ci_low", "ci_high", "ci_method", "small_n"]
    return typed(out[cols], {**summary_dtypes(["outlet", "actor"]), "n_mentions": "int64"})


def actor_evidence(mentions: pd.DataFrame, sentences: TextSource, documents: pd.DataFrame, *,
                   actors: Sequence[str], voice: str | None = "author", k: int = 2) -> pd.DataFrame:
    """The ``k`` most negative and most positive mentions per outlet × actor: the sentences behind each cell.

    ``sentences`` gives the text of the chosen mentions' sentences (:data:`framing.build.store.TextSource`).
    """
    m = in_voice(mentions[mentions["actor"].isin(list(actors))], documents, voice)
    m = m.merge(documents[["doc_id", "published_date", "title"]], on="doc_id")
    parts = []
    for _, g in m.groupby(["outlet", "actor"], sort=True):
        ordered = g.sort_values(["actor_sentiment", "doc_id", "sent_idx", "char_start"], kind="stable")
        n_low = min(k, (len(ordered) + 1) // 2)
        parts.append(ordered.head(n_low).assign(end="most negative"))
        parts.append(ordered.iloc[n_low:].sort_values(["actor_sentiment", "doc_id", "sent_idx"],
                                                      ascending=[False, True, True], kind="stable").head(k)
                     .assign(end="most positive"))
    cols = ["outlet", "actor", "end", "actor_sentiment", "mention", "speaker", "published_date", "title", "text",
            "doc_id", "sent_idx", "n_copies"]
    if "speaker" not in m.columns:
        m = m.assign(speaker=pd.Series(pd.NA, index=m.index, dtype="string"))
    if not parts:
        empty_out = pd.DataFrame(columns=cols).rename(columns={"text": "sentence"})
        return typed(empty_out, {"actor_sentiment": "float64", "sent_idx": "int64", "n_copies": "int64"})
    out = pd.concat(parts, ignore_index=True)
    out = _with_copies(out.assign(text=texts_for(sentences, out)), documents)
    return out[cols].rename(columns={"text": "sentence"})


def label_table(labels: pd.DataFrame, mentions: pd.DataFrame, sentences: TextSource, documents: pd.DataFrame,
                *, voice: str | None = "author", min_count: int = 1) -> pd.DataFrame:
    """Word choice: how often each outlet attaches each label to each actor, with an example sentence.

    Returns:
        Columns ``actor``, ``label``, ``stance``, ``outlet``, ``n_labelled`` (mentions carrying the label),
        ``n_mentions`` (all the outlet's mentions of the actor), ``share`` and ``example``; duplicates counted once.
        A label counts in the voice of the mention it is attached to (:func:`in_voice`).
    """
    kept = in_voice(mentions, documents, voice)
    key = ["doc_id", "sent_idx", "actor", "char_start"]
    lab = labels.merge(kept[[*key, "outlet"]].drop_duplicates(key), on=key)
    cols = ["actor", "label", "stance", "outlet", "n_labelled", "n_mentions", "share", "example"]
    if lab.empty:
        return typed(pd.DataFrame(columns=cols), {"n_labelled": "int64", "n_mentions": "int64", "share": "float64"})
    totals = kept.groupby(["actor", "outlet"]).size().rename("n_mentions")
    lab = lab.sort_values(["doc_id", "sent_idx", "char_start"], kind="stable")
    out = lab.groupby(["actor", "label", "stance", "outlet"], sort=True).agg(
        n_labelled=("doc_id", "size"), doc_id=("doc_id", "first"), sent_idx=("sent_idx", "first")).reset_index()
    out["example"] = texts_for(sentences, out)
    out = out.join(totals, on=["actor", "outlet"])
    out["share"] = (out["n_labelled"] / out["n_mentions"]).round(4)
    out = out[out["n_labelled"] >= min_count]
    return out.sort_values(["actor", "n_labelled", "label", "outlet"], ascending=[True, False, True, True],
                           kind="stable").reset_index(drop=True)[cols]


def role_shares(roles: pd.DataFrame, documents: pd.DataFrame, *, voice: str | None = "author",
                min_docs: int = 5) -> pd.DataFrame:
    """Share of documents casting each actor as hero, villain or victim, per outlet (most probable role).

    Copies and headline-only stubs are left out (:func:`framing.corpus.comparable`).
    """
    docs = comparable(documents)
    if voice is not None:
        docs = docs[docs["voice"] == voice]
    r = roles.merge(docs[["doc_id", "outlet"]], on="doc_id")
    cols = ["outlet", "actor", "n_docs", "share_hero", "share_villain", "share_victim", "small_n"]
    if r.empty:
        return typed(pd.DataFrame(columns=cols), {"n_docs": "int64", **{c: "float64" for c in cols[3:6]},
                                                  "small_n": "bool"})
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
    """The documents a frame measure compares (:func:`framing.corpus.comparable`), of one voice (None: both)."""
    docs = comparable(documents)
    return docs if voice is None else docs[docs["voice"] == voice]


SHARE_VALUES = ("frame_present", "uses_frame")  # per-document 0/1 frame measures: shares, not means


def frame_prevalence(doc_frames: pd.DataFrame, documents: pd.DataFrame, *, value: str, voice: str | None = "author",
                     settings: CompareSettings = CompareSettings()) -> pd.DataFrame:
    """Per outlet × frame: the share (or mean) of a per-document frame measure, with its interval over documents.

    Args:
        doc_frames: One row per document × frame (``doc_id``, ``frame``, ``value``).
        documents: The documents table (for outlet, voice and duplicates).
        value: ``frame_present`` (generic frames) or ``uses_frame`` (issue frames), 0/1 per document and
            summarised as shares with Wilson intervals; ``share_sentences`` (issue frames), a mean.
        voice: Keep this voice only (None: both).
        settings: Interval settings.

    Returns:
        :func:`group_summary` columns for groups (``outlet``, ``frame``).
    """
    docs = _voice_docs(documents, voice)[["doc_id", "outlet"]]
    data = doc_frames.merge(docs, on="doc_id")
    data = data.assign(**{value: numeric(data[value])})
    return group_summary(data, value, by=["outlet", "frame"], settings=settings,
                         kind="share" if value in SHARE_VALUES else "mean")


ISSUE_STANCE_COLUMNS = ("outlet", "frame", "n_docs", "n_docs_used", "share_used", "ci_low", "ci_high", "ci_method",
                        "n_used", "n_reported", "n_rebutted", "small_n")


def issue_frame_stances(doc_shares: pd.DataFrame, hits: pd.DataFrame, documents: pd.DataFrame, *,
                        voice: str | None = "author", settings: CompareSettings = CompareSettings()) -> pd.DataFrame:
    """Per outlet × issue frame: the sentences that use, report and rebut it, and the share of documents using it.

    The outlet's framing is what it ``uses``; ``reported`` hits (the cue in someone else's words) and ``rebutted``
    hits (the frame denied) are counted beside it, never in the share.

    Args:
        doc_shares: ``issue_frame_docs`` (one row per on-topic document × frame, ``uses_frame`` 0/1).
        hits: ``issue_frame_sentences`` (``doc_id``, ``frame``, ``stance``; a table without ``stance`` is all used).
        documents: The selection (outlet, voice, duplicates).
        voice: Keep documents of this voice only (None: both).
        settings: Interval settings.

    Returns:
        Columns ``outlet``, ``frame``, ``n_docs`` (the outlet's on-topic documents), ``n_docs_used``, ``share_used``
        with its Wilson interval (``ci_low``, ``ci_high``, ``ci_method``), ``n_used``, ``n_reported``,
        ``n_rebutted`` (sentences), ``small_n``; sorted by outlet and frame.
    """
    stances = ("used", "reported", "rebutted")
    prev = frame_prevalence(doc_shares, documents, value="uses_frame", voice=voice, settings=settings)
    docs = _voice_docs(documents, voice)[["doc_id", "outlet"]]
    h = hits.merge(docs, on="doc_id")
    h = h.assign(stance=h["stance"].astype(str) if "stance" in h.columns else "used")
    counts = (h.groupby(["outlet", "frame", "stance"]).size().unstack("stance", fill_value=0)
              .reindex(columns=list(stances), fill_value=0))
    counts.columns = [f"n_{c}" for c in stances]
    shares = doc_shares.merge(docs, on="doc_id")
    used = (shares.assign(uses_frame=numeric(shares["uses_frame"]) == 1).groupby(["outlet", "frame"])["uses_frame"]
            .sum().rename("n_docs_used"))
    out = prev.rename(columns={"mean": "share_used"}).join(used, on=["outlet", "frame"])
    out = out.merge(counts.reset_index(), on=["outlet", "frame"], how="left")
    counted = ["n_docs_used", *counts.columns]
    out[counted] = out[counted].fillna(0)
    dtypes = {"n_docs": "int64", "n_docs_used": "int64", "share_used": "float64", "ci_low": "float64",
              "ci_high": "float64", "ci_method": "object", "n_used": "int64", "n_reported": "int64",
              "n_rebutted": "int64", "small_n": "bool"}
    return typed(out.reindex(columns=list(ISSUE_STANCE_COLUMNS)), dtypes).reset_index(drop=True)


FRAME_EVIDENCE_COLUMNS = ("frame", "outlet", "score", "published_date", "title", "sentence", "doc_id", "sent_idx",
                          "n_copies")


def frame_evidence(sentence_scores: pd.DataFrame, sentences: TextSource, documents: pd.DataFrame, *,
                   score: str, voice: str | None = "author", k: int = 2, doc_frames: pd.DataFrame | None = None,
                   present: str = "frame_present", cues: str | None = None,
                   min_score: float | None = None) -> pd.DataFrame:
    """The ``k`` sentences per outlet × frame with the highest ``score``: the sentences behind each cell.

    Args:
        sentence_scores: ``doc_id``, ``sent_idx``, ``frame`` and ``score`` (plus any other columns, kept).
        sentences: Where the chosen sentences' text comes from (:data:`framing.build.store.TextSource`).
        documents: The selection (outlet, voice, duplicates): copies are left out, and ``n_copies`` counts them.
        score: The sentence's own score, shown as ``score``.
        voice: Keep this voice only (None: both).
        k: Sentences per cell.
        doc_frames: Per document × frame, the ``present`` flag the cell counts: when given, a sentence is
            evidence for a frame only if its document counts toward that frame's cell (a cell at 0% has none).
        present: The flag column of ``doc_frames``.
        cues: A column of ``sentence_scores`` naming the codebook cues of the frame in the sentence (empty: none).
            When given, a sentence is evidence only if it carries a cue or its score is at least ``min_score``
            (None: only if it carries a cue), and sentences with a cue come first: a model score on a sentence
            alone is no evidence by itself ("Maybe grill some burgers." scores 0.98 for human interest).
        min_score: See ``cues``.

    Returns:
        Columns ``frame``, ``outlet``, ``score``, ``published_date``, ``title``, ``sentence``, ``doc_id``,
        ``sent_idx``, ``n_copies``, then the other columns of ``sentence_scores``; sorted by frame and outlet.
    """
    docs = _voice_docs(documents, voice)[["doc_id", "outlet", "published_date", "title"]]
    s = sentence_scores.merge(docs, on="doc_id")
    if doc_frames is not None:
        counted = doc_frames.loc[numeric(doc_frames[present]) == 1, ["doc_id", "frame"]]
        s = s.merge(counted, on=["doc_id", "frame"])
    s = s.assign(score=numeric(s[score]))
    order = ["score", "doc_id", "sent_idx"]
    if cues is not None:
        carries = s[cues].fillna("").astype(str).str.strip().ne("")
        s = s[carries | (s["score"] >= (np.inf if min_score is None else min_score))]
        s = s.assign(_carries=carries[s.index])
        order = ["_carries", *order]
    s = s.sort_values(order, ascending=[False] * (len(order) - 2) + [True, True], kind="stable")
    s = s.drop(columns="_carries", errors="ignore")
    out = s.groupby(["outlet", "frame"], sort=True).head(k).sort_values(["frame", "outlet"], kind="stable")
    out = out.assign(sentence=texts_for(sentences, out))
    out = _with_copies(out.reset_index(drop=True), documents)
    rest = [c for c in out.columns if c not in FRAME_EVIDENCE_COLUMNS and c != score]
    cols = [*FRAME_EVIDENCE_COLUMNS, *rest]
    return typed(out.reindex(columns=cols), {"score": "float64", "sent_idx": "int64", "n_copies": "int64"})


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


TEST_COLUMNS = ("measure", "kind", "outlet", "stratum", "n_outlet", "n_rest", "mean_outlet", "mean_rest",
                "difference", "diff_ci_low", "diff_ci_high", "diff_ci_method", "effect_size", "effect_size_name",
                "min_detectable_effect", "min_detectable_difference", "p_value", "small_n")
TEST_DTYPES = {"measure": "object", "kind": "object", "outlet": "object", "stratum": "object", "n_outlet": "int64",
                "n_rest": "int64", **{c: "float64" for c in ("mean_outlet", "mean_rest", "difference", "diff_ci_low",
                                                              "diff_ci_high", "effect_size", "min_detectable_effect",
                                                              "min_detectable_difference", "p_value")},
                "diff_ci_method": "object", "effect_size_name": "object", "small_n": "bool"}


def outlet_vs_rest(data: pd.DataFrame, value: str, *, measure: str, by: str = "outlet",
                   stratum: str | None = None, kind: Kind = "mean",
                   settings: CompareSettings = CompareSettings()) -> pd.DataFrame:
    """Each outlet against all other outlets on a document-level ``value``: permutation test and effect sizes.

    Args:
        data: One row per document with ``by``, ``value`` and (optionally) ``stratum``.
        value: The document-level measure.
        measure: A label for the measure (kept in the output).
        by: The grouping column (outlets).
        stratum: Compare only within each level of this column (e.g. ``source_kind``): like with like.
        kind: ``"share"`` for 0/1 measures (Newcombe interval of the difference, Cohen's h) or ``"mean"``
            (bootstrap or Welch t interval, Hedges' g); see :mod:`framing.analysis.stats`.
        settings: Resamples, confidence level, small-n and bootstrap thresholds, seed.

    Returns:
        One row per outlet (× stratum): ``measure``, ``kind``, ``outlet``, ``stratum``, ``n_outlet``, ``n_rest``,
        ``mean_outlet``, ``mean_rest``, ``difference`` with ``diff_ci_low``/``diff_ci_high`` and
        ``diff_ci_method``, ``effect_size`` and ``effect_size_name`` (``cohen_h`` or ``hedges_g``),
        ``min_detectable_effect`` and ``min_detectable_difference`` (the smallest effect, standardised and on the
        measure's scale, that these group sizes detect with 80% power at two-sided 0.05), ``p_value`` (two-sided
        permutation test of the difference in means; from ``settings.large_n`` documents in the stratum, from
        permutations shared by its outlets, and where the outlet and its rest both have that many, from the
        permutation distribution itself: see :func:`framing.analysis.stats.shared_permutation_pvalues`),
        ``small_n``. Outlets or rests under ``min_docs`` documents
        are kept, marked small-n and not tested (p is NaN). No rows for empty input or a single outlet.
    """
    rows = []
    strata = [(None, data)] if stratum is None else list(data.groupby(stratum, sort=True))
    for level, part in strata:
        part = part.assign(_v=numeric(part[value]))
        part = part[np.isfinite(part["_v"])]
        outlets = sorted(part[by].unique())
        if len(outlets) < 2:  # nothing to compare with
            continue
        shared = None
        values = part["_v"].to_numpy(dtype=float)
        codes = pd.Categorical(part[by], categories=outlets).codes
        if len(part) >= settings.large_n:  # one set of permutations for every outlet of this measure and stratum
            shared = stats_.shared_permutation_pvalues(values, codes, n_resamples=settings.n_resamples,
                                                       seed=settings.seed + _stable_offset((measure, level)),
                                                       analytic_from=settings.large_n)
        for i, outlet in enumerate(outlets):
            x, y = values[codes == i], values[codes != i]
            small = len(x) < settings.min_docs or len(y) < settings.min_docs
            seed = settings.seed + _stable_offset((measure, outlet, level))
            diff = stats_.difference_interval(x, y, kind=kind, confidence_level=settings.confidence_level,
                                              n_resamples=settings.n_resamples,
                                              min_bootstrap_n=settings.min_bootstrap_n, seed=seed + 1,
                                              welch_from=settings.large_n)
            effect, effect_name = stats_.effect_size(x, y, kind=kind)
            mean_rest = float(y.mean()) if len(y) else float("nan")
            mde, mdd = stats_.min_detectable(len(x), len(y), kind=kind, reference=mean_rest,
                                             sd=stats_.pooled_sd(x, y))
            rows.append({"measure": measure, "kind": kind, "outlet": outlet, "stratum": level, "n_outlet": len(x),
                         "n_rest": len(y), "mean_outlet": float(x.mean()) if len(x) else float("nan"),
                         "mean_rest": mean_rest, "difference": diff.estimate, "diff_ci_low": diff.low,
                         "diff_ci_high": diff.high, "diff_ci_method": diff.method, "effect_size": effect,
                         "effect_size_name": effect_name, "min_detectable_effect": mde,
                         "min_detectable_difference": mdd,
                         "p_value": float("nan") if small else float(shared[i]) if shared is not None
                         else stats_.permutation_pvalue(x, y, n_resamples=settings.n_resamples, seed=seed),
                         "small_n": small})
    return typed(pd.DataFrame(rows, columns=list(TEST_COLUMNS)), TEST_DTYPES)


def with_fdr(tests: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Add Benjamini–Hochberg ``q_value`` across every tested row, and ``survives`` (q < ``alpha``)."""
    out = tests.copy()
    out["q_value"] = stats_.bh_qvalues(numeric(out["p_value"])) if len(out) else pd.Series(dtype="float64")
    out["survives"] = (out["q_value"] < alpha).astype(bool)
    return out
