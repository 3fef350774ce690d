"""Hand coding: stratified blind samples, coding sheets (CSV or XLSX), agreement with bootstrap CIs, training rows.

The round trip has four steps:

1. :func:`draw_sample` picks units from the study's tables, the same number from each stratum (outlet, frame or
   actor) and, inside a stratum, as evenly as possible across the automatic measure's labels, so that precision
   and recall can both be estimated. Five kinds of unit can be coded: an issue frame in a sentence
   (``issue``: 1 or 0), a generic frame in a document (``generic``: 1 or 0), the sentiment of a sentence
   toward an actor mention (``actor``: negative, neutral or positive, the NewsMTSC convention), who says the words
   about an actor mention (``voice``: author, quoted or reported) and the stance of an issue-frame hit
   (``stance``: used, reported, rebutted, or error where the detector was wrong).
2. :func:`write_sheet` writes the sheet, blind (no automatic label, score or outlet on it), with the codebook: a
   second worksheet ``codebook`` in an XLSX file, a sidecar ``<name>.codebook.csv`` beside a CSV file.
3. Coders fill in ``code``; :func:`read_coded` reads their copies back and checks them (ids against the sample,
   codes against the allowed set, no empty ``code`` column).
4. :func:`agreement` reports Krippendorff's alpha (nominal) between coders and between the coders, their consensus
   and each automatic measure, with seeded percentile-bootstrap CIs over units; :func:`outlet_scores` gives the
   measures' precision, recall and F1 against the coders' consensus per outlet (the outlet is looked up from the
   study's documents table: the sheet is blind); :func:`training_data` turns coded sheets into rows that the
   generic-frame and actor-sentiment models add to their gold training data.

Every item has an ``item_id`` that is a hash of the unit's key (document, sentence, frame or mention), so coded
sheets join back to the study's tables however a coder sorts the rows.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from framing.build.store import sentence_text
from framing.corpus import comparable
from framing.safeio import atomic_path

if TYPE_CHECKING:
    from framing.build.pipeline import StudyTables

log = logging.getLogger(__name__)

UNITS = ("issue", "generic", "actor", "voice", "stance")
STRATA = ("outlet", "frame", "actor")
ACTOR_CODES = ("negative", "neutral", "positive")
VOICE_CODES = ("author", "quoted", "reported")
STANCE_CODES = ("used", "reported", "rebutted", "error")
BINARY_CODES = ("0", "1")
MENTION_UNITS = ("actor", "voice")  # units that are an actor mention in a sentence
HIT_UNITS = ("issue", "stance")  # units that are a frame in a sentence
MARK_OPEN, MARK_CLOSE = "[[", "]]"
CODEBOOK_SHEET = "codebook"
CODING_SHEET = "coding"
_EXCEL_CELL_LIMIT = 32_767


@dataclass(frozen=True)
class Unit:
    """What is coded: the sheet's columns, the key hashed into ``item_id``, and the allowed codes."""

    name: str
    key: tuple[str, ...]  # columns whose values identify the unit
    columns: tuple[str, ...]  # sheet columns between ``item_id`` and ``code``
    codes: tuple[str, ...]
    default_by: str
    instruction: str  # what the coder writes in ``code``


UNIT_SPECS = {
    "issue": Unit(
        "issue", ("doc_id", "sent_idx", "frame"),
        ("doc_id", "sent_idx", "frame", "frame_name", "definition", "sentence"), BINARY_CODES, "frame",
        "write 1 in 'code' if the sentence uses the frame named in 'frame_name' (its definition is on the row; "
        "inclusion and exclusion rules are in the codebook), or 0 if it does not"),
    "generic": Unit(
        "generic", ("doc_id", "frame"),
        ("doc_id", "frame", "frame_name", "definition", "title", "text"), BINARY_CODES, "frame",
        "write 1 in 'code' if the document uses the generic frame named in 'frame_name' (the indicator questions "
        "are in 'definition'), or 0 if it does not"),
    "actor": Unit(
        "actor", ("doc_id", "sent_idx", "char_start", "char_end"),
        ("doc_id", "sent_idx", "char_start", "char_end", "actor", "actor_name", "mention", "sentence"), ACTOR_CODES,
        "actor",
        "write negative, neutral or positive in 'code': how the sentence portrays the target marked "
        f"{MARK_OPEN}like this{MARK_CLOSE} (not the sentence's overall tone)"),
    "voice": Unit(
        "voice", ("doc_id", "sent_idx", "char_start", "char_end"),
        ("doc_id", "sent_idx", "char_start", "char_end", "actor", "actor_name", "mention", "sentence"), VOICE_CODES,
        "outlet",
        "write author, quoted or reported in 'code': who says the words about the target marked "
        f"{MARK_OPEN}like this{MARK_CLOSE}: the outlet itself (author), someone quoted word for word (quoted), or "
        "someone whose words the outlet passes on without quotation marks (reported)"),
    "stance": Unit(
        "stance", ("doc_id", "sent_idx", "frame"),
        ("doc_id", "sent_idx", "frame", "frame_name", "definition", "sentence"), STANCE_CODES, "frame",
        "write used, reported, rebutted or error in 'code' for the frame named in 'frame_name', which the "
        "detector found in the sentence: used if the outlet itself presents the events through the frame, "
        "reported if it passes on someone else's use of it, rebutted if the frame is raised only to be denied or "
        "mocked, error if the sentence does not carry the frame at all or is not about the codebook's topic"),
}
CODER_COLUMNS = ("code", "coder", "notes")


@dataclass(frozen=True)
class SampleSettings:
    """Settings for :func:`draw_sample`."""

    unit: str = "issue"  # issue, generic, actor, voice or stance
    by: str | None = None  # outlet, frame or actor (None: the unit's default_by: frame, actor or outlet)
    per_stratum: int = 20  # units drawn from each stratum (fewer where a stratum has fewer)
    seed: int = 20190123
    balance_automatic: bool = True  # inside a stratum, draw evenly across the automatic measure's labels


@dataclass(frozen=True)
class AgreementSettings:
    """Settings for :func:`agreement`."""

    n_resamples: int = 1000  # bootstrap resamples of units
    ci: float = 0.95
    seed: int = 20190123


def item_id(unit: str, values: Iterable[object]) -> str:
    """The id of a unit: its kind and a hash of its key values.

    >>> item_id("issue", ["d1", 3, "coup-regime-change"])
    'issue-8a359fa9ee'
    """
    text = "|".join([unit, *(_plain(v) for v in values)])
    return f"{unit}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:10]}"


def _plain(value: object) -> str:
    """A key or code cell as the text a spreadsheet round trip keeps (``3.0`` → ``3``, empty → ``""``)."""
    text = _cell(value).strip()
    if text.endswith(".0") and text[:-2].lstrip("-").isdigit():
        return text[:-2]
    return text


def _cell(value: object) -> str:
    """Any cell as text, unchanged apart from numbers a spreadsheet stored as such (``1.0`` → ``1``)."""
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):  # type: ignore[call-overload]
        return ""
    if isinstance(value, bool | np.bool_):
        return str(int(value))
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------- candidate units and sampling

def _unique_documents(tables: StudyTables) -> pd.DataFrame:
    """The documents coders may be shown: each text once, no headline-only stub (:func:`framing.corpus.comparable`)."""
    return comparable(tables.documents)[["doc_id", "outlet", "title", "text"]]


def _issue_pool(tables: StudyTables) -> pd.DataFrame:
    from framing.features.issue_frames import IssueCodebook

    codebook = IssueCodebook.load()
    docs = _unique_documents(tables)[["doc_id", "outlet"]]
    on_topic = codebook.on_topic(tables.doc_topics)  # where the detector runs: the codebook's topic only
    if on_topic is not None:
        docs = docs[docs["doc_id"].astype(str).isin(on_topic)]
    sents = sentence_text(tables, docs[["doc_id"]]).merge(docs, on="doc_id")
    # every sentence × every frame, sentence by sentence in the codebook's frame order (at 10^4 documents, a
    # million rows: built as columns, not row by row)
    n_frames, n_sents = len(codebook.frames), len(sents)

    each = np.repeat(np.arange(n_sents), n_frames)  # a sentence's row on each of its frame rows
    every = np.tile(np.arange(n_frames), n_sents)  # each frame's row on each sentence's rows
    frames = pd.DataFrame({"frame": list(codebook.frames), "frame_name": [f.name for f in codebook.frames.values()],
                           "definition": [f.definition for f in codebook.frames.values()]})
    pool = pd.concat([sents[["doc_id", "sent_idx"]].take(each).reset_index(drop=True),
                      frames.take(every).reset_index(drop=True),
                      sents[["text", "outlet"]].take(each).reset_index(drop=True)], axis=1)
    pool = pool.rename(columns={"text": "sentence"}).astype(
        {"sent_idx": "int64", **dict.fromkeys(["doc_id", "frame", "frame_name", "definition", "sentence", "outlet"],
                                              "str")})
    hits = tables.issue_frame_sentences
    flagged = pd.MultiIndex.from_arrays([hits["doc_id"].astype(str), hits["sent_idx"].astype("int64"),
                                         hits["frame"].astype(str)])
    keys = pd.MultiIndex.from_arrays([pool["doc_id"].astype(str), pool["sent_idx"], pool["frame"]])
    pool["automatic"] = np.where(keys.isin(flagged), "1", "0").astype(object)
    return pool[[*UNIT_SPECS["issue"].columns, "outlet", "automatic"]]


