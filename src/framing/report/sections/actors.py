"""Actor sections: sentiment toward each actor per outlet, the labels attached to them, roles, and the evidence."""

from __future__ import annotations

import pandas as pd

from framing.analysis import compare
from framing.report import plots
from framing.report.display import Builder
from framing.report.sections.base import section
from framing.report.study import Needs, Study

NB = "03_actors.ipynb"


def _registry_names() -> dict[str, str]:
    from framing.features.actors import ActorRegistry

    return ActorRegistry.load().names


def _portrayal(study: Study, voice: str) -> pd.DataFrame:
    """The outlet × actor matrix of one voice (computed once per study: three sections show it)."""
    return study.cached(f"portrayal:{voice}", lambda: compare.actor_portrayal(
        study.feature("actor_mentions"), study.unique, voice=voice, settings=study.settings.compare))


def _model_words(study: Study) -> str:
    return {"accurate": "accurate target-dependent model (MiniLM fine-tuned with LoRA)",
            "fast": "fast target-dependent model (TF-IDF)"}.get(study.actor_mode, study.actor_mode)


@section("who_speaks", title="Who speaks", notebook=NB, needs=Needs(english=1))
def who_speaks(study: Study, show: Builder) -> None:
    """Share of each outlet's sentences in its own words, in direct quotes and in reported speech."""
    from framing.analysis import sourcing

    units = study.feature("sentence_voice")
    shares = show.save(sourcing.voice_shares(units, study.unique, settings=study.settings.compare), "voice_shares")
    if shares.empty:
        show.note("No English sentence in this selection, so no sentence has a voice.")
        return
    show.figure(plots.prevalence_heatmap(shares.rename(columns={"voice": "speaker voice"}), column="speaker voice",
                                         names=study.names, vmax=1.0, unit="% of a document's sentences",
                                         title="Share of each outlet's sentences in each voice (mean over documents)"),
                "voice_shares_heatmap",
                caption="Author: the outlet's own words. Quoted: direct quotation, or a quoted document (a repost, "
                        "a quoted block). Reported: indirect speech (\"Peskov said Moscow …\", \"according to …\"). "
                        "Cells: mean share of a document's sentences, with 95% intervals over documents.",
                alt="Heatmap of outlets by voice coloured by the share of sentences in that voice.")
    show.table(shares, max_rows=80, caption="Sentences per outlet and voice: n_sentences and share_sentences pool "
                                            "the outlet's sentences; mean and its interval average its documents.")


@section("sources", title="Sources: whom each outlet quotes, reports or reposts", notebook=NB,
         needs=Needs(voice="quoted", english=1))
def sources(study: Study, show: Builder) -> None:
    """The sourcing table: speakers and agencies per outlet, with the share of documents citing each."""
    from framing.analysis import sourcing

    table = show.save(sourcing.sourcing_table(study.feature("sentence_voice"), study.unique,
                                              study.sentence_rows,
                                              confidence_level=study.settings.compare.confidence_level),
                      "sourcing")
    if table.empty:
        show.note("No outlet in this selection quotes, reports or reposts anyone the attribution rules recognise.")
        return
    top = sourcing.top_sources(table, min_docs=study.settings.min_docs)
    if top.empty:
        show.note("Every source cited here is unnamed (a pronoun, a collective or an uncredited repost), so no "
                  "source can be compared across outlets; the table lists them.")
    else:
        show.figure(plots.prevalence_heatmap(top, column="source", names=study.names,
                                             unit="% of the outlet's documents",
                                             title="Sources cited by each outlet: % of its documents"),
                    "sourcing_heatmap",
                    caption="The twelve sources cited in most documents (quoted, reported or reposted), as the "
                            "share of each outlet's unique documents citing them, with Wilson 95% intervals; hatched: "
                            f"fewer than {study.settings.min_docs} documents. Speakers are resolved to the actor and "
                            "outlet registries where they can be; \"(unnamed)\" is a pronoun or a vague collective.",
                    alt="Heatmap of outlets by sources coloured by the share of documents citing the source.")
    show.table(table, max_rows=120, caption="Every outlet × source: documents citing it, their share of the outlet's "
                                            "documents with its Wilson interval, and how (quote · reported · repost); "
                                            "example sentences escaped.")


@section("actor_portrayal", title="Portrayal by outlet", notebook=NB,
         needs=Needs(voice="settings", english=1, mentions=1))
