"""Quick looks for interactive use: load a run, read a term in context, see the sentences behind a number.

In a notebook (``make lab``)::

    from framing.report import explore
    tables = explore.latest(fallback="data/raw")        # the latest run's tables, or build them
    explore.kwic(tables, "Guaidó")                      # keyword in context, grouped by outlet
    explore.evidence(tables, "sentiment toward maduro", "rt")   # the sentences behind one cell
    explore.distinctive_terms_page(tables, "data/processed/explorer.html")  # an offline page to click through

Every function returns a tidy DataFrame; in a notebook it displays as HTML in which all article text is escaped
(scraped text may contain markup or script). :func:`distinctive_terms_page` writes one self-contained HTML file
(no network requests, data embedded as JSON, rendered with ``textContent``) that every run also writes as
``reports/<run>/explorer.html``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from framing.build.pipeline import StudyTables
from framing.config import REPORTS_DIR, resolve
from framing.corpus import comparable
from framing.features.actors import ActorRegistry, _fold
from framing.safeio import atomic_write_text

log = logging.getLogger(__name__)

# The tokens that keyness.count_terms counts (its CountVectorizer token_pattern), so that the sentences shown for a
# term are the ones that were counted. tests/test_explore.py checks that every listed term finds its sentences.
TOKEN_PATTERN = re.compile(r"(?u)\b[^\W\d_][\w'’-]*[^\W_]\b|\b[^\W\d_]\b")


# ---------------------------------------------------------------- loading runs

def load_run(run: str | Path = "latest", *, reports: str | Path | None = None) -> StudyTables:
    """The tables of one published run (``reports/<run>/tables/``).

    Args:
        run: A run id (folder name under ``reports/``), ``"latest"``, or a path to a run folder.
        reports: The reports folder (default ``reports/`` under the project root).

    Raises:
        FileNotFoundError: when the run, or one of its tables, does not exist.

    """
    folder = resolve(reports) if reports is not None else REPORTS_DIR
    path = Path(run) if Path(run).is_absolute() or Path(run).is_dir() else folder / str(run)
    if not path.is_dir():
        raise FileNotFoundError(f"no run {str(run)!r} in {folder}: run `make report` (or `framing run`) first, "
                                "or build the tables with pipeline.run(corpus_dir)")
    missing = [n for n in StudyTables.TABLES if not (path / "tables" / f"{n}.csv").is_file()]
    if missing:
        raise FileNotFoundError(f"run {path.name} lacks tables {missing} (a failed run, or one from an older "
                                "version): rerun the report")
    tables = StudyTables.load(path / "tables")
    manifest = path / "manifest.json"
    info = json.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else {}
    tables.meta.update({"run": str(path.resolve()), "run_id": info.get("run_id", path.resolve().name),
                        "corpus_dir": (info.get("corpus") or {}).get("dir")})
    return tables


def latest(*, reports: str | Path | None = None, fallback: str | Path | None = None,
           progress: bool = False) -> StudyTables:
    """The latest run's tables; with ``fallback``, build the tables from that corpus folder when there is none.

    Args:
        reports: The reports folder (default ``reports/``).
        fallback: Corpus folder for :func:`framing.build.pipeline.run` when no usable run exists (e.g. a fresh clone).
        progress: Show progress bars while building.

    """
    from framing.corpus import SchemaError

    try:
        return load_run("latest", reports=reports)
    except (FileNotFoundError, SchemaError) as exc:
        if fallback is None:
            raise
        log.info("%s; building the tables from %s instead", exc, fallback)
    from framing.build import pipeline

    return pipeline.run(fallback, progress=progress)


# ---------------------------------------------------------------- frames that display as escaped HTML

_STYLE = ("<style>.framing-x td,.framing-x th{text-align:left;vertical-align:top;padding:2px 6px}"
          ".framing-x td.l{text-align:right;color:#444}.framing-x td.m{font-weight:bold;white-space:nowrap}"
          ".framing-x td.r{color:#444}</style>")


class Concordance(pd.DataFrame):
    """A keyword-in-context table (:func:`kwic`): a DataFrame that displays grouped and escaped in notebooks."""

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame  # filtering or slicing gives a plain DataFrame

    def _repr_html_(self) -> str:
        return concordance_html(self)


class Evidence(pd.DataFrame):
    """The sentences behind a cell (:func:`evidence`): a DataFrame that displays escaped in notebooks."""

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    def _repr_html_(self) -> str:
        shown = self.drop(columns=[c for c in ("doc_id", "sent_idx") if c in self.columns])
        title = html.escape(str(self.attrs.get("caption", "")))
        body = pd.DataFrame(shown).to_html(index=False, escape=True, border=0, classes="framing-x", na_rep="–",
                                           float_format=lambda v: f"{v:.3f}")
        return f"{_STYLE}<p><b>{title}</b></p>{body}"


def concordance_html(df: pd.DataFrame, *, by: Sequence[str] | None = None) -> str:
    """A KWIC table as HTML, one block per group, every piece of text escaped."""
    by = list(by or df.attrs.get("by") or ["outlet"])
    esc = html.escape
    parts = [_STYLE, f"<p><b>{esc(str(df.attrs.get('caption', 'Keyword in context')))}</b></p>"]
    if df.empty:
        return "".join([*parts, "<p>No matches.</p>"])
    for key, group in df.groupby(by, sort=False):
        label = " / ".join(map(str, key if isinstance(key, tuple) else (key,)))
        total = df.attrs.get("totals", {}).get(label)
        more = f" (showing {len(group)} of {total})" if total and total > len(group) else ""
        rows = "".join(f"<tr><td class='l'>{esc(str(r.left))}</td><td class='m'>{esc(str(r.match))}</td>"
                       f"<td class='r'>{esc(str(r.right))}</td><td><small>{esc(str(r.doc_id))}:"
                       f"{esc(str(r.sent_idx))}</small></td></tr>" for r in group.itertuples(index=False))
        parts.append(f"<h4>{esc(label)} — {len(group)} line{'s' if len(group) != 1 else ''}{esc(more)}</h4>"
                     f"<table class='framing-x'>{rows}</table>")
    return "".join(parts)


# ---------------------------------------------------------------- keyword in context

def _fold_fast(text: str) -> str:
    """:func:`framing.features.actors._fold` (accents off, length kept), with ASCII text passed through."""
    return text if text.isascii() else _fold(text)


def _documents(tables: StudyTables, *, voice: str | None, include_duplicates: bool) -> pd.DataFrame:
    """The documents to read: those the comparisons count (no copy, no stub), or with ``include_duplicates`` all."""
    docs = tables.documents
    if not include_duplicates:
        docs = comparable(docs)
    if voice is not None:
        docs = docs[docs["voice"] == voice]
    return docs


def kwic(tables: StudyTables, query: str, *, by: str | Sequence[str] = "outlet",
         kind: Literal["auto", "term", "actor"] = "auto", width: int = 60, n: int | None = 20,
         voice: str | None = None, include_duplicates: bool = False) -> Concordance:
    """Keyword in context: every occurrence of a term, or every mention of an actor, with its left and right context.

    A term is matched as a literal (not a regular expression), case-insensitively, as whole words, and without
    regard to accents ("Guaidó" also finds "Guaido"). An actor id from ``lexicons/actors.yaml`` (e.g. ``maduro``)
    finds the actor's mentions under every alias, using the ``actor_mentions`` table.

    Args:
        tables: The study's tables.
        query: A term, or an actor id.
        by: Document column(s) to group by.
        kind: "term", "actor", or "auto" (an actor id is an actor, anything else a term).
        width: Characters of context on each side.
        n: Lines per group at most (None: all); the first ones in date, document and sentence order.
        voice: Keep this voice only ("author" or "quoted"; None: both).
        include_duplicates: Keep every document: copies flagged ``duplicate_of`` and headline-only stubs (default:
            the documents the comparisons count, each text once and no stub).

    Returns:
        Columns ``by`` + ``doc_id``, ``sent_idx``, ``left``, ``match``, ``right``; ``attrs["totals"]`` holds the
        number of lines per group before ``n`` was applied.

    Raises:
        ValueError: for an empty query, or ``kind="actor"`` with an unknown actor id.

    """
    if not query or not query.strip():
        raise ValueError("kwic needs a term or an actor id")
    by = [by] if isinstance(by, str) else list(by)
    registry = ActorRegistry.load()
    is_actor = kind == "actor" or (kind == "auto" and query in registry.names)
    if kind == "actor" and query not in registry.names:
        raise ValueError(f"unknown actor {query!r}; actor ids: {sorted(registry.names)}")
    docs = _documents(tables, voice=voice, include_duplicates=include_duplicates)
    doc_cols = list(dict.fromkeys(["doc_id", *by, "published_date"]))
    sents = tables.sentences[["doc_id", "sent_idx", "text"]].merge(docs[doc_cols], on="doc_id")
    if is_actor:
        spans = tables.actor_mentions.loc[tables.actor_mentions["actor"] == query,
                                          ["doc_id", "sent_idx", "char_start", "char_end"]]
        hits = sents.merge(spans, on=["doc_id", "sent_idx"])
    else:
        pattern = re.compile(r"(?<!\w)" + re.escape(_fold(query.strip())) + r"(?!\w)", re.IGNORECASE)
        rows = [(i, m.start(), m.end()) for i, text in zip(sents.index, sents["text"], strict=True)
                for m in pattern.finditer(_fold_fast(str(text)))]
        found = pd.DataFrame(rows, columns=["row", "char_start", "char_end"])
        hits = sents.loc[found["row"]].reset_index(drop=True).assign(char_start=found["char_start"].to_numpy(),
                                                                      char_end=found["char_end"].to_numpy())
    hits = hits.sort_values([*by, "published_date", "doc_id", "sent_idx", "char_start"], kind="stable",
                            na_position="last")
    texts = hits["text"].astype(str).tolist()
    a, b = hits["char_start"].astype(int).tolist(), hits["char_end"].astype(int).tolist()
    out = hits[[*by, "doc_id", "sent_idx"]].reset_index(drop=True)
    out["left"] = [t[max(0, s - width):s] for t, s in zip(texts, a, strict=True)]
    out["match"] = [t[s:e] for t, s, e in zip(texts, a, b, strict=True)]
    out["right"] = [t[e:e + width] for t, e in zip(texts, b, strict=True)]
    totals = {" / ".join(map(str, k if isinstance(k, tuple) else (k,))): int(v)
              for k, v in out.groupby(by, sort=False).size().items()}
    if n is not None:
        out = out.groupby(by, sort=False).head(n).reset_index(drop=True)
    result = Concordance(out)
    what = f"actor {query}" if is_actor else f"“{query.strip()}”"
    result.attrs.update({"by": by, "totals": totals, "query": query,
                         "caption": f"Keyword in context: {what}, {sum(totals.values())} lines by {', '.join(by)}"})
    return result


# ---------------------------------------------------------------- the sentences behind a cell

def _measure(measure: str) -> tuple[str, str | None]:
    m = measure.strip()
    if _registered(m, own=True) is not None:  # a researcher's measure first: its label may start like a built-in
        return "registered", m
    low = m.lower()
    if low.startswith("tone"):
        return "tone", None
    for prefix, kind in (("sentiment toward ", "actor"), ("actor:", "actor"), ("generic frame:", "generic"),
                         ("issue frame:", "issue")):
        if low.startswith(prefix):
            return kind, m[len(prefix):].strip()
    if _registered(m) is not None:
        return "registered", m
    raise ValueError(f"unknown measure {measure!r}; use 'tone', 'sentiment toward <actor>', "
                     "'generic frame: <code>', 'issue frame: <slug>' or a registered measure "
                     "(the names in tables/comparisons.csv)")


def _registered(measure: str, *, own: bool = False) -> tuple[Any, str | None] | None:
    """The registered document measure named ``measure`` and the value of its ``by`` column, if any.

    With ``own``, only measures of features registered beyond the package's (whose evidence is sentence-level).
    """
    from framing.features import registry

    builtin_tables = {t for f in registry.features() if registry.is_builtin(f) for t in f.table_names()}
    for offered in registry.measures():
        if own and offered.table in builtin_tables:
            continue
        if measure == offered.label and offered.by is None:
            return offered, None
        if offered.by is not None and measure.startswith(offered.label):
            return offered, measure[len(offered.label):]
    return None


def _document_evidence(tables: StudyTables, docs: pd.DataFrame, measure: str, k: int) -> pd.DataFrame:
    """For a measure a feature registered without an evidence query: its documents at each end of the measure.

    The ``k`` highest and ``k`` lowest values for a mean, the ``k`` highest for a share; the document's title stands
    for its text.
    """
    found = _registered(measure)
    assert found is not None
    offered, what = found
    table = getattr(tables, offered.table)
    if what is not None:
        table = table[table[offered.by].astype(str) == what]
    values = (table[["doc_id", offered.value]].rename(columns={offered.value: "score"})
              .merge(docs[["doc_id", "outlet", "published_date", "title"]], on="doc_id"))
    values = values[values["score"].notna()].sort_values(["score", "doc_id"], kind="stable")
    top = values.tail(k).iloc[::-1].assign(end="highest")
    if offered.kind == "share":
        return top[top["score"] > 0]
    bottom = values.head(k).assign(end="lowest")
    return pd.concat([bottom, top[~top["doc_id"].isin(bottom["doc_id"])]], ignore_index=True)


def evidence(tables: StudyTables, measure: str, outlet: str, *, voice: str | None = "author",
             k: int = 5) -> Evidence:
    """The sentences behind one cell of a results table: a measure for one outlet.

    Measures are named as in ``tables/comparisons.csv``:

    - ``"tone"``: the ``k`` most negative and ``k`` most positive sentences (VADER compound);
    - ``"sentiment toward maduro"`` (or ``"actor: maduro"``): the most negative and most positive mentions;
    - ``"generic frame: EC"``: the ``k`` sentences with the highest frame probability;
    - ``"issue frame: coup-regime-change"``: ``k`` sentences where the frame's cues matched, with the cues;
    - a measure a registered feature offers: the ``k`` documents at each end of it.

    Args:
        tables: The study's tables.
        measure: Which measure (see above).
        outlet: Outlet slug.
        voice: "author", "quoted", or None for both.
        k: Sentences per end (tone, actors) or per cell (frames).

    Raises:
        ValueError: for an unknown measure, outlet, actor or frame.

    """
    from framing.analysis import compare

    kind, what = _measure(measure)
    outlets = sorted(tables.documents["outlet"].unique())
    if outlet not in outlets:
        raise ValueError(f"unknown outlet {outlet!r}; outlets: {outlets}")
    docs = _documents(tables, voice=voice, include_duplicates=False)
    docs = docs[docs["outlet"] == outlet]
    if kind == "registered":
        out = _document_evidence(tables, docs, str(what), k)
        caption = f"{what} in {outlet}: the documents at each end of the measure"
    elif kind == "tone":
        scored = tables.sentences.merge(tables.sentence_sentiment, on=["doc_id", "sent_idx"])
        out = compare.extreme_sentences(scored, docs, k=k, by=["outlet"])
        caption = f"Tone in {outlet}: the {k} most negative and most positive sentences (VADER compound)"
    elif kind == "actor":
        known = sorted(ActorRegistry.load().names)
        if what not in known:
            raise ValueError(f"unknown actor {what!r}; actor ids: {known}")
        out = compare.actor_evidence(tables.actor_mentions, tables.sentences, docs, actors=[str(what)], voice=voice,
                                     k=k).rename(columns={"actor_sentiment": "score"})
        caption = f"Sentiment toward {what} in {outlet}: the most negative and most positive mentions"
    else:
        scores = tables.sentence_frames if kind == "generic" else tables.issue_frame_sentences.assign(score=1.0)
        frames = sorted(scores["frame"].unique())
        if what not in frames:
            raise ValueError(f"unknown {kind} frame {what!r}; frames in these tables: {frames}")
        scores = scores[scores["frame"] == what]
        score = "frame_prob" if kind == "generic" else "score"
        out = compare.frame_evidence(scores, tables.sentences, docs, score=score, voice=voice, k=k)
        out = out.rename(columns={"frame_prob": "score"}).drop(columns=["frame"])
        if kind == "issue":
            out = out.drop(columns=["score"])
        caption = (f"{kind.capitalize()} frame {what} in {outlet}: " +
                   ("the sentences with the highest frame probability" if kind == "generic"
                    else "sentences where the frame's cues matched"))
    first = [c for c in ("outlet", "end", "score", "mention", "cues", "published_date", "title", "sentence")
             if c in out.columns]
    rest = [c for c in ("doc_id", "sent_idx") if c in out.columns]
    result = Evidence(out[first + rest].reset_index(drop=True).assign(measure=measure.strip())[
        ["measure", *first, *rest]])
    result.attrs["caption"] = caption + (f" ({voice} voice)" if voice else "") + f"; {len(result)} sentences."
    return result


# ---------------------------------------------------------------- distinctive-terms explorer (offline HTML)

def _ngram_spans(text: str, stop_words: frozenset[str]) -> dict[str, list[tuple[int, int]]]:
    """Each unigram and bigram that keyness counts in ``text``, with its character spans."""
    toks = [(m.group(0).lower(), m.start(), m.end()) for m in TOKEN_PATTERN.finditer(text)]
    toks = [t for t in toks if t[0] not in stop_words]
    out: dict[str, list[tuple[int, int]]] = {}
    for i, (tok, a, b) in enumerate(toks):
        out.setdefault(tok, []).append((a, b))
        if i + 1 < len(toks):
            nxt, _, b2 = toks[i + 1]
            out.setdefault(f"{tok} {nxt}", []).append((a, b2))
    return out


def _utf16(text: str, offset: int) -> int:
    """A code-point offset as a JavaScript (UTF-16) string index."""
    return offset + sum(1 for ch in text[:offset] if ord(ch) > 0xFFFF)


def explorer_data(tables: StudyTables, *, voice: str | None = "author", outlets: list[str] | None = None,
                  topic: str = "all", alpha0: float = 1000.0, min_df: int = 2, top_n: int = 30,
                  max_sentences: int = 20, min_docs: int = 5) -> dict[str, Any]:
    """The data behind :func:`distinctive_terms_page`: per outlet, its top terms and the sentences that use them."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from framing.build import pipeline
    from framing.features import keyness

    docs = pipeline.select(tables, outlets=outlets, topic=topic)
    if voice is not None:
        docs = docs[docs["voice"] == voice]
    try:
        key = keyness.outlet_keyness(docs, alpha0=alpha0, min_df=min_df)
    except ValueError as exc:  # too few documents for any term to reach min_df
        log.info("no distinctive terms: %s", exc)
        key = pd.DataFrame(columns=["outlet", "term", "count", "count_rest", "z", "q_value", "distinctive"])
    words = docs.groupby("outlet")["n_words"].sum()
    n_docs = docs.groupby("outlet").size()
    total_words = int(words.sum())
    names = dict(zip(tables.documents["outlet"], tables.documents["outlet_name"], strict=True))
    sents = tables.sentences[["doc_id", "sent_idx", "text"]].merge(
        docs[["doc_id", "outlet", "published_date", "title"]], on="doc_id").sort_values(
        ["outlet", "published_date", "doc_id", "sent_idx"], kind="stable", na_position="last")
    doc_rows: dict[str, int] = {}
    doc_list: list[list[Any]] = []
    sent_rows: dict[tuple[str, int], int] = {}
    sent_list: list[list[Any]] = []
    out_outlets = []
    stop = frozenset(ENGLISH_STOP_WORDS)
    from framing.report.plots import outlet_order

    doc_info = {str(d): [None if pd.isna(date) else str(date), None if pd.isna(title) else str(title)]
                for d, date, title in docs[["doc_id", "published_date", "title"]].itertuples(index=False)}
    by_outlet = {str(o): g[["doc_id", "sent_idx", "text"]] for o, g in sents.groupby("outlet", sort=False)}
    empty = sents[["doc_id", "sent_idx", "text"]].iloc[:0]
    for outlet in outlet_order([str(o) for o in n_docs.index]):
        terms = key[(key["outlet"] == outlet) & (key["z"] > 0) & (key["count"] > 0)].head(top_n)
        wanted = set(terms["term"])
        found: dict[str, list[tuple[str, int, str, list[tuple[int, int]]]]] = {t: [] for t in wanted}
        for doc_id, sent_idx, text in by_outlet.get(outlet, empty).itertuples(index=False) if wanted else ():
            for term, spans in _ngram_spans(str(text), stop).items():
                if term in wanted:
                    found[term].append((str(doc_id), int(sent_idx), str(text), spans))
        out_terms = []
        n_out = int(words.get(outlet, 0))
        n_rest = total_words - n_out
        for r in terms.to_dict("records"):
            hits = found[str(r["term"])]
            rank: dict[str, int] = {}
            ordered = []  # one sentence per document first, then the second ones, …: as many documents as possible
            for pos, h in enumerate(hits):
                rank[h[0]] = rank.get(h[0], -1) + 1
                ordered.append((rank[h[0]], pos, h))
            shown = []
            for _, _, (doc_id, sent_idx, text, spans) in sorted(ordered)[:max_sentences]:
                if doc_id not in doc_rows:
                    doc_rows[doc_id] = len(doc_list)
                    doc_list.append([doc_id, *doc_info[doc_id]])
                if (doc_id, sent_idx) not in sent_rows:
                    sent_rows[(doc_id, sent_idx)] = len(sent_list)
                    sent_list.append([doc_rows[doc_id], sent_idx, text])
                shown.append([sent_rows[(doc_id, sent_idx)],
                              [[_utf16(text, a), _utf16(text, b)] for a, b in spans]])
            out_terms.append({
                "term": str(r["term"]), "count": int(r["count"]), "count_rest": int(r["count_rest"]),
                "per_10k": round(10_000 * int(r["count"]) / n_out, 2) if n_out else None,
                "per_10k_rest": round(10_000 * int(r["count_rest"]) / n_rest, 2) if n_rest else None,
                "z": round(float(r["z"]), 3), "q": float(f"{float(r['q_value']):.3g}"),
                "distinctive": bool(r["distinctive"]),
                "n_sentences": len(hits), "sentences": shown,
            })
        out_outlets.append({"slug": outlet, "name": names.get(outlet, outlet), "n_docs": int(n_docs[outlet]),
                            "n_words": n_out, "small_n": bool(n_docs[outlet] < min_docs), "terms": out_terms})
    return {
        "voice": voice, "topic": topic, "alpha0": alpha0, "top_n": top_n, "max_sentences": max_sentences,
        "min_docs": min_docs, "run_id": tables.meta.get("run_id"), "outlets": out_outlets, "docs": doc_list,
        "sentences": sent_list,
    }


