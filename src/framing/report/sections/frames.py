"""Frame and language sections: generic and issue frames, distinctive terms, topics and conflict vocabulary."""

from __future__ import annotations

import pandas as pd

from framing.analysis import compare
from framing.build.store import texts_for
from framing.handcoding import coding
from framing.report import plots
from framing.report.display import Builder
from framing.report.sections.base import section
from framing.report.study import Needs, Study

NB = "05_frames.ipynb"
CONFLICT = ("war", "violence", "aggression", "weapon", "threat", "weaponry", "hate")
# A sentence is shown as evidence of a generic frame when it carries one of the frame's codebook cues, or when the
# frame model scores it alone at least this high: the model on one short sentence is sure of many that carry no
# frame ("Maybe grill some burgers." scores 0.98 for human interest), so a score alone must be near certain.
EVIDENCE_MIN_PROB = 0.99
CUE_BATCH = 100_000  # sentences whose text is read at once to find a frame's cues in them


def _issue_names() -> dict[str, str]:
    from framing.features.issue_frames import IssueCodebook

    return {slug: frame.name for slug, frame in IssueCodebook.load().frames.items()}


def _no_issue_topic(study: Study, voice: str) -> str | None:
    """The sentence to show when no selected document is about the issue codebook's topic (None: some is)."""
    from framing.features.issue_frames import IssueCodebook
    from framing.features.topics import TopicLexicon

    topic = IssueCodebook.load().topic
    if topic is None:
        return None
    tags = study.feature("doc_topics")
    on_topic = set(tags.loc[tags["topic"].astype(str) == topic, "doc_id"].astype(str))
    if study.docs(voice=voice, english=True)["doc_id"].astype(str).isin(on_topic).any():
        return None
    label = TopicLexicon.load().labels.get(topic, topic)
    return (f"No {voice}-voice document in this selection is tagged {label} (topic {topic!r} of "
            "lexicons/topics.yaml), the subject of the issue-frame codebook, so no issue frame is measured.")


@section("generic_frames", title="Generic frames", notebook=NB, needs=Needs(voice="settings", english=1))
def generic_frames(study: Study, show: Builder) -> None:
    """Share of each outlet's documents that use each generic frame, with Wilson intervals."""
    from framing.features.frames import FRAME_NAMES

    voice = study.settings.voice
    gen = show.save(compare.frame_prevalence(study.feature("doc_frames"), study.selection, value="frame_present",
                                             voice=voice, settings=study.settings.compare), f"generic_frames_{voice}")
    show.figure(plots.prevalence_heatmap(gen, column="frame", names=study.names, column_names=FRAME_NAMES, vmax=1.0,
                                         title=f"Generic frames by outlet, {voice} voice: % of documents"),
                f"generic_frames_heatmap_{voice}",
                caption="Share of documents using each generic frame, with 95% Wilson intervals over documents; "
                        "hatched cells: small n.",
                alt="Heatmap of outlets by generic frames, cells give percent of documents with intervals.")


@section("generic_frame_evidence", title="The sentences that carry each generic frame", notebook=NB,
         needs=Needs(voice="settings", english=1))
def generic_frame_evidence(study: Study, show: Builder) -> None:
    """The sentences behind each frame cell: from documents coded positive, with a cue or a near-certain score."""
    from framing.features.frames import GenericCodebook

    voice = study.settings.voice
    doc_frames = study.feature("doc_frames")
    positive = doc_frames.loc[doc_frames["frame_present"].astype(bool), ["doc_id", "frame"]]
    scores = study.feature("sentence_frames").merge(positive, on=["doc_id", "frame"])
    codebook = GenericCodebook.load()
    cues: list[str] = []
    for start in range(0, len(scores), CUE_BATCH):  # the text of a batch of sentences at a time, not the corpus's
        batch = scores.iloc[start:start + CUE_BATCH]
        texts = texts_for(study.sentence_rows, batch).fillna("").astype(str)
        cues += [", ".join(codebook.cues_in(t, str(f))) for t, f in zip(texts, batch["frame"], strict=True)]
    scores = scores.assign(cues=cues)
    ev = compare.frame_evidence(scores, study.sentence_rows, study.selection, score="frame_prob", voice=voice, k=2,
                                doc_frames=doc_frames, present="frame_present", cues="cues",
                                min_score=EVIDENCE_MIN_PROB)
    _show_evidence(show, ev, f"generic_frames_evidence_{voice}",
                   empty=f"No {voice}-voice document uses a generic frame, so no sentence carries one.",
                   caption="Sentences that carry each generic frame, from the documents its cell counts: a sentence "
                           "is shown when it carries one of the frame's codebook cues (listed; these come first) or "
                           f"when the frame model scores it alone at {EVIDENCE_MIN_PROB} or more (score: the frame "
                           "model on the sentence alone; escaped text).")


def _show_evidence(show: Builder, evidence: pd.DataFrame, name: str, *, empty: str, caption: str) -> None:
    """Write a frame-evidence table, and show its main columns, or say why it is empty."""
    show.save(evidence, name)
    if evidence.empty:
        show.note(empty)
        return
    show.table(evidence[["frame", "outlet", "score", "cues", "title", "sentence", "n_copies"]], max_rows=120,
               caption=caption)