def actor_portrayal(study: Study, show: Builder) -> None:
    """Outlet × actor heatmap of mean sentiment toward the actor (the report's voice)."""
    voice = study.settings.voice
    portrayal = show.save(_portrayal(study, voice), f"actor_portrayal_{voice}")
    show.figure(plots.portrayal_heatmap(portrayal, names=study.names, actor_names=_registry_names(),
                                        title=f"Sentiment toward actors by outlet, {voice} voice only"),
                f"actor_portrayal_heatmap_{voice}",
                caption=f"Mean sentiment toward each actor per outlet ({voice} voice; {_model_words(study)}); cell "
                        f"text: documents (mentions); hatched: fewer than {study.settings.min_docs} documents.",
                alt="Heatmap of outlets by actors coloured by mean sentiment toward the actor.")


@section("actor_table", title="Portrayal table", notebook=NB, needs=Needs(voice="settings", english=1, mentions=1))
def actor_table(study: Study, show: Builder) -> None:
    """Every outlet × actor cell with its interval."""
    portrayal = _portrayal(study, study.settings.voice)
    show.table(portrayal.sort_values(["actor", "outlet"], kind="stable"), max_rows=80,
               caption="Mean sentiment toward each actor per outlet with 95% intervals over documents (ci_method "
                       "says how each was made).")


@section("actor_portrayal_quoted", title="Quoted voice", notebook=NB,
         needs=Needs(voice="quoted", english=1, mentions=1))
def actor_portrayal_quoted(study: Study, show: Builder) -> None:
    """The same matrix for the text outlets quote."""
    quoted = show.save(_portrayal(study, "quoted"), "actor_portrayal_quoted")
    show.figure(plots.portrayal_heatmap(quoted, names=study.names, actor_names=_registry_names(),
                                        title="Sentiment toward actors by outlet, quoted voice only"),
                "actor_portrayal_heatmap_quoted",
                caption=f"Mean sentiment toward each actor in quoted text, per quoting outlet ({_model_words(study)});"
                        " hatched: small n.",
                alt="Heatmap of outlets by actors for quoted text.")


@section("word_choice", title="Word choice", notebook=NB, needs=Needs(voice="settings", english=1, mentions=1))
def word_choice(study: Study, show: Builder) -> None:
    """The labels each outlet attaches to each actor."""
    voice = study.settings.voice
    words = show.save(compare.label_table(study.feature("actor_labels"), study.feature("actor_mentions"),
                                          study.sentence_rows, study.unique,
                                          voice=voice), f"word_choice_{voice}")
    if words.empty:
        show.note("No label of lexicons/labels.yaml (\"regime\", \"self-proclaimed\", …) is attached to an actor in "
                  f"the {voice}-voice text of this selection.")
        return
    show.table(words, max_rows=80, caption="Labels attached to actors, per outlet, with an example sentence (escaped).")


@section("actor_roles", title="Appendix: roles (experimental, out of domain)", notebook="05_frames.ipynb",
         needs=Needs(voice="settings", english=1, mentions=1, accurate=True))
def actor_roles(study: Study, show: Builder) -> None:
    """Hero, villain and victim shares per outlet and actor."""
    voice, s = study.settings.voice, study.settings
    roles = show.save(compare.role_shares(study.feature("actor_roles"), study.selection, voice=voice,
                                          min_docs=s.min_docs), f"actor_roles_{voice}")
    if roles.empty:
        show.note(f"No actor in the {voice}-voice text got a role.")
        return
    top = _portrayal(study, voice).sort_values("n_mentions", ascending=False, kind="stable")["actor"].unique()[:8]
    show.table(roles[roles["actor"].isin(top)].sort_values(["actor", "outlet"], kind="stable"), max_rows=80,
               caption="Share of documents casting each of the most-mentioned actors as hero, villain or victim (most "
                       "probable role per document; every actor in the CSV file).")


@section("actor_evidence", title="Evidence: the sentences behind each cell", notebook=NB,
         needs=Needs(voice="settings", english=1, mentions=1))
def actor_evidence(study: Study, show: Builder) -> None:
    """The most negative and most positive mentions per outlet for the key actors."""
    voice, s = study.settings.voice, study.settings
    mentions = study.mentions(voice)
    counts = mentions["actor"].astype(str).value_counts()
    evidence = show.save(compare.actor_evidence(mentions.drop(columns="outlet"), study.sentence_rows,
                                                study.selection, actors=sorted(counts.index), voice=voice),
                         f"actor_evidence_{voice}")
    chosen = [a for a in (s.key_actors or counts.head(8).index.tolist()) if a in set(evidence["actor"])]
    if not chosen:
        show.note(f"None of key_actors ({', '.join(s.key_actors or [])}) is mentioned in the {voice}-voice text; "
                  f"the most mentioned are {', '.join(counts.head(8).index)}.")
        return
    show.table(evidence[evidence["actor"].isin(chosen)], max_rows=200,
               caption=f"Most negative and most positive mentions per outlet for {', '.join(chosen)} (escaped text; "
                       f"every cell in tables/actor_evidence_{voice}.csv).")