def _generic_pool(tables: StudyTables) -> pd.DataFrame:
    from framing.features.frames import FRAMES, GenericCodebook

    codebook = GenericCodebook.load()
    present = {(d, f): bool(p) for d, f, p in tables.doc_frames[["doc_id", "frame", "frame_present"]].itertuples(
        index=False)}
    rows = []
    for doc_id, outlet, title, text in _unique_documents(tables).itertuples(index=False):
        for code in FRAMES:
            if (doc_id, code) not in present:
                continue
            questions = " ".join(codebook.questions[code].values())
            rows.append((doc_id, code, codebook.names[code], questions, _plain(title), str(text), outlet,
                         "1" if present[(doc_id, code)] else "0"))
    return pd.DataFrame(rows, columns=[*UNIT_SPECS["generic"].columns, "outlet", "automatic"])


def mark_target(sentence: str, start: int, end: int) -> str:
    """The sentence with the target mention in ``[[ ]]``.

    >>> mark_target("Maduro met Putin.", 11, 16)
    'Maduro met [[Putin]].'
    """
    return f"{sentence[:start]}{MARK_OPEN}{sentence[start:end]}{MARK_CLOSE}{sentence[end:]}"


def unmark_target(marked: str, start: int, end: int) -> str:
    """Inverse of :func:`mark_target`: the sentence without the marks (``start``, ``end``: the target's offsets).

    >>> unmark_target("Maduro met [[Putin]].", 11, 16)
    'Maduro met Putin.'

    Raises:
        ValueError: if the marks are not around ``start:end`` (the sentence was edited).
    """
    a, b = start, end + len(MARK_OPEN)
    if marked[a:a + len(MARK_OPEN)] != MARK_OPEN or marked[b:b + len(MARK_CLOSE)] != MARK_CLOSE:
        raise ValueError(f"the target is not marked {MARK_OPEN} {MARK_CLOSE} at characters {start}-{end} of "
                         f"{marked[:80]!r}; was the sentence edited?")
    return marked[:a] + marked[a + len(MARK_OPEN):b] + marked[b + len(MARK_CLOSE):]


def _unmarked(sheet: pd.DataFrame) -> pd.DataFrame:
    """``text``, ``start``, ``end`` of each actor unit of a sheet (the model's input format)."""
    rows = []
    for marked, a, b in sheet[["sentence", "char_start", "char_end"]].itertuples(index=False, name=None):
        start, end = int(_plain(a)), int(_plain(b))
        rows.append((unmark_target(str(marked), start, end), start, end))
    return pd.DataFrame(rows, columns=["text", "start", "end"])


def mention_voices(tables: StudyTables) -> pd.Series:
    """Who says the words about each actor mention (``author``, ``quoted``, ``reported``), per mention row.

    One value per row of ``tables.actor_mentions``: the mention's own attribution ``voice`` (that of the clause it
    falls in). Where the table has no ``voice`` column (tables written before the attribution layer) or leaves it
    empty, the mention takes its document's ``voice``. A mention in the author's voice of a quoted document (a
    quoted block) is ``quoted``: the words are the quoted source's, not the outlet's (as
    :func:`framing.analysis.compare.in_voice` counts them).
    """
    mentions = tables.actor_mentions
    docs = tables.documents.drop_duplicates("doc_id")
    by_doc = pd.Series(docs["voice"].astype(str).to_numpy(dtype=object), index=docs["doc_id"].astype(str).to_numpy())
    doc_voice = mentions["doc_id"].astype(str).map(by_doc).fillna("author").astype(object)
    if "voice" in mentions.columns:
        own = mentions["voice"].astype("string").fillna("").str.strip().astype(object)
        own = own.where(own != "", doc_voice)
    else:
        own = doc_voice
    return own.where(~((doc_voice == "quoted") & (own == "author")), "quoted").rename("voice")


def hit_stances(tables: StudyTables) -> pd.Series:
    """The stance of each issue-frame hit (``used``, ``reported``, ``rebutted``), per hit row.

    One value per row of ``tables.issue_frame_sentences``; ``used`` where the table has no ``stance`` column (tables
    written before it) or leaves it empty.
    """
    hits = tables.issue_frame_sentences
    if "stance" not in hits.columns:
        return pd.Series("used", index=hits.index, dtype=object, name="stance")
    stance = hits["stance"].astype("string").fillna("").str.strip().astype(object)
    return stance.where(stance != "", "used").rename("stance")


def _mention_pool(tables: StudyTables, unit: str) -> pd.DataFrame:
    """Actor mentions as units: the sentence with the target marked, and the automatic code of ``unit``."""
    from framing.features.actors import ActorRegistry

    names = ActorRegistry.load().names
    docs = _unique_documents(tables)[["doc_id", "outlet"]]
    automatic = tables.actor_mentions["actor_label"] if unit == "actor" else mention_voices(tables)
    mentions = tables.actor_mentions.assign(_automatic=automatic.astype(str).to_numpy()).merge(docs, on="doc_id")
    text = {(d, int(i)): str(t) for d, i, t in sentence_text(tables, mentions).itertuples(index=False)}
    rows = []
    cols = ["doc_id", "sent_idx", "char_start", "char_end", "actor", "mention", "outlet", "_automatic"]
    for doc_id, sent_idx, start, end, actor, mention, outlet, label in mentions[cols].itertuples(
            index=False, name=None):
        i, a, b, who = int(sent_idx), int(start), int(end), str(actor)
        rows.append((doc_id, i, a, b, who, names.get(who, who), str(mention), mark_target(text[(doc_id, i)], a, b),
                     outlet, str(label)))
    return pd.DataFrame(rows, columns=[*UNIT_SPECS[unit].columns, "outlet", "automatic"])


def _stance_pool(tables: StudyTables) -> pd.DataFrame:
    """Issue-frame hits as units, with their stance (hits of frames the codebook no longer has are left out)."""
    from framing.features.issue_frames import IssueCodebook

    frames = IssueCodebook.load().frames
    book = pd.DataFrame({"frame": list(frames), "frame_name": [f.name for f in frames.values()],
                         "definition": [f.definition for f in frames.values()]}, dtype=object)
    found = tables.issue_frame_sentences
    hits = pd.DataFrame({"doc_id": found["doc_id"].astype(str).to_numpy(dtype=object),
                         "sent_idx": found["sent_idx"].astype("int64").to_numpy(),
                         "frame": found["frame"].astype(str).to_numpy(dtype=object),
                         "automatic": hit_stances(tables).astype(str).to_numpy(dtype=object)})
    unique = _unique_documents(tables)
    docs = pd.DataFrame({"doc_id": unique["doc_id"].astype(str).to_numpy(dtype=object),
                         "outlet": unique["outlet"].astype(str).to_numpy(dtype=object)})
    found_text = sentence_text(tables, hits)
    sents = pd.DataFrame({"doc_id": found_text["doc_id"].astype(str).to_numpy(dtype=object),
                          "sent_idx": found_text["sent_idx"].astype("int64").to_numpy(),
                          "sentence": found_text["text"].astype(str).to_numpy(dtype=object)})
    pool = hits.merge(docs, on="doc_id").merge(sents, on=["doc_id", "sent_idx"]).merge(book, on="frame")
    return pool[[*UNIT_SPECS["stance"].columns, "outlet", "automatic"]]


def candidate_units(tables: StudyTables, unit: str) -> pd.DataFrame:
    """Every unit that could be coded, with its sheet columns, ``item_id``, ``outlet`` and ``automatic`` label.

    Duplicate documents are left out (they would be coded twice), and so are headline-only stubs (a headline is
    not an article's framing, and no comparison counts them).
    """
    if unit not in UNIT_SPECS:
        raise ValueError(f"unknown unit {unit!r}; choose one of {list(UNITS)}")
    pool = {"issue": _issue_pool, "generic": _generic_pool, "actor": lambda t: _mention_pool(t, "actor"),
            "voice": lambda t: _mention_pool(t, "voice"), "stance": _stance_pool}[unit](tables)
    pool.insert(0, "item_id", item_ids(unit, pool[list(UNIT_SPECS[unit].key)]))
    return pool.sort_values("item_id", kind="stable").reset_index(drop=True)


