"""Issue frames: topic-scoped codebooks, the stance of each hit, and the cue fixes found by reading corpus hits."""

import re

import pandas as pd
import pytest

from framing.features import issue_frames
from framing.features.frames import CueSet, headline_case, in_proper_name
from framing.lexicons import LexiconError
from framing.text import lowered

CODEBOOK = issue_frames.IssueCodebook.load()


def _sentences(*texts: str, doc_id: str = "d") -> pd.DataFrame:
    return pd.DataFrame({"doc_id": doc_id, "sent_idx": range(len(texts)), "text": list(texts)})


def _stances(text: str, units: pd.DataFrame | None = None) -> dict[str, str]:
    hits = issue_frames.detect(_sentences(text), units=units)
    return dict(zip(hits["frame"], hits["stance"], strict=True))


# ---------------------------------------------------------------- topic-scoped codebooks

def test_the_venezuela_codebook_is_scoped_to_its_topic():
    assert CODEBOOK.topic == "venezuela"


def test_detect_and_shares_run_only_on_documents_of_the_codebooks_topic():
    sents = pd.concat([_sentences("The US-backed coup failed in Caracas.", doc_id="ven"),
                       _sentences("The coup in Niger toppled the president.", doc_id="niger")])
    tags = pd.DataFrame({"doc_id": ["ven", "niger"], "topic": ["venezuela", "sahel"], "n_cue_hits": [2, 2]})
    hits = issue_frames.detect(sents, doc_topics=tags)
    assert set(hits["doc_id"]) == {"ven"}
    assert set(issue_frames.detect(sents)["doc_id"]) == {"ven", "niger"}  # no tags given: every document
    docs = pd.DataFrame({"doc_id": ["ven", "niger"]})
    shares = issue_frames.document_shares(hits, sents, docs, doc_topics=tags)
    assert set(shares["doc_id"]) == {"ven"} and len(shares) == len(CODEBOOK.frames)


def test_a_codebook_without_topic_runs_on_every_document(tmp_path):
    text = (issue_frames.lexicon_path("frames_venezuela").read_text(encoding="utf-8")
            .replace("topic: venezuela\n", ""))
    path = tmp_path / "own.yaml"
    path.write_text(text, encoding="utf-8")
    own = issue_frames.IssueCodebook.load(path)
    assert own.topic is None and own.rebuttal is not None
    sents = _sentences("The coup in Niger toppled the president.", doc_id="niger")
    tags = pd.DataFrame({"doc_id": ["niger"], "topic": ["sahel"], "n_cue_hits": [2]})
    assert set(issue_frames.detect(sents, codebook=own, doc_topics=tags)["frame"]) == {"coup-regime-change"}


def test_a_topic_topics_yaml_does_not_define_is_a_clear_error(tmp_path):
    text = issue_frames.lexicon_path("frames_venezuela").read_text(encoding="utf-8")
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace("topic: venezuela\n", "topic: atlantis\n"), encoding="utf-8")
    with pytest.raises(LexiconError, match=r"topic 'atlantis' is not in lexicons/topics.yaml"):
        issue_frames.IssueCodebook.load(path)
    path.write_text(text.replace("  scare_quotes: true\n", "  scare_quotes: true\n  typo: 1\n"), encoding="utf-8")
    with pytest.raises(LexiconError, match="'rebuttal' takes 'patterns'"):
        issue_frames.IssueCodebook.load(path)


def test_on_the_seed_corpus_hits_are_only_in_documents_tagged_venezuela(seed_tables):
    tags = seed_tables.doc_topics
    on_topic = set(tags.loc[tags["topic"] == "venezuela", "doc_id"])
    scoped = issue_frames.detect(seed_tables.sentences, doc_topics=tags)
    everything = issue_frames.detect(seed_tables.sentences)
    assert set(scoped["doc_id"]) <= on_topic
    assert 0 < len(scoped) < len(everything)
    off = everything[~everything["doc_id"].isin(on_topic)]
    assert len(off) >= 50  # Gaza, Ukraine and UK-politics articles that the Venezuela frames used to count
    pd.testing.assert_frame_equal(scoped, everything[everything["doc_id"].isin(on_topic)].reset_index(drop=True))


# ---------------------------------------------------------------- stance

