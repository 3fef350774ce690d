"""Who speaks: the share of each outlet's words in each voice, and whom each outlet quotes, reports or reposts.

Source selection is a framing device in its own right: an outlet that quotes Zakharova and Peskov and reposts
teleSUR tells its story through them. These tables read the attribution units (``sentence_voice``, see
:mod:`framing.features.attribution`) and the documents table; like every comparison in the report they count
unique documents (copies once, no headline-only stub: :func:`framing.corpus.comparable`), only those the English
measures score (attribution is an English measure: the others have no units), and a document quoting a source ten
times cites it once.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from framing.analysis import stats as stats_
from framing.analysis.compare import group_summary, summary_dtypes, typed
from framing.build.store import TextSource, texts_for
from framing.config import CompareSettings, LanguageSettings
from framing.corpus import comparable
from framing.features.attribution import sentence_voice_summary
from framing.language import english_measures_mask

VOICE_ORDER = ("author", "quoted", "reported")
HOW = {"quoted": "quote", "reported": "reported", "repost": "repost"}
UNNAMED = "(unnamed)"  # a pronoun or collective the rules could not resolve, or a repost that names no source
# Speakers that name no one: a pronoun the attribution rules could not resolve, or a vague collective.
_UNNAMED = re.compile(r"^(he|she|they|it|we|i|you|one|someone|others?|some|many|critics|officials|sources?|"
                      r"analysts|experts|observers|people)$", re.I)
SOURCING_COLUMNS = ("outlet", "source", "source_name", "how", "n_docs", "n_outlet_docs", "share_docs", "ci_low",
                    "ci_high", "n_units", "example")
VOICE_SHARE_COLUMNS = ("outlet", "voice", "n_sentences", "share_sentences", "n_docs", "mean", "ci_low", "ci_high",
                       "ci_method", "small_n")


def attributed_documents(documents: pd.DataFrame, *, language: LanguageSettings | None = None) -> pd.DataFrame:
    """The documents these tables count: each text once, no headline-only stub, English measures only.

    Those the comparisons count (:func:`framing.corpus.comparable`) that the English measures score (by ``lang``, as
    the pipeline's attribution does; a table without ``lang`` is all scored).
    """
    docs = comparable(documents)
    if "lang" in docs.columns:
        docs = docs[english_measures_mask(docs, settings=language)]
    return docs


def voice_shares(units: pd.DataFrame, documents: pd.DataFrame, *,
                 settings: CompareSettings = CompareSettings(), language: LanguageSettings | None = None
                 ) -> pd.DataFrame:
    """Share of each outlet's sentences in author, quoted and reported voice.

    ``share_sentences`` pools the outlet's sentences; ``mean`` and its interval average each document's share over
    the outlet's unique documents (the report's unit; no stub, only those the English measures score:
    :func:`attributed_documents`), with the bootstrap or t interval of :func:`framing.analysis.compare.group_summary`.
    """
    docs = attributed_documents(documents, language=language)[["doc_id", "outlet"]]
    per_sent = sentence_voice_summary(units)[["doc_id", "sent_idx", "voice"]].merge(docs, on="doc_id")
    if per_sent.empty:
        return typed(pd.DataFrame(columns=list(VOICE_SHARE_COLUMNS)),
                     {**summary_dtypes(["outlet", "voice"]), "n_sentences": "int64", "share_sentences": "float64"})
    counts = per_sent.groupby(["outlet", "doc_id", "voice"]).size().unstack("voice", fill_value=0)
    for v in VOICE_ORDER:
        if v not in counts.columns:
            counts[v] = 0
    counts = counts[list(VOICE_ORDER)]
    totals = counts.sum(axis=1)
    long = counts.div(totals, axis=0).melt(ignore_index=False, var_name="voice", value_name="share").reset_index()
    summary = group_summary(long, "share", by=["outlet", "voice"], settings=settings)
    pooled = (counts.groupby(level="outlet").sum().melt(ignore_index=False, var_name="voice", value_name="n_sentences")
              .reset_index())
    pooled["share_sentences"] = (pooled["n_sentences"]
                                 / pooled.groupby("outlet")["n_sentences"].transform("sum")).round(4)
    out = pooled.merge(summary, on=["outlet", "voice"])
    out["voice"] = pd.Categorical(out["voice"], VOICE_ORDER)
    out = out.sort_values(["outlet", "voice"], kind="stable").assign(voice=lambda d: d["voice"].astype(str))
    return typed(out[list(VOICE_SHARE_COLUMNS)].reset_index(drop=True),
                 {**summary_dtypes(["outlet", "voice"]), "n_sentences": "int64", "share_sentences": "float64"})


@lru_cache(maxsize=1)
def _display_names() -> dict[str, str]:
    from framing.features.actors import ActorRegistry
    from framing.outlets import OutletRegistry

    names = {f"actor:{k}": v for k, v in ActorRegistry.load().names.items()}
    names.update({f"outlet:{slug}": o.name for slug, o in OutletRegistry.default().outlets.items()})
    return names


def source_key(speaker: object, ref: object) -> str:
    """The key a source is counted under: its registry id, else its name as written (folded), else unnamed.

    >>> source_key("Zakharova", "actor:zakharova"), source_key("The Kremlin ", ""), source_key("he", "")
    ('actor:zakharova', 'kremlin', '(unnamed)')
    """
    if isinstance(ref, str) and ref:
        return ref
    name = re.sub(r"\s+", " ", str(speaker) if isinstance(speaker, str) else "").strip(" ,.;:'\"")
    name = re.sub(r"^the\s+", "", name, flags=re.I).lower()
    return UNNAMED if not name or _UNNAMED.match(name) else name


def sourcing_table(units: pd.DataFrame, documents: pd.DataFrame, sentences: TextSource | None = None, *,
                   confidence_level: float = 0.95, language: LanguageSettings | None = None) -> pd.DataFrame:
    """Whom each outlet quotes, reports or reposts: one row per outlet × source.

    A unit in quoted or reported voice inside an outlet's own document cites its ``speaker``; a quoted document (a
    reposted article, a quoted block) cites its ``quoted_from``. Every count is over the same documents,
    :func:`attributed_documents`: the outlet's unique documents (copies once, no headline-only stub) that the English
    measures score (``language``, as the pipeline's: the others have no attribution units, so they could cite no
    one). ``n_outlet_docs`` is the number of those documents, ``n_docs`` those of them that cite the source, and
    ``share_docs`` the share, with its Wilson interval; ``n_units`` counts quotes and reported statements (a reposted
    document counts once); ``how`` says in which ways (``quote 3 · reported 2 · repost 1``). ``example`` is one
    citing sentence. ``source`` is the key a source is counted under (:func:`source_key`), ``source_name`` its
    display name.
    """
    docs = attributed_documents(documents, language=language)
    n_outlet = docs.groupby("outlet").size()
    u = units[units["voice"].isin(["quoted", "reported"])].merge(
        docs[["doc_id", "outlet", "voice"]].rename(columns={"voice": "doc_voice"}), on="doc_id")
    own = u[u["doc_voice"] == "author"]
    cites = pd.DataFrame({
        "outlet": own["outlet"].astype(str), "doc_id": own["doc_id"].astype(str),
        "source": [source_key(s, r) for s, r in zip(own["speaker"], own["speaker_ref"], strict=True)],
        "speaker": own["speaker"].fillna("").astype(str), "how": own["voice"].map(HOW).astype(str),
        "sent_idx": own["sent_idx"].astype("int64")})
    reposts = docs[(docs["voice"] == "quoted")]
    if len(reposts):
        ref = reposts["quoted_from"].fillna("").astype(str)
        cites = pd.concat([cites, pd.DataFrame({
            "outlet": reposts["outlet"].astype(str), "doc_id": reposts["doc_id"].astype(str),
            "source": [source_key(r, f"outlet:{r}" if f"outlet:{r}" in _display_names() else "") for r in ref],
            "speaker": ref, "how": "repost", "sent_idx": 0})], ignore_index=True)
    cols = list(SOURCING_COLUMNS)
    if cites.empty:
        return typed(pd.DataFrame(columns=cols), {"n_docs": "int64", "n_outlet_docs": "int64", "n_units": "int64",
                                                  "share_docs": "float64", "ci_low": "float64", "ci_high": "float64"})
    cites = cites.sort_values(["outlet", "source", "doc_id", "sent_idx"], kind="stable")
    first = ~cites.duplicated(["outlet", "source"])  # a group's example: its first citing sentence
    cites["example"] = pd.NA
    if sentences is not None:
        cites.loc[first, "example"] = texts_for(sentences, cites[first]).astype(object)
    names = _display_names()
    rows = []
    for (outlet, source), g in cites.groupby(["outlet", "source"], sort=True):
        n_docs, n_all = int(g["doc_id"].nunique()), int(n_outlet.get(outlet, 0))
        iv = stats_.share_interval(n_docs, n_all, confidence_level=confidence_level)
        kinds = g["how"].value_counts()
        how = " · ".join(f"{k} {int(kinds[k])}" for k in ("quote", "reported", "repost") if k in kinds.index)
        written = g["speaker"][g["speaker"] != ""]
        name = (UNNAMED if source == UNNAMED else names.get(str(source))
                or (written.value_counts().index[0] if len(written) else source))
        rows.append({"outlet": outlet, "source": source, "source_name": name, "how": how, "n_docs": n_docs,
                     "n_outlet_docs": n_all, "share_docs": round(iv.estimate, 4), "ci_low": round(iv.low, 4),
                     "ci_high": round(iv.high, 4), "n_units": int(len(g)), "example": g["example"].iloc[0]})
    out = pd.DataFrame(rows, columns=cols)
    out = out.sort_values(["outlet", "n_docs", "n_units", "source"], ascending=[True, False, False, True],
                          kind="stable").reset_index(drop=True)
    return typed(out, {"n_docs": "int64", "n_outlet_docs": "int64", "n_units": "int64", "share_docs": "float64",
                       "ci_low": "float64", "ci_high": "float64"})


def top_sources(table: pd.DataFrame, *, k: int = 12, min_docs: int = 5) -> pd.DataFrame:
    """The ``k`` sources cited by most documents, as an outlet × source share summary for a heatmap.

    Sources are told apart by their key (``source``: two sources with the same display name stay two); each is shown
    by its display name, made unique where two keys share one (``Name (key)``). Every outlet that cites any source
    gets a cell for each chosen source (0 where it cites it in no document). Columns as
    :func:`framing.analysis.compare.group_summary`'s (``mean`` is ``share_docs``), with ``source`` (the display name).
    """
    cols = ["outlet", "source", "n_docs", "mean", "ci_low", "ci_high", "ci_method", "small_n"]
    named = table[table["source"] != UNNAMED]
    totals = named.groupby("source", sort=True)["n_docs"].sum()
    chosen = totals.sort_values(ascending=False, kind="stable").head(k).index.tolist()
    display = _display(named.drop_duplicates("source").set_index("source")["source_name"].astype(str), chosen)
    n_outlet = table.drop_duplicates("outlet").set_index("outlet")["n_outlet_docs"]
    cited = named.groupby(["outlet", "source"])["n_docs"].sum()
    rows = []
    for outlet, n_all in n_outlet.items():
        for key in chosen:
            k_docs = int(min(cited.get((outlet, key), 0), n_all))
            iv = stats_.share_interval(k_docs, int(n_all))
            rows.append({"outlet": outlet, "source": display[key], "n_docs": int(n_all), "mean": iv.estimate,
                         "ci_low": iv.low, "ci_high": iv.high, "ci_method": iv.method,
                         "small_n": bool(n_all < min_docs)})
    return pd.DataFrame(rows, columns=cols).astype({"mean": "float64", "ci_low": "float64", "ci_high": "float64"})


def _display(names: pd.Series, keys: list[str]) -> dict[str, str]:
    """Display name of each source key; a name two of ``keys`` share gets its key after it."""
    shown = {key: str(names.get(key, key)) for key in keys}
    counts = pd.Series(list(shown.values()), dtype=object).value_counts()
    return {key: f"{name} ({key})" if counts[name] > 1 else name for key, name in shown.items()}


def voice_shares_wide(shares: pd.DataFrame) -> pd.DataFrame:
    """``voice_shares`` as one row per outlet: sentences and the pooled share in each voice (for the README)."""
    if shares.empty:
        return pd.DataFrame(columns=["outlet", "n_sentences", *VOICE_ORDER])
    wide = shares.pivot(index="outlet", columns="voice", values="share_sentences").reindex(columns=list(VOICE_ORDER))
    n = shares.groupby("outlet")["n_sentences"].sum()
    return wide.assign(n_sentences=n).reset_index()[["outlet", "n_sentences", *VOICE_ORDER]].fillna(0.0).round(3)