def item_ids(unit: str, keys: pd.DataFrame) -> list[str]:
    """:func:`item_id` of every row of ``keys`` (the unit's key columns), each distinct value made plain once.

    >>> item_ids("issue", pd.DataFrame({"d": ["d1"], "i": [3], "f": ["coup-regime-change"]}))
    ['issue-8a359fa9ee']
    """
    joined = pd.Series(unit, index=keys.index, dtype=object)
    for col in keys.columns:
        codes, uniques = pd.factorize(keys[col], use_na_sentinel=False)
        plain = np.asarray([_plain(v) for v in uniques], dtype=object)
        joined = joined + "|" + plain[codes]
    return [f"{unit}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:10]}" for text in joined.tolist()]


def _with_strata(pool: pd.DataFrame, tables: StudyTables, unit: str, by: str) -> pd.DataFrame:
    if by not in STRATA:
        raise ValueError(f"unknown stratum {by!r}; choose one of {list(STRATA)}")
    if by == "outlet":
        return pool.assign(stratum=pool["outlet"])
    if by == "frame":
        if unit in MENTION_UNITS:
            raise ValueError("--by frame needs frame units (--unit issue, generic or stance); actor mentions have no "
                             "frame")
        return pool.assign(stratum=pool["frame"])
    if unit in MENTION_UNITS:
        return pool.assign(stratum=pool["actor"])
    on = ["doc_id", "sent_idx"] if unit in HIT_UNITS else ["doc_id"]
    mentions = tables.actor_mentions
    who = pd.DataFrame({"doc_id": mentions["doc_id"].astype(str).to_numpy(dtype=object),
                        "sent_idx": mentions["sent_idx"].astype(int).to_numpy(),
                        "stratum": mentions["actor"].astype(str).to_numpy(dtype=object)})
    return pool.merge(who[[*on, "stratum"]].drop_duplicates(), on=on, how="inner")


def _round_robin(groups: list[pd.DataFrame], n: int) -> list[int]:
    """Row positions taken one from each group in turn, until ``n`` are taken or every group is spent."""
    taken: list[int] = []
    depth = 0
    while len(taken) < n and any(depth < len(g) for g in groups):
        for g in groups:
            if depth < len(g) and len(taken) < n:
                taken.append(int(g.index[depth]))
        depth += 1
    return taken


def _issue_draw(tables: StudyTables, settings: SampleSettings, by: str) -> pd.DataFrame:
    """:func:`draw_sample` for issue units by frame or outlet, without the pool of every sentence × every frame.

    That pool (a million string rows at 10^4 documents, +450 MB in a report kernel) is what the draw would
    consume; here each unit is a row of integer arrays (its sentence, its frame, its item id as the number its
    10 hex digits spell, the code of its folded text), drawn exactly as :func:`draw_sample` draws the pool: the
    same strata, orders, duplicates left out, groups, permutations and round robin, so the sheet is the same.
    Only the drawn units get their text columns.
    """
    from framing.features.issue_frames import IssueCodebook

    codebook = IssueCodebook.load()
    docs = _unique_documents(tables)[["doc_id", "outlet"]]
    on_topic = codebook.on_topic(tables.doc_topics)
    if on_topic is not None:
        docs = docs[docs["doc_id"].astype(str).isin(on_topic)]
    sents = sentence_text(tables, docs[["doc_id"]]).merge(docs, on="doc_id")
    slugs = list(codebook.frames)
    n_f, n_s = len(slugs), len(sents)
    doc_ids = sents["doc_id"].astype(str).to_numpy(dtype=object)
    sent_idx = sents["sent_idx"].astype("int64").to_numpy()
    plain_frames = [_plain(f) for f in slugs]
    ids = np.empty(n_s * n_f, dtype=np.int64)  # each unit's item_id, as the number its hex digits spell
    for i, (d, k) in enumerate(zip(doc_ids, sent_idx, strict=True)):
        head = f"issue|{_plain(d)}|{_plain(int(k))}|"
        for j, f in enumerate(plain_frames):
            ids[i * n_f + j] = int(hashlib.sha1((head + f).encode("utf-8")).hexdigest()[:10], 16)
    hits = tables.issue_frame_sentences  # the detector's flags, set on each flagged unit
    position = pd.Series(np.arange(n_s), index=pd.MultiIndex.from_arrays([doc_ids, sent_idx]))
    frame_no = pd.Series(np.arange(n_f), index=slugs)
    at = position.reindex(pd.MultiIndex.from_arrays([hits["doc_id"].astype(str).to_numpy(dtype=object),
                                                     hits["sent_idx"].astype("int64").to_numpy()])).to_numpy()
    fr = frame_no.reindex(hits["frame"].astype(str).to_numpy(dtype=object)).to_numpy()
    found = ~(pd.isna(at) | pd.isna(fr))
    automatic = np.zeros(n_s * n_f, dtype=bool)
    automatic[at[found].astype(np.int64) * n_f + fr[found].astype(np.int64)] = True
    codes, uniques = pd.factorize(sents["text"].astype(str))
    folded = pd.factorize(np.asarray([" ".join(t.casefold().split()) for t in uniques], dtype=object))[0]
    text_of_sentence = folded[codes] if n_s else np.zeros(0, dtype=np.int64)
    # the pool, in candidate_units' order (by item_id, stable over sentence-major order), then by stratum
    rows = np.argsort(ids, kind="stable")  # full row r is unit rows[r]
    unit_sent, unit_frame = rows // max(n_f, 1), rows % max(n_f, 1)
    names = slugs if by == "frame" else sents["outlet"].astype(str).tolist()
    strata = sorted(set(names))
    rank = np.asarray([strata.index(n) for n in (slugs if by == "frame" else strata)], dtype=np.int64)
    if by == "frame":
        stratum = rank[unit_frame]
    else:
        outlet_code = pd.Categorical(names, categories=strata).codes.astype(np.int64)
        stratum = outlet_code[unit_sent]
    order = np.lexsort((ids[rows], stratum))  # pool position p is full row order[p]
    p_stratum, p_frame = stratum[order], unit_frame[order]
    p_text, p_id, p_auto = text_of_sentence[unit_sent[order]], ids[rows[order]], automatic[rows[order]]
    key = (p_stratum.astype(np.int64) * max(n_f, 1) + p_frame) * (int(folded.max(initial=0)) + 1) + p_text
    keep = ~pd.Series(key).duplicated().to_numpy()  # a text once per stratum and frame
    label = np.flatnonzero(keep)  # the pool's index labels
    p_stratum, p_text, p_id, p_auto = p_stratum[keep], p_text[keep], p_id[keep], p_auto[keep]
    rng = np.random.default_rng(settings.seed)
    chosen: list[int] = []
    taken_ids: set[int] = set()
    taken_texts: set[int] = set()
    counts: dict[str, int] = {}
    for code, name in enumerate(strata):
        sub = np.flatnonzero((p_stratum == code) & ~np.isin(p_id, list(taken_ids))
                             & ~np.isin(p_text, list(taken_texts)))
        if settings.balance_automatic:
            groups = [sub[p_auto[sub] == flag] for flag in (True, False) if (p_auto[sub] == flag).any()]
        else:
            groups = [sub]
        groups = [g[rng.permutation(len(g))] for g in groups]
        picks: list[int] = []
        depth = 0
        while len(picks) < settings.per_stratum and any(depth < len(g) for g in groups):
            for g in groups:
                if depth < len(g) and len(picks) < settings.per_stratum:
                    picks.append(int(g[depth]))
            depth += 1
        chosen += [int(label[p]) for p in picks]
        taken_ids.update(int(p_id[p]) for p in picks)
        taken_texts.update(int(p_text[p]) for p in picks)
        counts[str(name)] = len(picks)
    units = rows[order[np.asarray(chosen, dtype=np.int64)]] if chosen else np.zeros(0, dtype=np.int64)
    s_i, f_i = units // max(n_f, 1), units % max(n_f, 1)
    frames = codebook.frames
    sheet = pd.DataFrame({
        "doc_id": doc_ids[s_i], "sent_idx": sent_idx[s_i], "frame": np.asarray(slugs, dtype=object)[f_i],
        "frame_name": [frames[slugs[j]].name for j in f_i], "definition": [frames[slugs[j]].definition for j in f_i],
        "sentence": sents["text"].astype(str).to_numpy(dtype=object)[s_i]}).astype(
        {"sent_idx": "int64", **dict.fromkeys(["doc_id", "frame", "frame_name", "definition", "sentence"], "str")})
    sheet.insert(0, "item_id", item_ids("issue", sheet[list(UNIT_SPECS["issue"].key)]))
    return _finish_sheet(sheet, rng, counts, settings, by)