@pytest.mark.parametrize(("text", "frame", "stance"), [
    ("The US-backed coup failed.", "coup-regime-change", "used"),
    ("Ten facts that counter the lie of a coup in Venezuela.", "coup-regime-change", "rebutted"),
    ("It was not a coup but a constitutional transfer.", "coup-regime-change", "rebutted"),
    ("There was no coup in Caracas.", "coup-regime-change", "rebutted"),
    ("Europe backs the so-called interim president.", "democratic-transition", "rebutted"),
    ("They repeat the lie that Maduro is illegitimate.", "dictatorship-illegitimacy", "rebutted"),
    ("The US strikes on alleged drug boats go on.", "drugs-narco-state", "rebutted"),
    ("Washington sent its \"humanitarian\" convoy to the border.", "humanitarian-crisis-aid", "rebutted"),
    ("This is Latin America under the beneficence of Trump's 'Monroe Doctrine.'", "sovereignty-anti-imperialism",
     "rebutted"),
    # a denial cue after the frame's cue does not rebut it
    ("The sanctions, contrary to what Washington says, kill thousands.", "economic-war-sanctions", "used"),
    # a long quotation is no scare quote
    ("'The blockade of Venezuela is a crime against its people,' she wrote.", "economic-war-sanctions", "used"),
])
def test_stance_without_attribution_units(text, frame, stance):
    assert _stances(text)[frame] == stance


def test_without_units_no_hit_is_reported(seed_tables):
    hits = issue_frames.detect(seed_tables.sentences, doc_topics=seed_tables.doc_topics)
    assert set(hits["stance"]) <= {"used", "rebutted"} and (hits["stance"] == "rebutted").any()


QUOTE = 'Arreaza said that Washington "is plotting a coup against Venezuela" and that sanctions are illegal.'


def _unit(start: int, end: int, voice: str) -> pd.DataFrame:
    return pd.DataFrame({"doc_id": ["d"], "sent_idx": [0], "char_start": [start], "char_end": [end],
                         "voice": [voice]})


@pytest.mark.parametrize(("span", "voice", "stance"), [
    ((QUOTE.index('"'), QUOTE.index('" and') + 1), "quoted", "reported"),
    ((0, len(QUOTE)), "reported", "reported"),
    ((0, len(QUOTE)), "author", "used"),
    ((0, QUOTE.index("Washington")), "quoted", "used"),  # the unit does not hold the cue
])
def test_a_cue_in_a_quoted_or_reported_unit_is_reported(span, voice, stance):
    assert _stances(QUOTE, _unit(*span, voice))["coup-regime-change"] == stance


def test_reported_needs_every_cue_of_the_hit_in_other_peoples_words():
    text = 'The coup failed, and Guaido called it "an ouster of the usurper".'
    quote = _unit(text.index('"'), len(text), "quoted")
    assert _stances(text, quote)["coup-regime-change"] == "used"  # "coup" is the outlet's own word
    assert _stances('Guaido called it "an ouster of the usurper".', quote.assign(char_start=16))[
        "coup-regime-change"] == "reported"


def test_rebutted_wins_over_reported():
    text = 'Rodriguez said "there was no coup, only a rescue".'
    assert _stances(text, _unit(text.index('"'), len(text), "quoted"))["coup-regime-change"] == "rebutted"


def test_hit_stance_precedence():
    spans = [(10, 14, "coup")]
    assert issue_frames.hit_stance(spans, denials=[(2, 6)], quotes=[], units=[(0, 20)]) == "rebutted"
    assert issue_frames.hit_stance(spans, denials=[], quotes=[(9, 15)], units=[(0, 20)]) == "rebutted"
    assert issue_frames.hit_stance(spans, denials=[(20, 24)], quotes=[], units=[(0, 20)]) == "reported"
    assert issue_frames.hit_stance(spans, denials=[], quotes=[], units=[]) == "used"