def _issue(study: Study, voice: str, value: str) -> pd.DataFrame:
    shares = study.feature("issue_frame_docs")
    if voice == "quoted" and value == "uses_frame" and "n_reported" in shares.columns:
        # every hit in a quoted block is in someone else's words (reported): the quoted text carries the frame
        # when it uses or reports it, not when it rebuts it
        shares = shares.assign(uses_frame=((shares["uses_frame"] == 1) | (shares["n_reported"] > 0)).astype("int64"))
    return compare.frame_prevalence(shares, study.selection, value=value, voice=voice,
                                    settings=study.settings.compare)


@section("issue_frames", title="Issue frames", notebook=NB, needs=Needs(voice="settings", english=1))
def issue_frames(study: Study, show: Builder) -> None:
    """Share of on-topic documents that use each frame of the study's codebook; reported and rebutted hits beside."""
    voice = study.settings.voice
    iss = show.save(_issue(study, voice, "uses_frame"), f"issue_frames_{voice}")
    show.save(_issue(study, voice, "share_sentences"), f"issue_frames_sentences_{voice}")
    missing = _no_issue_topic(study, voice)
    if missing is not None:
        show.note(missing)
        return
    show.figure(plots.prevalence_heatmap(iss, column="frame", names=study.names, column_names=_issue_names(),
                                         vmax=1.0, title=f"Issue frames by outlet, {voice} voice: % of documents"),
                f"issue_frames_heatmap_{voice}",
                caption="Share of the outlet's documents on the codebook's topic that use each issue frame (a "
                        "sentence uses it in the outlet's own voice, neither reported nor rebutted), with 95% Wilson "
                        "intervals over documents; hatched: small n. The mean share of sentences per document is in "
                        f"tables/issue_frames_sentences_{voice}.csv.",
                alt="Heatmap of outlets by issue frames.")
    stances = compare.issue_frame_stances(study.feature("issue_frame_docs"), study.feature("issue_frame_sentences"),
                                          study.selection, voice=voice, settings=study.settings.compare)
    show.save(stances, f"issue_frame_stances_{voice}")
    names = _issue_names()
    shown = stances.assign(outlet=stances["outlet"].map(lambda o: study.names.get(str(o), str(o))),
                           frame=stances["frame"].map(lambda f: names.get(str(f), str(f))))
    show.table(shown[["outlet", "frame", "n_docs", "n_docs_used", "share_used", "ci_low", "ci_high", "n_used",
                      "n_reported", "n_rebutted"]].round({"share_used": 3, "ci_low": 3, "ci_high": 3}),
               max_rows=200,
               caption="Issue-frame hits per outlet and frame: sentences that use the frame (the outlet's framing), "
                       "that report it (its cues in quoted or reported speech) and that rebut it (after a denial "
                       "cue such as 'the lie that' or 'so-called', or in scare quotes); n_docs_used of the outlet's "
                       "n_docs documents on the codebook's topic use it (share with its 95% Wilson interval).")


@section("issue_frames_quoted", title="Issue frames in quoted text", notebook=NB,
         needs=Needs(voice="quoted", english=1))
def issue_frames_quoted(study: Study, show: Builder) -> None:
    """The issue-frame matrix for quoted blocks, per quoting outlet."""
    quoted = show.save(_issue(study, "quoted", "uses_frame"), "issue_frames_quoted")
    missing = _no_issue_topic(study, "quoted")
    if missing is not None:
        show.note(missing)
        return
    show.figure(plots.prevalence_heatmap(quoted, column="frame", names=study.names, column_names=_issue_names(),
                                         vmax=1.0,
                                         title="Issue frames in quoted text, by quoting outlet: % of quoted blocks"),
                "issue_frames_heatmap_quoted",
                caption="Share of quoted blocks using each issue frame (in the quoted words; a rebutted frame does "
                        "not count), per quoting outlet, with 95% Wilson intervals.",
                alt="Heatmap of outlets by issue frames for quoted text.")


@section("issue_frame_evidence", title="Evidence and a precision check", notebook=NB,
         needs=Needs(voice="settings", english=1))
def issue_frame_evidence(study: Study, show: Builder) -> None:
    """Sentences behind each issue-frame cell, and the blind hand-coding sheet."""
    s = study.settings
    hits = study.feature("issue_frame_sentences")
    if "stance" in hits.columns:  # the cells count used hits: reported and rebutted ones are no evidence of them
        hits = hits[hits["stance"].astype(str) == "used"].drop(columns="stance")
    hits = hits.assign(n_cues=[len([c for c in str(cues).split(";") if c.strip()]) for cues in hits["cues"]])
    ev = compare.frame_evidence(hits, study.sentence_rows, study.selection, score="n_cues", voice=s.voice, k=2,
                                doc_frames=study.feature("issue_frame_docs"), present="uses_frame")
    sheet = coding.draw_sample(study.selected_tables(), settings=coding.SampleSettings(
        unit="issue", per_stratum=max(s.coding_per_frame, 1), seed=s.seed))
    show.outputs.coding_sheet(sheet, "coding_sheet_issue_frames", unit="issue")
    show.shown.tables.append("coding_sheet_issue_frames")
    _show_evidence(show, ev, f"issue_frames_evidence_{s.voice}",
                   empty=f"No {s.voice}-voice sentence matches an issue-frame cue of the codebook.",
                   caption="Sentences behind each issue-frame cell, with the cues that matched (score: how many) "
                           "(escaped text).")