def draw_sample(tables: StudyTables, *, settings: SampleSettings = SampleSettings()) -> pd.DataFrame:
    """A blind coding sheet: ``per_stratum`` units from every stratum, shuffled, seeded.

    Args:
        tables: The study's tables (:func:`framing.build.pipeline.run`).
        settings: Unit, stratification, sample size and seed.

    Returns:
        The sheet: ``item_id``, the unit's columns, and empty ``code``, ``coder``, ``notes``. Nothing on it says
        what the automatic measure decided; ``attrs["per_stratum"]`` holds the number drawn per stratum.

    Example:
        >>> settings = SampleSettings(unit="actor", by="outlet", per_stratum=10)
        >>> sheet = draw_sample(tables, settings=settings)  # doctest: +SKIP
    """
    if settings.per_stratum < 1:
        raise ValueError("per_stratum must be at least 1")
    spec = UNIT_SPECS.get(settings.unit)
    if spec is None:
        raise ValueError(f"unknown unit {settings.unit!r}; choose one of {list(UNITS)}")
    by = settings.by or spec.default_by
    if settings.unit == "issue" and by in ("frame", "outlet"):
        return _issue_draw(tables, settings, by)
    return _pool_draw(tables, settings, spec, by)


def _pool_draw(tables: StudyTables, settings: SampleSettings, spec: Unit, by: str) -> pd.DataFrame:
    """:func:`draw_sample` from the pool of every candidate unit (:func:`candidate_units`)."""
    full = _with_strata(candidate_units(tables, settings.unit), tables, settings.unit, by).reset_index(drop=True)
    # the draw works on the few columns it needs (a 10^4-document issue pool holds a million sentence rows) and
    # takes the sheet's columns for the drawn rows only
    pool = full[["stratum", "item_id", "automatic", *(["frame"] if "frame" in full else [])]].assign(
        _row=np.arange(len(full)))
    pool = pool.sort_values(["stratum", "item_id"], kind="stable").reset_index(drop=True)
    # a text is one unit: identical sentences (near copies the dedupe did not merge, stock phrases) are drawn once
    # per stratum, an issue-frame sheet shows each sentence once, for one frame, and a stance sheet each sentence
    # once per frame
    text_col = {"issue": "sentence", "stance": "sentence", "generic": "text"}.get(settings.unit)
    texts = None
    if text_col:  # each distinct text normalised once (an issue pool holds each sentence once per frame)
        codes, uniques = pd.factorize(full[text_col].astype(str))
        folded = np.asarray([" ".join(t.casefold().split()) for t in uniques], dtype=object)
        texts = pd.Series(folded[codes[pool["_row"].to_numpy()]], index=pool.index, dtype=object)
        pool = pool[~pd.DataFrame({"s": pool["stratum"], "f": pool["frame"], "t": texts}).duplicated()]
        texts = texts.loc[pool.index]
        if settings.unit == "stance":
            texts = pool["frame"].astype(str) + "\x1f" + texts
    rng = np.random.default_rng(settings.seed)
    chosen: list[int] = []
    taken_ids: set[str] = set()
    taken_texts: set[str] = set()
    counts: dict[str, int] = {}
    for stratum in sorted(pool["stratum"].unique()):
        sub = pool[(pool["stratum"] == stratum) & ~pool["item_id"].isin(taken_ids)]
        if settings.unit in HIT_UNITS and texts is not None:
            sub = sub[~texts.loc[sub.index].isin(taken_texts)]
        if settings.balance_automatic:
            labels = sorted(sub["automatic"].unique(), reverse=True)  # "1" before "0": flagged first
            groups = [sub[sub["automatic"] == label] for label in labels]
        else:
            groups = [sub]
        groups = [g.iloc[rng.permutation(len(g))] for g in groups]
        picks = _round_robin(groups, settings.per_stratum)
        chosen += picks
        taken_ids.update(pool.loc[picks, "item_id"])
        if texts is not None:
            taken_texts.update(texts.loc[picks])
        counts[str(stratum)] = len(picks)
    sheet = full.iloc[pool.loc[chosen, "_row"].to_numpy()][["item_id", *spec.columns]]
    return _finish_sheet(sheet, rng, counts, settings, by)


def _finish_sheet(sheet: pd.DataFrame, rng: np.random.Generator, counts: dict[str, int], settings: SampleSettings,
                  by: str) -> pd.DataFrame:
    """The drawn units shuffled, with empty coder columns and what was drawn in ``attrs``."""
    sheet = sheet.iloc[rng.permutation(len(sheet))].reset_index(drop=True)
    for col in CODER_COLUMNS:
        sheet[col] = ""
    sheet.attrs["per_stratum"] = counts
    sheet.attrs["sample"] = {"unit": settings.unit, "by": by, "per_stratum": settings.per_stratum,
                             "seed": settings.seed, "items": int(len(sheet))}
    return sheet


# ---------------------------------------------------------------- codebook

def codebook_table(unit: str) -> pd.DataFrame:
    """The codebook printed beside a sheet: instructions, the allowed codes, and each frame's or code's rules.

    Returns:
        Columns ``entry``, ``name``, ``definition``, ``include``, ``exclude``, ``examples``.
    """
    spec = UNIT_SPECS[unit]
    rows = [("instructions", "How to code", spec.instruction[0].upper() + spec.instruction[1:] + ". Code each row "
             "on its own; leave 'code' empty only if you cannot decide, and say why in 'notes'. Put your name in "
             "'coder'. Do not edit, add or delete rows (item_id joins your codes back to the sample).", "", "", "")]
    if unit in HIT_UNITS:
        from framing.features.issue_frames import IssueCodebook

        codebook = IssueCodebook.load()
        rows += _ISSUE_CODES if unit == "issue" else _stance_codes(getattr(codebook, "topic", None))
        for slug, f in codebook.frames.items():
            examples = "; ".join([f"+ {e}" for e in f.positive_examples] + [f"- {e}" for e in f.negative_examples])
            rows.append((f"frame {slug}", f.name, f.definition, f.inclusion, f.exclusion, examples))
    elif unit == "voice":
        rows += _VOICE_CODES
    elif unit == "generic":
        from framing.features.frames import FRAMES, GenericCodebook

        gc = GenericCodebook.load()
        rows += [("code 1", "uses the frame", "The document uses the frame named on the row: yes to at least one "
                  "indicator question, and the frame shapes how the story is told.", "", "", ""),
                 ("code 0", "does not use the frame", "No indicator question applies, or only in passing.", "", "",
                  "")]
        for code in FRAMES:
            rows.append((f"frame {code}", gc.names[code], " ".join(gc.questions[code].values()),
                         "Indicator questions of the Narrative Frames codebook (Frermann et al., ACL 2023).", "", ""))
    elif unit == "actor":
        rows += [
            ("code negative", "negative", "The sentence portrays the marked target negatively: criticises, blames, "
             "ridicules or reports harm done by it.", "Quoted criticism of the target counts.",
             "Negative events that do not reflect on the target.", "+ [[Maduro]]'s thugs fired on protesters."),
            ("code neutral", "neutral", "The sentence mentions the target without taking a side toward it.",
             "Plain reports of statements, meetings, positions.", "", "+ [[Putin]] spoke with Maduro on Tuesday."),
            ("code positive", "positive", "The sentence portrays the marked target positively: praises, defends, "
             "sympathises with or credits it.", "Quoted praise of the target counts.", "",
             "+ [[Venezuela]] has shown remarkable resilience."),
        ]
    return pd.DataFrame(rows, columns=["entry", "name", "definition", "include", "exclude", "examples"])


_ISSUE_CODES = [("code 1", "uses the frame", "The sentence uses the frame named on the row.", "", "", ""),
                ("code 0", "does not use the frame", "The sentence does not use the frame named on the row.", "", "",
                 "")]