def test_document_shares_count_only_used_hits():
    sents = _sentences("The US-backed coup failed.", "Ten facts that counter the lie of a coup.",
                       "Nothing here.", "It was no coup.")
    quoted = _unit(0, 30, "quoted").assign(sent_idx=0)
    hits = issue_frames.detect(sents, units=quoted)
    assert hits.loc[hits["frame"] == "coup-regime-change", "stance"].tolist() == ["reported", "rebutted",
                                                                                  "rebutted"]
    table = issue_frames.document_shares(hits, sents, pd.DataFrame({"doc_id": ["d"]}))
    assert list(table.columns) == list(issue_frames.DOC_COLUMNS)
    shares = table.set_index("frame")
    coup = shares.loc["coup-regime-change"]
    assert (coup["uses_frame"], coup["share_sentences"], coup["n_reported"], coup["n_rebutted"]) == (0, 0.0, 1, 2)
    used = issue_frames.detect(sents)
    coup = issue_frames.document_shares(used, sents, pd.DataFrame({"doc_id": ["d"]})).set_index(
        "frame").loc["coup-regime-change"]
    assert (coup["uses_frame"], coup["share_sentences"], coup["n_reported"], coup["n_rebutted"]) == (1, 0.25, 0, 2)
    assert shares[["uses_frame", "n_reported", "n_rebutted"]].dtypes.eq("int64").all()


def test_detect_and_shares_have_their_columns_when_nothing_matches():
    sents = _sentences("Nothing here.")
    hits = issue_frames.detect(sents)
    assert list(hits.columns) == list(issue_frames.HIT_COLUMNS) and hits.empty
    shares = issue_frames.document_shares(hits, sents, pd.DataFrame({"doc_id": ["d"]}))
    assert shares["uses_frame"].eq(0).all() and shares["n_rebutted"].dtype == "int64"


def test_the_tables_always_carry_the_stance_the_pipeline_declares():
    """The pipeline's FEATURE_COLUMNS declare the stance columns: detect and document_shares always give them."""
    from framing.build.pipeline import FEATURE_COLUMNS

    sents = _sentences("The US-backed coup failed.", "It was no coup.")
    hits = issue_frames.detect(sents)
    assert list(hits.columns) == list(issue_frames.HIT_COLUMNS) == list(FEATURE_COLUMNS["issue_frame_sentences"])[:5]
    assert hits["stance"].tolist() == ["used", "rebutted"]
    shares = issue_frames.document_shares(hits, sents, pd.DataFrame({"doc_id": ["d"]}))
    assert list(shares.columns) == list(issue_frames.DOC_COLUMNS) == list(FEATURE_COLUMNS["issue_frame_docs"])[:6]
    coup = shares.set_index("frame").loc["coup-regime-change"]
    assert (coup["share_sentences"], coup["n_rebutted"]) == (0.5, 1)  # used hits only in the share


def test_scare_quotes_are_the_attribution_rules():
    """A cue in scare quotes is rebutted; a short quote someone speaks ('"coup," he said') is not a scare quote."""
    assert _stances("The 'coup' was a rescue.")["coup-regime-change"] == "rebutted"
    assert _stances('"A coup," he said.')["coup-regime-change"] == "used"


# ---------------------------------------------------------------- cue fixes (each found by reading corpus hits)

@pytest.mark.parametrize(("text", "frame"), [
    # the No Cold War campaign is an organisation, not the rivalry frame
    ("Tricontinental partnered with ALBA Movimientos, the International Peoples' AssemblyNo Cold War, and the "
     "Simón Bolívar Institute.", "great-power-rivalry"),
    ("Activists of No Cold War said Russia was confronting no one.", "great-power-rivalry"),
    ("No Cold War campaigners marched in London.", "great-power-rivalry"),
    # South America is not the US: "Russia ... supports ... South America" is no US-Russia rivalry
    ("Russia unwaveringly supports the efforts to defend peace in South America.", "great-power-rivalry"),
    ("It was supported by Russia as well as almost every Asian, African and South American nation.",
     "great-power-rivalry"),
    # an agency named for drugs is not the drug frame
    ("No report from the Drug Enforcement Administration had identified these groups.", "drugs-narco-state"),
    # a report's title in title case inside a sentence
    ("They produced red alert no. 20, 'The Empire's Dogs Are Barking at Venezuela', on the scenarios.",
     "sovereignty-anti-imperialism"),
])
def test_cues_inside_names_do_not_fire(text, frame):
    assert CODEBOOK.frames[frame].matches(text) == []