def script_json(data: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``: no ``<``, ``>``, ``&``, U+2028 or U+2029.

    >>> script_json({"t": "</script><b>&\u2028"})
    '{"t":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026\\\\u2028"}'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def fill_page(template: str, values: dict[str, str]) -> str:
    """Put each ``%NAME%`` of ``template`` in one pass: text put in is never searched for placeholders again.

    >>> fill_page("<title>%TITLE%</title>%DATA%", {"TITLE": "%DATA%", "DATA": "{}"})
    '<title>%DATA%</title>{}'
    """
    return re.sub(r"%([A-Z]+)%", lambda m: values.get(m.group(1), m.group(0)), template)


def distinctive_terms_page(tables: StudyTables, path: str | Path, *, voice: str | None = "author",
                           outlets: list[str] | None = None, topic: str = "all", alpha0: float = 1000.0,
                           min_df: int = 2, top_n: int = 30, max_sentences: int = 20, min_docs: int = 5,
                           title: str = "Distinctive terms per outlet") -> Path:
    """Write a self-contained HTML page to explore each outlet's distinctive terms and the sentences behind them.

    Terms are scored as in the report (Fightin' Words z-scores, :func:`framing.features.keyness.outlet_keyness`:
    one outlet against all others, unique documents). Pick an outlet, click a term, read its sentences in that
    outlet with the term highlighted. The page works offline: no external requests (a Content-Security-Policy
    forbids them), the data is embedded as JSON and put on the page with ``textContent`` only.

    Args:
        tables: The study's tables.
        path: Where to write the page (relative paths are relative to the project root).
        voice: "author", "quoted", or None for both.
        outlets: Outlet slugs to include (None: all).
        topic: A topic slug from ``topics.yaml``, or "all".
        alpha0: Strength of the keyness prior.
        min_df: Documents a term must appear in (over the whole selection).
        top_n: Terms listed per outlet.
        max_sentences: Sentences embedded per term and outlet (keeps the page small on big corpora).
        min_docs: Outlets with fewer documents are marked small-n.
        title: Page title.

    Returns:
        The path written.

    """
    data = explorer_data(tables, voice=voice, outlets=outlets, topic=topic, alpha0=alpha0, min_df=min_df,
                         top_n=top_n, max_sentences=max_sentences, min_docs=min_docs)
    script = _SCRIPT
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    page = fill_page(_PAGE, {"CSP": html.escape(csp, quote=True), "TITLE": html.escape(title), "SCRIPT": script,
                             "DATA": script_json(data)})
    out = resolve(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, page)
    log.info("explorer: %s (%.0f kB)", out, out.stat().st_size / 1024)
    return out


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="%CSP%">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%TITLE%</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.2em 2em;color:#222}
h1{font-size:1.4em;margin:0 0 .3em}
#note{color:#555;max-width:70em;font-size:.92em}
#controls{margin:.8em 0;display:flex;gap:1.2em;align-items:center;flex-wrap:wrap}
#main{display:flex;gap:2em;align-items:flex-start;flex-wrap:wrap}
#chart{flex:0 0 auto}
#chart svg g.term{cursor:pointer}
#chart svg g.term:hover rect.bg,#chart svg g.term:focus rect.bg{fill:#eef3fb}
#chart svg g.term.selected rect.bg{fill:#dde8f7}
#detail{flex:1 1 32em;min-width:24em}
#stats{margin:.3em 0 .8em;color:#333}
table.kwic{border-collapse:collapse;width:100%}
table.kwic td{padding:3px 6px;border-bottom:1px solid #eee;vertical-align:top}
table.kwic td.l{text-align:right;color:#444;width:38%}
table.kwic td.r{color:#444;width:38%}
table.kwic td.meta{width:13em}
table.kwic td.m{white-space:nowrap}
mark{background:#ffe08a;padding:0 1px}
.meta{color:#777;font-size:.82em}
.full td.s{line-height:1.45}
</style></head>
<body>
<h1>%TITLE%</h1>
<p id="note"></p>
<div id="controls">
<label>Outlet <select id="outlet"></select></label>
<label>Filter terms <input id="filter" type="search" size="16"></label>
<label><input id="full" type="checkbox"> whole sentences</label>
</div>
<p id="outlet-info"></p>
<div id="main"><div id="chart"></div><div id="detail"><h2 id="term-title">Click a term</h2>
<p id="stats"></p><div id="sentences"></div></div></div>
<script type="application/json" id="explorer-data">%DATA%</script>
<script>%SCRIPT%</script>
</body></html>
"""

# Data reach the page only through textContent, createTextNode and setAttribute: never innerHTML.
_SCRIPT = r"""
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("explorer-data").textContent);
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const k in attrs) node.setAttribute(k, String(attrs[k]));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }
  const state = {outlet: 0, term: null};
  const voice = data.voice ? data.voice + " voice" : "both voices";
  $("note").textContent = "Terms that one outlet uses more than all the other outlets together (Fightin' Words "
    + "log-odds z-scores with an informative Dirichlet prior, alpha0 = " + data.alpha0 + "; unique documents, "
    + voice + (data.topic && data.topic !== "all" ? ", topic " + data.topic : "") + "). Filled bars: the term "
    + "survives Benjamini-Hochberg control (q < 0.05); hollow: it does not. The top " + data.top_n + " terms per "
    + "outlet are listed; at most " + data.max_sentences + " sentences per term are embedded in this page (one per "
    + "document first), and the count above the sentences says how many there are. Outlets with fewer than "
    + data.min_docs + " documents are marked small n." + (data.run_id ? " Run " + data.run_id + "." : "");
  const select = $("outlet");
  data.outlets.forEach(function (o, i) {
    const opt = el("option", o.name + " (" + o.n_docs + " docs" + (o.small_n ? ", small n" : "") + ")");
    opt.value = String(i);
    select.appendChild(opt);
  });
  function fmt(x) { return x === null || x === undefined ? "–" : String(x); }
  function drawChart() {
    const box = $("chart");
    box.replaceChildren();
    const o = data.outlets[state.outlet];
    if (!o) { box.appendChild(el("p", "No outlets in this selection.")); return; }
    $("outlet-info").textContent = o.name + ": " + o.n_docs + " documents, " + o.n_words.toLocaleString("en")
      + " words" + (o.small_n ? " (small n: read with care)" : "") + ".";
    const needle = $("filter").value.trim().toLowerCase();
    const terms = o.terms.map(function (t, i) { return [t, i]; })
      .filter(function (p) { return !needle || p[0].term.indexOf(needle) >= 0; });
    if (!terms.length) { box.appendChild(el("p", o.terms.length ? "No term matches the filter." :
      "No distinctive terms for this outlet (too little text).")); return; }
    const rowH = 20, labelW = 190, barW = 260, width = labelW + barW + 60;
    const zmax = Math.max.apply(null, o.terms.map(function (t) { return t.z; }));
    const s = svg("svg", {width: width, height: terms.length * rowH + 24, role: "list",
                          "aria-label": "Distinctive terms of " + o.name});
    s.appendChild(svg("text", {x: labelW, y: 12, "font-size": 11, fill: "#555"}, "z-score (outlet vs rest)"));
    terms.forEach(function (p, row) {
      const t = p[0], i = p[1], y = 20 + row * rowH;
      const g = svg("g", {"class": "term" + (state.term === i ? " selected" : ""), tabindex: 0, role: "listitem",
                          "data-term": t.term});
      g.appendChild(svg("rect", {"class": "bg", x: 0, y: y, width: width, height: rowH, fill: "transparent"}));
      g.appendChild(svg("text", {x: labelW - 6, y: y + 14, "text-anchor": "end", "font-size": 12.5}, t.term));
      const w = Math.max(1, barW * t.z / (zmax || 1));
      g.appendChild(svg("rect", {x: labelW, y: y + 4, width: w, height: rowH - 8,
                                 fill: t.distinctive ? "#0072B2" : "white", stroke: "#0072B2"}));
      g.appendChild(svg("text", {x: labelW + w + 4, y: y + 14, "font-size": 11, fill: "#555"}, t.z.toFixed(1)));
      const title = svg("title", {}, t.term + ": " + t.count + " in " + o.name + " vs " + t.count_rest
                        + " elsewhere; z = " + t.z + ", q = " + t.q);
      g.appendChild(title);
      g.addEventListener("click", function () { selectTerm(i); });
      g.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); selectTerm(i); }
      });
      s.appendChild(g);
    });
    box.appendChild(s);
  }
  function highlighted(text, spans) {
    const frag = document.createDocumentFragment();
    let pos = 0;
    spans.forEach(function (sp) {
      if (sp[0] < pos) return;
      frag.appendChild(document.createTextNode(text.slice(pos, sp[0])));
      frag.appendChild(el("mark", text.slice(sp[0], sp[1])));
      pos = sp[1];
    });
    frag.appendChild(document.createTextNode(text.slice(pos)));
    return frag;
  }
  function drawSentences() {
    const box = $("sentences");
    box.replaceChildren();
    const o = data.outlets[state.outlet];
    const t = o && state.term !== null ? o.terms[state.term] : null;
    if (!t) { $("term-title").textContent = "Click a term"; $("stats").textContent = ""; return; }
    $("term-title").textContent = "“" + t.term + "” in " + o.name;
    $("stats").textContent = t.count + " times in " + o.name + " (" + fmt(t.per_10k) + " per 10,000 words) vs "
      + t.count_rest + " in the other outlets (" + fmt(t.per_10k_rest) + " per 10,000 words); z = " + t.z
      + ", q = " + t.q + (t.distinctive ? " (survives FDR control)" : " (does not survive FDR control)")
      + ". Showing " + t.sentences.length + " of " + t.n_sentences + " sentence" + (t.n_sentences === 1 ? "" : "s")
      + (t.n_sentences > t.sentences.length ? " (at most " + data.max_sentences + " are embedded)" : "") + ".";
    const full = $("full").checked;
    const table = el("table", null, "kwic" + (full ? " full" : ""));
    t.sentences.forEach(function (item) {
      const sent = data.sentences[item[0]], spans = item[1], doc = data.docs[sent[0]], text = sent[2];
      const tr = el("tr", null, "sentence");
      tr.setAttribute("data-doc", doc[0]);
      if (full || !spans.length) {
        const td = el("td", null, "s");
        td.colSpan = 3;
        td.appendChild(highlighted(text, spans));
        tr.appendChild(td);
      } else {
        const a = spans[0][0], b = spans[0][1], W = 70;
        tr.appendChild(el("td", (a > W ? "…" : "") + text.slice(Math.max(0, a - W), a), "l"));
        tr.appendChild(el("td", null, "m")).appendChild(el("mark", text.slice(a, b)));
        tr.appendChild(el("td", text.slice(b, b + W) + (text.length > b + W ? "…" : ""), "r"));
        tr.setAttribute("title", text);
      }
      const meta = el("td", [doc[1] || "undated", doc[2] || "untitled", doc[0] + ":" + sent[1]].join(" · "), "meta");
      tr.appendChild(meta);
      table.appendChild(tr);
    });
    box.appendChild(table);
  }
  function writeHash() {
    const o = data.outlets[state.outlet];
    const t = o && state.term !== null ? o.terms[state.term] : null;
    const hash = "#outlet=" + encodeURIComponent(o ? o.slug : "") + (t ? "&term=" + encodeURIComponent(t.term) : "");
    try { history.replaceState(null, "", hash); } catch (e) { /* some browsers refuse on file: pages */ }
  }
  function selectTerm(i) { state.term = i; drawChart(); drawSentences(); writeHash(); }
  function selectOutlet(i) {
    state.outlet = i; state.term = null; select.value = String(i);
    drawChart(); drawSentences(); writeHash();
  }
  select.addEventListener("change", function () { selectOutlet(Number(select.value)); });
  $("filter").addEventListener("input", drawChart);
  $("full").addEventListener("change", drawSentences);
  const params = new URLSearchParams(location.hash.slice(1));
  const start = data.outlets.findIndex(function (o) { return o.slug === params.get("outlet"); });
  selectOutlet(start >= 0 ? start : 0);
  const o = data.outlets[state.outlet];
  const ti = o ? o.terms.findIndex(function (t) { return t.term === params.get("term"); }) : -1;
  if (ti >= 0) selectTerm(ti);
})();
"""