_VOICE_CODES = [
    ("code author", "author", "The outlet's own words: the outlet (its writer) says what the sentence says about the "
     "marked target.", "Narration of what the target did, including that it spoke, without what it said ("
     "'[[Lavrov]] spoke for an hour'); 'as X explained, P' where the writer asserts P; scare quotes the writer uses.",
     "Words about the target that the outlet attributes to someone else (quoted, reported).",
     "+ [[Maduro]] has clung to power through a rigged election."),
    ("code quoted", "quoted", "Someone else's words, given word for word: the target is mentioned in a quotation "
     "(in quote marks, an unmarked block quote, or a sentence inside a quote that runs over several sentences).",
     "A speaker named in the reporting frame of a quote ('..., [[Lavrov]] said') takes the voice of the quote; "
     "every sentence of a quoted document (a quoted block) is quoted.",
     "Scare quotes around a word or two that the writer uses (author).",
     "+ \"[[Guaidó]] is a puppet of Washington,\" Lavrov told reporters."),
    ("code reported", "reported", "Someone else's words or thoughts, passed on without quoting them word for word: "
     "indirect speech ('X said (that) ...'), speech-act verbs with their content ('X accused [[Y]] of ...', 'X "
     "warned ...'), 'according to X', the findings of a report or survey.",
     "A speaker named in the reporting frame ('[[Pompeo]] said that ...') takes this voice; colon headlines "
     "('X: ...').", "Sentences that only say someone spoke, without what was said (author).",
     "+ Lavrov said [[Guaidó]] was a puppet of Washington."),
]


def _stance_codes(topic: str | None) -> list[tuple[str, str, str, str, str, str]]:
    about = f"the codebook's topic ({topic})" if topic else "the codebook's topic"
    return [
        ("code used", "used", "The outlet itself presents the events through the frame: in its own words, the "
         "sentence calls or treats them as the frame's definition says.",
         "Headlines and rhetorical questions that assert the frame; a quote the outlet endorses in the same "
         "sentence ('as Lavrov rightly said, ...').",
         "The frame only in someone else's words (reported) or raised to be denied (rebutted).",
         "+ Washington is trying to topple Maduro by force."),
        ("code reported", "reported", "The outlet passes on someone else's use of the frame, in a quotation or in "
         "reported speech ('X said ...', 'according to X'), without adopting or denying it.",
         "Speakers of any side, named or not ('critics call it a coup').",
         "A frame the outlet itself also uses in the sentence (used); a quoted denial (rebutted).",
         "+ Maduro said the opposition was staging a US-backed coup."),
        ("code rebutted", "rebutted", "The frame is raised to be denied, dismissed or mocked, whoever speaks.",
         "Denials ('this was no coup', 'the lie that ...'), 'so-called', scare quotes that keep the frame's words at "
         "a distance; a quoted denial ('there was no coup,' she said).",
         "Criticism of the events that does not deny the frame (used).",
         "+ Calling the uprising a \"coup\" is a lie: Guaidó is the legitimate interim president."),
        ("code error", "error", "The detector is wrong: the cue does not carry the frame here (another sense of "
         f"the word, a figure of speech), or the sentence is not about {about}.",
         "Frame words about another country or issue; words that only look like the cue.",
         "A sentence that carries the frame in any voice (used, reported or rebutted).",
         "+ The league ousted the club's coach after a run of defeats."),
    ]


def _about_rows(sheet: pd.DataFrame) -> pd.DataFrame:
    from framing import __version__

    about = dict(sheet.attrs.get("sample") or {})
    strata = sheet.attrs.get("per_stratum") or {}
    text = ", ".join(f"{k}={v}" for k, v in about.items())
    counts = ", ".join(f"{k}: {v}" for k, v in strata.items())
    return pd.DataFrame([("sample", f"framing {__version__}", text, counts, "", "")],
                        columns=["entry", "name", "definition", "include", "exclude", "examples"])


# ---------------------------------------------------------------- sheet IO

def codebook_path(sheet_path: Path) -> Path:
    """Where the CSV sidecar codebook of a CSV sheet goes (``coding.csv`` → ``coding.codebook.csv``)."""
    return sheet_path.with_name(sheet_path.stem + ".codebook.csv")