@pytest.mark.parametrize(("text", "frame"), [
    ("Washington wants a new cold war with Russia.", "great-power-rivalry"),
    ("The Cold War is back, and America confronts Russia.", "great-power-rivalry"),
    ("Russia warned the Americans against it.", "great-power-rivalry"),
    ("Russia is backing Maduro against America.", "great-power-rivalry"),
    ("Drug traffickers run the country, they say.", "drugs-narco-state"),
    ("US Imposes New Sanctions On Venezuela's Oil Company", "economic-war-sanctions"),  # a title-case headline
])
def test_the_same_cues_still_fire_outside_names(text, frame):
    assert CODEBOOK.frames[frame].matches(text)


# ---------------------------------------------------------------- the cue mechanism

def _cues(*entries: object, guard: bool = True) -> CueSet:
    return CueSet.compile(list(entries), "test", guard=guard)


def _found(cues: CueSet, text: str) -> list[str]:
    return [text[m.start():m.end()] for m in cues.finditer(lowered(text), text)]


@pytest.mark.parametrize(("entries", "text", "found"), [
    (["cold war"], "A new cold war. The Cold War ended. The No Cold War campaign.", ["cold war", "Cold War"]),
    (["cold war"], "THE COLD WAR IS BACK, SAYS EVERY PAPER IN TOWN", ["COLD WAR"]),  # title case: no names
    (["Security Council"], "The UN Security Council met.", ["Security Council"]),  # written with capitals
    ([{"cue": "cold war", "in_names": True}], "The No Cold War campaign.", ["Cold War"]),
    ([{"cue": "cold war", "not_after": ["No"]}], "No Cold War campaigners. No, cold war is here.", ["cold war"]),
    ([{"cue": "reforms?", "not_before": ["UK"]}], "Reform UK wants reforms. A reform UK-wide.", ["reforms"]),
    ([{"cue": "reforms?", "capitalised_is_name": True}], "Reform gains at Reform's expense; reform now.",
     ["Reform", "reform"]),
    ([{"cue": "America\\w*", "not_after": ["South", "Latin"]}], "South American and Latin America; Americans.",
     ["Americans"]),
])
def test_cue_rules(entries, text, found):
    assert _found(_cues(*entries), text) == found


def test_the_name_guard_can_be_switched_off():
    text = "The No Cold War campaign."
    assert _found(_cues("cold war"), text) == [] and _found(_cues("cold war", guard=False), text) == ["Cold War"]


def test_a_cue_mapping_with_an_unknown_key_is_a_clear_error():
    with pytest.raises(LexiconError, match="a cue given as a mapping needs 'cue' and only"):
        _cues({"cue": "coup", "unless": ["No"]})
    with pytest.raises(LexiconError, match="invalid pattern"):
        _cues({"cue": "(coup", "not_after": ["No"]})


@pytest.mark.parametrize(("text", "word", "expected"), [
    ("Activists of No Cold War met.", "Cold War", True),
    ("The Cold War ended.", "Cold War", False),
    ("Nigel Farage's Reform Party won.", "Reform", True),
    ("during America's Cold War years", "Cold War", False),  # a possessive is no name
    ("The cold war ended.", "cold war", False),
])
def test_in_proper_name(text, word, expected):
    start = text.index(word)
    assert in_proper_name(text, start, start + len(word)) is expected


def test_headline_case():
    assert headline_case("Trump's Gaza Ceasefire Plan Was Hilarious From The Start")
    assert not headline_case("The Cold War ended, and Russia and the United States of America made peace.")


def test_the_case_checks_read_the_original_text():
    """Matching runs on the lower-cased text (Caseless twins); only the case checks need the original."""
    text = "Agents of the Drug Enforcement Administration hunt traffickers in Caracas."
    frame = CODEBOOK.frames["drugs-narco-state"]
    assert frame.matches(text) == ["traffickers"]
    assert frame.matches_in(lowered(text), text) == ["traffickers"]
    assert frame.matches_in(lowered(text)) == ["drug", "traffickers"]  # no original: no case to check
    assert [m.group(0) for m in re.finditer(frame.cues, text)] == ["Drug", "traffickers"]  # the bare pattern


@pytest.mark.parametrize("text", ["The so-called interim president Guaido is leading a US-backed coup in Venezuela.",
                                  "Contrary to what Guaido says, this is a coup against the government of Venezuela."])
def test_a_denial_far_from_the_cue_does_not_rebut_it(text):
    assert _stances(text)["coup-regime-change"] == "used"