@section("distinctive_terms", title="Distinctive terms", notebook=NB, needs=Needs(voice="settings", outlets=2,
                                                                                 english=2))
def distinctive_terms(study: Study, show: Builder) -> None:
    """Log-odds z-scores of each outlet's words against all others, FDR-marked."""
    from framing.features import keyness

    s = study.settings
    docs = study.with_text(study.docs(voice=s.voice, english=True))
    key = keyness.outlet_keyness(docs, alpha0=s.keyness_alpha0)
    show.save(key[key["z"] > 0].groupby("outlet").head(40), f"keyness_{s.voice}")
    if key.empty:
        show.note("No word is shared widely enough to score: the English documents of at least two outlets need "
                  "words (not stop words) that appear in two documents or more.")
        return
    n_docs = docs.groupby("outlet").size()
    big = plots.outlet_order([o for o in n_docs.index if n_docs[o] >= s.min_docs])
    for outlet in big:
        name = study.names.get(outlet, outlet)
        show.figure(plots.keyness_bars(key, outlet, name=name), f"keyness_{outlet}",
                    caption=f"Terms most distinctive of {name} against all other outlets (z-scores; filled: FDR "
                            "q < 0.05).",
                    alt=f"Bar chart of distinctive terms for {name}.")
    if not big:
        show.text(f"No outlet has {s.min_docs} documents (`min_docs`), so no outlet gets a figure; the table has "
                  "every term.")
    distinct = key[key["distinctive"]]
    show.table(distinct[["outlet", "term", "count", "count_rest", "log_odds_ratio", "z", "q_value"]],
               caption="Terms that survive FDR control (q < 0.05), per outlet."
               if len(distinct) else "No term survives FDR control (q < 0.05).")


@section("topics", title="Topics", notebook=NB, needs=Needs(english=10))
def topics(study: Study, show: Builder) -> None:
    """Seeded NMF topics of the unique documents, and each outlet's mean share of each."""
    from framing.features import topics as topic_model

    s = study.settings
    docs = study.with_text(study.docs(english=True))
    k = s.topics_for(len(docs))
    shares, terms = topic_model.fit_topics(docs, n_topics=k, seed=s.seed)
    show.save(terms, "topic_terms")
    show.save(shares, "doc_topic_shares")
    if terms.empty:
        show.note("No topic could be fitted: too few words are shared by two documents or more.")
        return
    top = terms.groupby("topic")["term"].apply(lambda t: ", ".join(t.head(8))).rename("top terms").reset_index()
    show.table(top, caption=f"Top terms of each of {top['topic'].nunique()} NMF topics"
                            + ("" if s.n_topics else f" (n_topics: null, so about √(documents / 2) for "
                                                     f"{len(docs)} documents)") + ".")
    by_outlet = show.save(compare.topic_shares_by_outlet(shares, study.selection, settings=s.compare),
                          "topic_shares_by_outlet")
    show.figure(plots.prevalence_heatmap(by_outlet, column="topic", names=study.names,
                                         column_names={t: f"topic {t}" for t in top["topic"]},
                                         title="Mean topic share of each outlet's documents", unit="mean topic share"),
                "topic_shares_heatmap",
                caption="Mean NMF topic share per outlet with 95% intervals over documents; hatched: small n.",
                alt="Heatmap of outlets by topics.")


@section("conflict_vocabulary", title="Conflict vocabulary", notebook=NB, needs=Needs(voice="settings", english=1))
def conflict_vocabulary(study: Study, show: Builder) -> None:
    """Rates per 1,000 words of conflict categories of Empath and the Grievance Dictionary."""
    voice = study.settings.voice
    rates = show.save(compare.lexicon_rates(study.feature("doc_lexcats"), study.selection, voice=voice,
                                            settings=study.settings.compare), f"lexicon_rates_{voice}")
    chosen = [c for c in rates["category"].unique() if str(c).split(": ")[-1] in CONFLICT]
    if not chosen:
        show.note("No conflict category (war, violence, aggression, weapon, threat, hate) was counted in this text.")
        return
    show.figure(plots.prevalence_heatmap(rates[rates["category"].isin(chosen)], column="category", names=study.names,
                                         percent=False, title=f"Conflict vocabulary per 1,000 words, {voice} voice"),
                f"lexicon_rates_heatmap_{voice}",
                caption="Mean rate per 1,000 words per outlet, with 95% intervals over documents; hatched: small n.",
                alt="Heatmap of outlets by conflict-vocabulary categories.")