def write_sheet(sheet: pd.DataFrame, path: Path, *, unit: str | None = None) -> list[Path]:
    """Write a coding sheet and its codebook; CSV or XLSX by the extension of ``path``.

    XLSX: worksheet ``coding`` (header frozen, long text wrapped, a drop-down of the allowed codes on ``code``)
    and worksheet ``codebook``. CSV: the sheet, and ``<name>.codebook.csv`` beside it.

    Returns:
        The files written.
    """
    unit = unit or unit_of(sheet)
    book = pd.concat([codebook_table(unit), _about_rows(sheet)], ignore_index=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        sheet.to_csv(path, index=False, lineterminator="\n")
        side = codebook_path(path)
        book.to_csv(side, index=False, lineterminator="\n")
        return [path, side]
    if suffix != ".xlsx":
        raise ValueError(f"{path}: write a coding sheet as .csv or .xlsx")
    _write_xlsx(sheet, book, path, codes=UNIT_SPECS[unit].codes)
    return [path]


def _write_xlsx(sheet: pd.DataFrame, book: pd.DataFrame, path: Path, *, codes: Sequence[str]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    for ws, frame in ((wb.active, sheet), (wb.create_sheet(CODEBOOK_SHEET), book)):
        assert ws is not None
        ws.title = CODING_SHEET if frame is sheet else CODEBOOK_SHEET
        ws.append(list(frame.columns))
        for n, row in enumerate(frame.itertuples(index=False), start=2):
            values: list[object] = []
            for col, value in zip(frame.columns, row, strict=True):
                if isinstance(value, int | np.integer) and not isinstance(value, bool):
                    values.append(int(value))
                    continue
                text = _cell(value)
                if len(text) > _EXCEL_CELL_LIMIT or ILLEGAL_CHARACTERS_RE.search(text):
                    raise ValueError(f"{path}: row {n}, column {col!r} does not fit an Excel cell (too long or "
                                     "control characters); write the sheet as .csv instead")
                values.append(text)
            ws.append(values)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "B2"
        for j, col in enumerate(frame.columns, start=1):
            wide = col in ("sentence", "text", "definition", "include", "exclude", "examples")
            ws.column_dimensions[get_column_letter(j)].width = 70 if wide else 16
            if wide:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    coding = wb[CODING_SHEET]
    col = get_column_letter(list(sheet.columns).index("code") + 1)
    dv = DataValidation(type="list", formula1='"' + ",".join(codes) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="code", error="Allowed codes: " + ", ".join(codes))
    dv.add(f"{col}2:{col}{max(2, len(sheet) + 1)}")
    coding.add_data_validation(dv)
    with atomic_path(path) as tmp:
        wb.save(tmp)


def read_sheet(path: Path) -> pd.DataFrame:
    """A coding sheet (CSV or XLSX) as text: every cell a string, empty cells ``""``.

    Spreadsheet programs turn ``1`` into ``1.0`` and add a byte-order mark to CSV files; both are undone here.
    Semicolon-separated CSV (what Excel writes in some locales) is read too.
    """
    if not path.is_file():
        raise FileNotFoundError(f"coded sheet not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        with warnings.catch_warnings():
            # sheets saved by Excel or LibreOffice: openpyxl warns that it drops what it does not read (styles,
            # data-validation extensions); the cell values it returns are complete
            warnings.filterwarnings("ignore", message="Workbook contains no default style", category=UserWarning)
            warnings.filterwarnings("ignore", message="Data Validation extension is not supported",
                                    category=UserWarning)
            warnings.filterwarnings("ignore", message="Conditional Formatting extension is not supported",
                                    category=UserWarning)
            wb = load_workbook(path, read_only=True, data_only=True)
            try:
                ws = wb[CODING_SHEET] if CODING_SHEET in wb.sheetnames else wb.worksheets[0]
                rows = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
            finally:
                wb.close()
        rows = [r for r in rows if any(r)]
        if not rows:
            raise ValueError(f"{path}: the sheet is empty")
        header, body = rows[0], rows[1:]
        width = len(header)
        return pd.DataFrame([(r + [""] * width)[:width] for r in body], columns=header, dtype=object)
    if suffix not in (".csv", ".tsv", ".txt"):
        raise ValueError(f"{path}: read coded sheets from .csv or .xlsx files")
    sep = "\t" if suffix == ".tsv" else ","
    first = path.read_text(encoding="utf-8-sig").split("\n", 1)[0]
    if sep == "," and "item_id" in first and "item_id," not in first and ";" in first:
        sep = ";"
    return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig").astype(object)


def unit_of(sheet: pd.DataFrame) -> str:
    """The kind of unit a sheet codes (from its item ids)."""
    if "item_id" not in sheet.columns or sheet.empty:
        raise ValueError("not a coding sheet: no 'item_id' column (or no rows); draw one with `framing sample`")
    units = {str(i).split("-", 1)[0] for i in sheet["item_id"]}
    if len(units) != 1 or not units <= set(UNIT_SPECS):
        raise ValueError(f"item_id values do not name one kind of unit ({sorted(units)[:5]}); expected ids such as "
                         f"{', '.join(repr(u + '-…') for u in UNITS)} from `framing sample`")
    return units.pop()


# ---------------------------------------------------------------- reading coded sheets

@dataclass(frozen=True)
class CodedSheet:
    """One coder's checked copy of a sheet: ``table`` has the sheet's columns, ``code`` normalised."""

    name: str
    coder: str
    unit: str
    table: pd.DataFrame


def _rows(frame: pd.DataFrame, mask: pd.Series, limit: int = 12) -> str:
    shown = [f"row {int(i) + 2} ({frame.at[i, 'item_id']!s}: {frame.at[i, 'code']!r})"
             for i in frame.index[mask][:limit]]
    more = int(mask.sum()) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def check_sheet(frame: pd.DataFrame, *, name: str, reference: pd.DataFrame | None = None) -> CodedSheet:
    """Check one coded sheet and normalise its codes.

    Args:
        frame: The sheet as read by :func:`read_sheet`.
        name: What to call the sheet in messages (its file name).
        reference: The sample the sheet must match (same item ids); None: only the ids' own consistency.

    Raises:
        ValueError: naming the sheet and the rows at fault: missing columns, ids that do not match the sample or
            their own key columns, duplicate ids, codes outside the allowed set, or an empty ``code`` column.
    """
    unit = unit_of(frame)
    spec = UNIT_SPECS[unit]
    missing = [c for c in ("item_id", *spec.key, "code") if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing columns {missing}; code a copy of the sheet `framing sample` wrote")
    frame = frame.reset_index(drop=True).copy()
    frame["item_id"] = frame["item_id"].map(_plain)
    recomputed = pd.Series([item_id(unit, k) for k in frame[list(spec.key)].itertuples(index=False)],
                           index=frame.index)
    wrong = recomputed != frame["item_id"]
    if wrong.any():
        rows = ", ".join(f"row {int(i) + 2} ({frame.at[i, 'item_id']!s})" for i in frame.index[wrong][:12])
        raise ValueError(f"{name}: item_id does not match the row's {list(spec.key)} in {rows}; were rows edited "
                         "or pasted from another sheet?")
    dup = frame["item_id"].duplicated(keep=False)
    if dup.any():
        raise ValueError(f"{name}: item_id repeated in rows {[int(i) + 2 for i in frame.index[dup][:12]]}")
    if reference is not None:
        ref = set(reference["item_id"].map(_plain))
        extra = [i for i in frame["item_id"] if i not in ref]
        lost = sorted(ref - set(frame["item_id"]))
        if extra or lost:
            parts = []
            if extra:
                parts.append(f"{len(extra)} item(s) not in the sample (e.g. {extra[:5]})")
            if lost:
                parts.append(f"{len(lost)} sample item(s) missing (e.g. {lost[:5]})")
            raise ValueError(f"{name}: the item ids do not match the sample: {'; '.join(parts)}")
    codes = frame["code"].map(lambda v: _plain(v).lower())
    frame["code"] = codes
    if codes.eq("").all():
        raise ValueError(f"{name}: the 'code' column is empty. For each row, {spec.instruction}.")
    bad = codes.ne("") & ~codes.isin(spec.codes)
    if bad.any():
        raise ValueError(f"{name}: codes outside the allowed set {list(spec.codes)} in {int(bad.sum())} row(s): "
                         f"{_rows(frame, bad)}")
    coders = [c for c in frame.get("coder", pd.Series(dtype=object)).map(_plain) if c]
    coder = coders[0] if coders else Path(name).stem
    return CodedSheet(name=name, coder=coder, unit=unit, table=frame)


def read_coded(paths: Sequence[str | Path], *, sample: str | Path | None = None,
               same_items: bool = True) -> list[CodedSheet]:
    """Read and check coded sheets (one per coder).

    Args:
        paths: Coded copies of a sheet.
        sample: The blank sheet they were copied from; None: the first sheet is the reference.
        same_items: Require every sheet to hold the reference's items (agreement); False for training, where
            sheets from different samples can be pooled.

    Raises:
        ValueError: see :func:`check_sheet`; also when the sheets code different kinds of unit.
    """
    if not paths:
        raise ValueError("give at least one coded sheet")
    reference = read_sheet(Path(sample)) if sample is not None else None
    if reference is not None:
        unit_of(reference)
    sheets: list[CodedSheet] = []
    for p in paths:
        frame = read_sheet(Path(p))
        ref = reference if reference is not None else (sheets[0].table if sheets and same_items else None)
        sheets.append(check_sheet(frame, name=Path(p).name, reference=ref if same_items else None))
    units = {s.unit for s in sheets}
    if len(units) > 1:
        raise ValueError(f"the sheets code different kinds of unit: {sorted(units)}")
    names = [s.coder for s in sheets]
    if len(set(names)) < len(names):  # two sheets signed by the same name: tell them apart by file
        sheets = [CodedSheet(f"{s.name}", f"{s.coder} ({s.name})", s.unit, s.table) for s in sheets]
    return sheets


# ---------------------------------------------------------------- Krippendorff's alpha with bootstrap CIs

def _unit_coincidences(data: np.ndarray, n_values: int) -> np.ndarray:
    """Per unit (column) with at least two values: its coincidence matrix, flattened (units × values²)."""
    counts = np.stack([(data == v).sum(axis=0) for v in range(n_values)], axis=1).astype(float)  # units × values
    m = counts.sum(axis=1)
    keep = m >= 2
    counts, m = counts[keep], m[keep]
    outer = counts[:, :, None] * counts[:, None, :]
    outer[:, np.arange(n_values), np.arange(n_values)] -= counts
    return (outer / (m - 1)[:, None, None]).reshape(len(counts), n_values * n_values)  # (0, v²) for no such unit


def _alpha_from_coincidences(o: np.ndarray, n_values: int) -> np.ndarray:
    """Nominal alpha for each row of summed, flattened coincidence matrices (NaN where undefined)."""
    o = o.reshape(len(o), n_values, n_values)
    n_c = o.sum(axis=2)
    n = n_c.sum(axis=1)
    observed = n - np.trace(o, axis1=1, axis2=2)
    expected = n ** 2 - (n_c ** 2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = 1 - (n - 1) * observed / expected
    return np.where(expected > 0, alpha, np.nan)


def alpha_with_ci(data: np.ndarray, *, settings: AgreementSettings = AgreementSettings()) -> dict[str, Any]:
    """Nominal Krippendorff's alpha and its percentile-bootstrap CI over units.

    Args:
        data: Coders × units, integer category codes, NaN where a coder gave no code.
        settings: Resamples, CI level and seed.

    Returns:
        ``n_units`` (units with two or more codes), ``alpha`` (from the ``krippendorff`` package), ``alpha_ci_low``
        and ``alpha_ci_high`` (resampling units with replacement; resamples where alpha is undefined, all codes
        alike, are left out).

    >>> r = alpha_with_ci(np.array([[1, 1, 0, 0, 1], [1, 1, 0, 1, 1]], dtype=float))
    >>> round(r["alpha"], 3), r["n_units"]
    (0.571, 5)
    """
    import krippendorff

    values = np.unique(data[~np.isnan(data)])
    index = np.full(data.shape, -1)
    for k, v in enumerate(values):
        index[data == v] = k
    per_unit = _unit_coincidences(index, len(values))
    out: dict[str, Any] = {"n_units": int(len(per_unit)), "alpha": float("nan"), "alpha_ci_low": float("nan"),
                           "alpha_ci_high": float("nan")}
    if len(per_unit) == 0 or len(values) < 2:
        return out
    out["alpha"] = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    rng = np.random.default_rng(settings.seed)
    u = len(per_unit)
    draws = rng.integers(0, u, size=(settings.n_resamples, u))
    weights = np.zeros((settings.n_resamples, u))
    np.add.at(weights, (np.repeat(np.arange(settings.n_resamples), u), draws.ravel()), 1.0)
    boot = _alpha_from_coincidences(weights @ per_unit, len(values))
    boot = boot[~np.isnan(boot)]
    if len(boot):
        tail = (1 - settings.ci) / 2 * 100
        out["alpha_ci_low"], out["alpha_ci_high"] = (float(x) for x in np.percentile(boot, [tail, 100 - tail]))
    return out


# ---------------------------------------------------------------- agreement

def consensus(codes: pd.DataFrame) -> pd.Series:
    """The most frequent code per row among coders (columns); empty where no code or where the top codes tie."""
    def one(row: pd.Series) -> str:
        counts = row[row != ""].value_counts()
        if counts.empty or (len(counts) > 1 and counts.iloc[0] == counts.iloc[1]):
            return ""
        return str(counts.index[0])

    return codes.apply(one, axis=1) if len(codes.columns) else pd.Series("", index=codes.index)


MEASURES = {"issue": ("cues",), "generic": ("model",), "actor": ("accurate", "fast", "vader"),
            "voice": ("attribution",), "stance": ("stance",)}
DEFAULT_MEASURES = {"issue": ("cues",), "generic": ("model",), "actor": ("accurate", "fast"),
                    "voice": ("attribution",), "stance": ("stance",)}
FROM_TABLES = ("voice", "stance")  # units whose automatic code is read from the study's tables


def automatic_codes(sheet: pd.DataFrame, *, measures: Sequence[str] | None = None,
                    tables: StudyTables | None = None) -> dict[str, pd.Series]:
    """The automatic measures' codes for each item of a sheet.

    Measures: ``cues`` for issue frames (the codebook detector); ``model`` for generic frames (the trained model
    and its per-frame threshold); ``accurate``, ``fast`` and ``vader`` (sentence VADER, ±0.05) for actor
    sentiment: these are computed from the sheet's own text. ``attribution`` for voice units (the mention's voice,
    :func:`mention_voices`) and ``stance`` for stance units (the hit's stance, :func:`hit_stances`) are read from
    the study's ``tables``, which must then be given; an item the tables do not hold gets ``""`` (no code).

    Returns:
        Measure name → Series of codes indexed by ``item_id``.

    Raises:
        ValueError: for a measure the unit does not have, or a voice or stance sheet without ``tables``.
    """
    unit = unit_of(sheet)
    allowed = MEASURES[unit]
    measures = list(measures or DEFAULT_MEASURES[unit])
    unknown = [m for m in measures if m not in allowed]
    if unknown:
        raise ValueError(f"unknown measure(s) {unknown} for {unit} units; choose from {list(allowed)}")
    if unit in FROM_TABLES:
        if tables is None:
            raise ValueError(f"{unit} sheets are scored against the study's tables: give the corpus they were drawn "
                             "from (--corpus DIR) or its tables (--tables DIR)")
        return {m: _codes_from_tables(sheet, tables, unit) for m in measures}
    ids = sheet["item_id"].tolist()
    out: dict[str, pd.Series] = {}
    if unit == "issue":
        from framing.features.issue_frames import IssueCodebook

        frames = IssueCodebook.load().frames
        out["cues"] = pd.Series(["1" if frames[f].matches(s) else "0" for f, s in zip(
            sheet["frame"], sheet["sentence"], strict=True)], index=ids)
    elif unit == "generic":
        from framing.features.frames import article_sentences, encode_articles, generic_model

        model = generic_model()
        docs = sheet.drop_duplicates("doc_id")
        sents = article_sentences(docs["text"].tolist())
        pred = model.predict(model.features(sents, encode_articles(sents)))
        present = {(d, c): bool(pred.at[i, c]) for i, d in enumerate(docs["doc_id"]) for c in pred.columns}
        out["model"] = pd.Series(["1" if present[(d, f)] else "0" for d, f in zip(
            sheet["doc_id"], sheet["frame"], strict=True)], index=ids)
    else:
        from framing.features.actors import target_model

        frame = _unmarked(sheet)
        for m in measures:
            if m == "vader":
                from framing.features.sentiment import sentence_label

                labels = [sentence_label(t) for t in frame["text"]]
            else:
                labels = target_model(m).predict(frame)
            out[m] = pd.Series(labels, index=ids)
    return {m: out[m] for m in measures}


def _codes_from_tables(sheet: pd.DataFrame, tables: StudyTables, unit: str) -> pd.Series:
    """The voice (voice units) or stance (stance units) the tables give each item of ``sheet``, by ``item_id``."""
    if unit == "voice":
        found, codes = tables.actor_mentions, mention_voices(tables)
    else:
        found, codes = tables.issue_frame_sentences, hit_stances(tables)
    by_id = dict(zip(item_ids(unit, found[list(UNIT_SPECS[unit].key)]), codes.astype(str), strict=True))
    ids = sheet["item_id"].map(_plain).tolist()
    out = pd.Series([by_id.get(i, "") for i in ids], index=sheet["item_id"].tolist(), dtype=object)
    missing = int(out.eq("").sum())
    if missing:
        log.warning("%d of %d %s items are not in the tables (drawn from another corpus, or tables built by other "
                    "code): they have no automatic code", missing, len(out), unit)
    return out


def scored_codes(codes: Sequence[str]) -> list[str]:
    """The codes whose precision and recall are reported: ``1`` for 0/1 codes, every code otherwise."""
    return ["1"] if tuple(codes) == BINARY_CODES else list(codes)


def code_scores(truth: pd.Series, pred: pd.Series, code: str) -> dict[str, float]:
    """Precision, recall and F1 of ``pred`` for one code against ``truth`` (NaN where undefined).

    F1 is ``2·TP / (2·TP + FP + FN)``: 0 where the code occurs but is never found, NaN where neither side has it.

    >>> t, p = pd.Series(["a", "a", "b", "b"]), pd.Series(["a", "b", "b", "b"])
    >>> {k: round(v, 3) for k, v in code_scores(t, p, "b").items()}
    {'n_consensus': 2, 'n_automatic': 3, 'precision': 0.667, 'recall': 1.0, 'f1': 0.8}
    """
    p, t = (pred == code).to_numpy(), (truth == code).to_numpy()
    tp, n_pred, n_true = int((t & p).sum()), int(p.sum()), int(t.sum())
    return {"n_consensus": n_true, "n_automatic": n_pred,
            "precision": tp / n_pred if n_pred else float("nan"), "recall": tp / n_true if n_true else float("nan"),
            "f1": 2 * tp / (n_pred + n_true) if n_pred + n_true else float("nan")}


def _nanmean(values: Sequence[float]) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: no prediction or no truth of any code
        return float(np.nanmean(np.asarray(values, dtype=float))) if len(values) else float("nan")


def _precision_recall(truth: pd.Series, pred: pd.Series, codes: Sequence[str]) -> tuple[float, float, float]:
    """Precision, recall and F1 of ``pred`` against ``truth``: of code "1" for 0/1 codes, macro-averaged otherwise.

    Each average is over the codes where the figure is defined (precision: codes the measure gives; recall: codes
    the coders give; F1: codes either gives).
    """
    scores = [code_scores(truth, pred, c) for c in scored_codes(codes)]
    return tuple(_nanmean([s[k] for s in scores]) for k in ("precision", "recall", "f1"))  # type: ignore[return-value]


def agreement(sheets: Sequence[CodedSheet], *, automatic: dict[str, pd.Series] | None = None,
              settings: AgreementSettings = AgreementSettings()) -> pd.DataFrame:
    """Krippendorff's alpha (nominal, bootstrap CIs) between coders and between coders and automatic measures.

    Args:
        sheets: Checked coded sheets of the same sample (:func:`read_coded`), one per coder.
        automatic: Measure name → codes per ``item_id`` (:func:`automatic_codes`); None: coders only.
        settings: Bootstrap resamples, CI level and seed.

    Returns:
        One row per scope (``all``, then each frame or actor) and comparison: ``coders`` (alpha among all
        coders), ``consensus vs <measure>`` (the coders' majority code; ties left out) and, with two or more
        coders, ``<coder> vs <measure>``. Columns ``scope``, ``comparison``, ``n_coders``, ``n_units``,
        ``alpha``, ``alpha_ci_low``, ``alpha_ci_high``, ``precision`` and ``recall`` of the measure against the
        coders (of code 1 for frames; macro-averaged over the three codes for actor sentiment; NaN for
        ``coders``). Precision and recall are those of the sample, which draws flagged and unflagged units
        evenly, not of the corpus.
    """
    if not sheets:
        raise ValueError("no coded sheets")
    unit = sheets[0].unit
    spec = UNIT_SPECS[unit]
    base = sheets[0].table.set_index("item_id")
    codes = pd.concat([s.table.set_index("item_id")["code"].rename(s.coder) for s in sheets], axis=1)
    codes = codes.reindex(base.index).fillna("")
    agreed = consensus(codes)
    automatic = {m: v.reindex(base.index).fillna("") for m, v in (automatic or {}).items()}
    index = {c: i for i, c in enumerate(spec.codes)}

    def matrix(columns: list[pd.Series]) -> np.ndarray:
        return np.array([[index.get(v, np.nan) for v in col] for col in columns], dtype=float)

    scope_col = "actor" if unit in MENTION_UNITS else "frame"
    scopes = [("all", base.index)] + [(str(s), base.index[base[scope_col] == s])
                                      for s in sorted(base[scope_col].unique())]
    rows = []
    for scope, idx in scopes:
        comparisons: list[tuple[str, list[pd.Series], tuple[pd.Series, pd.Series] | None]] = []
        if len(sheets) > 1:
            comparisons.append(("coders", [codes.loc[idx, c] for c in codes.columns], None))
        for m, auto in automatic.items():
            comparisons.append((f"consensus vs {m}", [agreed[idx], auto[idx]], (agreed[idx], auto[idx])))
            if len(sheets) > 1:
                for c in codes.columns:
                    comparisons.append((f"{c} vs {m}", [codes.loc[idx, c], auto[idx]], (codes.loc[idx, c], auto[idx])))
        for name, cols, pair in comparisons:
            stats = alpha_with_ci(matrix(cols), settings=settings)
            precision = recall = f1 = float("nan")
            if pair is not None:
                both = (pair[0] != "") & (pair[1] != "")
                precision, recall, f1 = _precision_recall(pair[0][both], pair[1][both], spec.codes)
            rows.append({"scope": scope, "comparison": name, "n_coders": len(sheets), **stats,
                         "precision": precision, "recall": recall, "f1": f1})
    return pd.DataFrame(rows, columns=["scope", "comparison", "n_coders", "n_units", "alpha", "alpha_ci_low",
                                       "alpha_ci_high", "precision", "recall", "f1"])


OUTLET_COLUMNS = ("outlet", "comparison", "code", "n_units", "n_consensus", "n_automatic", "precision", "recall",
                  "f1")


def item_outlets(sheet: pd.DataFrame, documents: pd.DataFrame) -> pd.Series:
    """The outlet of each item of a (blind) sheet, by ``item_id``, looked up from the item's ``doc_id``.

    ``unknown`` where the documents table does not hold the document.
    """
    docs = documents.drop_duplicates("doc_id")
    outlet = pd.Series(docs["outlet"].astype(str).to_numpy(dtype=object), index=docs["doc_id"].astype(str).to_numpy())
    found = sheet["doc_id"].map(_plain).map(outlet)
    if found.isna().any():
        log.warning("%d of %d items have a doc_id the documents table does not hold (a sheet of another corpus?): "
                    "their outlet is 'unknown'", int(found.isna().sum()), len(found))
    return pd.Series(found.fillna("unknown").to_numpy(dtype=object), index=sheet["item_id"].tolist(), name="outlet")


def outlet_scores(sheets: Sequence[CodedSheet], *, automatic: dict[str, pd.Series],
                  documents: pd.DataFrame) -> pd.DataFrame:
    """Precision, recall and F1 of each automatic measure against the coders' consensus, pooled and per outlet.

    The sheet is blind, so each item's outlet comes from ``documents`` (:func:`item_outlets`). Items whose coders
    tie, or that the measure gives no code, are left out. As in :func:`agreement`, the figures are those of the
    sample, which draws every automatic label about equally often, not those of the corpus.

    Args:
        sheets: Checked coded sheets of the same sample (:func:`read_coded`), one per coder.
        automatic: Measure name → codes per ``item_id`` (:func:`automatic_codes`).
        documents: The study's documents table (``doc_id``, ``outlet``), e.g. ``pipeline.run(corpus).documents``.

    Returns:
        One row per outlet (``all`` first, then the outlets by name), measure and code. Columns ``outlet``,
        ``comparison`` (``consensus vs <measure>``), ``code`` (``1`` for 0/1 units; each code, then ``macro``, for
        units of more codes), ``n_units`` (items of the outlet with a consensus and an automatic code),
        ``n_consensus`` and ``n_automatic`` (of those, the items the coders and the measure give the code; both
        ``n_units`` on the ``macro`` row), ``precision``, ``recall`` and ``f1`` (NaN where undefined; on the
        ``macro`` row, each the mean over the codes where it is defined: the macro-F1 is that of the codes the
        coders or the measure give).

    Example:
        >>> scores = outlet_scores(sheets, automatic=codes, documents=tables.documents)  # doctest: +SKIP
    """
    if not sheets:
        raise ValueError("no coded sheets")
    spec = UNIT_SPECS[sheets[0].unit]
    base = sheets[0].table.set_index("item_id")
    codes = pd.concat([s.table.set_index("item_id")["code"].rename(s.coder) for s in sheets], axis=1)
    agreed = consensus(codes.reindex(base.index).fillna(""))
    outlets = item_outlets(sheets[0].table, documents).reindex(base.index)
    scored = scored_codes(spec.codes)
    rows: list[dict[str, Any]] = []
    for outlet in ["all", *sorted(outlets.unique())]:
        idx = base.index if outlet == "all" else base.index[outlets == outlet]
        for m, auto in automatic.items():
            truth, pred = agreed[idx], auto.reindex(idx).fillna("").astype(str)
            both = (truth != "") & (pred != "")
            truth, pred = truth[both], pred[both]
            head = {"outlet": outlet, "comparison": f"consensus vs {m}", "n_units": int(both.sum())}
            per_code = [{**head, "code": c, **code_scores(truth, pred, c)} for c in scored]
            rows += per_code
            if len(scored) > 1:
                rows.append({**head, "code": "macro", "n_consensus": head["n_units"], "n_automatic": head["n_units"],
                             **{k: _nanmean([r[k] for r in per_code]) for k in ("precision", "recall", "f1")}})
    return pd.DataFrame(rows, columns=list(OUTLET_COLUMNS))


# ---------------------------------------------------------------- coded units as training data

MODELS_FOR_UNIT = {"actor": ("fast", "accurate"), "generic": ("frames",)}


def training_data(sheets: Sequence[CodedSheet]) -> pd.DataFrame:
    """Coded units as rows the models train on, one per item, labelled by the coders' consensus.

    Sheets may come from different samples; an item coded on several sheets gets its majority code, and items
    whose coders tie are left out (their count is in ``attrs["ties"]``).

    Returns:
        Actor units: ``text``, ``start``, ``end``, ``label`` (the NewsMTSC training format). Generic-frame units:
        ``ID`` (the doc_id), ``text`` and one column per frame (RE … EC) holding True, False or None (not coded),
        one row per document. Rows are sorted by id, so the same codes give the same table (and model cache key).

    Raises:
        ValueError: for issue-frame, voice and stance sheets (rules, not trained models) or sheets of different
            units.
    """
    if not sheets:
        raise ValueError("no coded sheets")
    unit = sheets[0].unit
    if any(s.unit != unit for s in sheets):
        raise ValueError("the coded sheets code different kinds of unit")
    if unit not in MODELS_FOR_UNIT:
        what = {"issue": "issue-frame sheets score the cue lexicon", "voice": "voice sheets score the attribution "
                "rules", "stance": "stance sheets score the issue-frame detector's stance rules"}[unit]
        raise ValueError(f"{what}, which is not trained; use them with `framing agreement`. Train with actor or "
                         "generic-frame sheets.")
    long = pd.concat([s.table.assign(_sheet=k) for k, s in enumerate(sheets)], ignore_index=True)
    wide = long.pivot(index="item_id", columns="_sheet", values="code").fillna("")
    labels = consensus(wide.astype(str))
    ties = int(((wide != "").any(axis=1) & (labels == "")).sum())
    labels = labels[labels != ""].sort_index()
    first = long.drop_duplicates("item_id").set_index("item_id").loc[labels.index]
    if unit == "actor":
        out = _unmarked(first)
        out["label"] = labels.to_numpy()
    else:
        from framing.features.frames import FRAMES

        docs = first.assign(label=labels).sort_values(["doc_id", "frame"], kind="stable")
        rows = []
        for doc_id, group in docs.groupby("doc_id", sort=True):
            got = dict(zip(group["frame"], group["label"], strict=True))
            rows.append({"ID": doc_id, "text": str(group["text"].iloc[0]),
                         **{c: (got[c] == "1") if c in got else None for c in FRAMES}})
        out = pd.DataFrame(rows, columns=["ID", "text", *FRAMES])
    out.attrs.update({"unit": unit, "ties": ties, "items": int(len(labels))})
    return out


def models_for(sheets: Sequence[CodedSheet]) -> tuple[str, ...]:
    """The trained models that a set of coded sheets can add training rows to."""
    return MODELS_FOR_UNIT.get(sheets[0].unit, ()) if sheets else ()


def summary(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of an agreement table as JSON-ready records (NaN → None, numbers rounded to 4 places)."""
    records: list[dict[str, Any]] = []
    for rec in frame.to_dict(orient="records"):
        records.append({str(k): (None if isinstance(v, float) and np.isnan(v) else round(v, 4) if isinstance(v, float)
                            else v) for k, v in rec.items()})
    return records
