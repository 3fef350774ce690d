import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framing.features import frames, issue_frames, keyness, lexcats, topics
from framing.lexicons import LexiconError

CODEBOOK = issue_frames.IssueCodebook.load()


# ---------------------------------------------------------------- issue-frame codebook

@pytest.mark.parametrize(
    ("slug", "sentence"),
    [(slug, s) for slug, f in CODEBOOK.frames.items() for s in f.positive_examples],
)
def test_codebook_positive_examples_match(slug, sentence):
    assert CODEBOOK.frames[slug].matches(sentence), f"{slug} misses its own example: {sentence}"


@pytest.mark.parametrize(
    ("slug", "sentence"),
    [(slug, s) for slug, f in CODEBOOK.frames.items() for s in f.negative_examples],
)
def test_codebook_negative_examples_do_not_match(slug, sentence):
    assert CODEBOOK.frames[slug].matches(sentence) == []


def test_codebook_has_every_study_frame():
    assert len(CODEBOOK.frames) == 11
    for f in CODEBOOK.frames.values():
        assert f.definition and f.inclusion and f.exclusion and f.positive_examples


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("frames:\n  coup:\n    name: Coup\n    cues: [coup\n", r"line \d+, column \d+: invalid YAML"),
        ("frames:\n  coup:\n    name: A\n    name: B\n", r"line 4, column 5: invalid YAML: duplicate key 'name' \(first on line 3\)"),
        ("frames:\n  coup:\n    name: Coup\n", r"frame 'coup': missing \['definition'"),
        ("frames:\n  coup:\n    name: C\n    definition: d\n    inclusion: i\n    exclusion: e\n    cues: ['(unclosed']\n"
         "    examples: {positive: [x]}\n", r"frame 'coup' cues: invalid pattern"),
    ],
)
def test_bad_codebook_is_a_clear_error(tmp_path, text, message):
    path = tmp_path / "frames.yaml"
    path.write_text(text)
    with pytest.raises(LexiconError, match=message):
        issue_frames.IssueCodebook.load(path)


def test_load_yaml_keeps_parses_but_not_changes(tmp_path):
    """Parses are reused by text: an edited file is read again, and a caller's changes stay its own."""
    from framing.lexicons import load_yaml

    path = tmp_path / "lex.yaml"
    path.write_text("words: [a, b]\n")
    first = load_yaml(path)
    first["words"].append("mutated")
    assert load_yaml(path) == {"words": ["a", "b"]}
    path.write_text("words: [c]\n")
    assert load_yaml(path) == {"words": ["c"]}
    path.write_text("words: [c]\nwords: [d]\n")
    with pytest.raises(LexiconError, match="duplicate key 'words'"):
        load_yaml(path)


def test_detect_and_document_shares():
    sents = pd.DataFrame({"doc_id": ["a", "a", "b"], "sent_idx": [0, 1, 0],
                          "text": ["The US-backed coup failed.", "Oil prices rose.", "Nothing here."]})
    found = issue_frames.detect(sents)
    assert set(zip(found["doc_id"], found["frame"], strict=True)) == {("a", "coup-regime-change"), ("a", "oil-resources")}
    docs = pd.DataFrame({"doc_id": ["a", "b"]})
    shares = issue_frames.document_shares(found, sents, docs).set_index(["doc_id", "frame"])
    assert shares.loc[("a", "coup-regime-change"), "share_sentences"] == 0.5
    assert shares.loc[("b", "coup-regime-change"), "uses_frame"] == 0


def test_detect_skips_only_sentences_no_frame_uses(seed_tables):
    from framing.synthetic import vader_sentences

    examples = [x for f in CODEBOOK.frames.values() for x in (*f.positive_examples, *f.negative_examples)]
    texts = seed_tables.sentences["text"].tolist() + examples + vader_sentences(3000, seed=4)
    sents = pd.DataFrame({"doc_id": "d", "sent_idx": range(len(texts)), "text": texts})
    slow = [(i, slug, "; ".join(found)) for i, t in enumerate(texts) for slug, f in CODEBOOK.frames.items()
            if (found := f.matches(t))]
    fast = issue_frames.detect(sents)
    assert list(zip(fast["sent_idx"], fast["frame"], fast["cues"], strict=True)) == slow
    assert len(slow) > 200 and len({i for i, *_ in slow}) < len(texts) / 2  # the skip is taken, and matters


def test_detect_does_not_join_patterns_with_groups():
    import re

    frame = CODEBOOK.frames["coup-regime-change"]
    echo = issue_frames.IssueFrame(slug="echo", name="echo", definition="", inclusion="", exclusion="",
                                   cues=re.compile(r"(ha)\1"), exclude=None, cooccur=(),
                                   positive_examples=(), negative_examples=())
    other = issue_frames.IssueFrame(slug="other", name="other", definition="", inclusion="", exclusion="",
                                    cues=re.compile(r"(x)y"), exclude=None, cooccur=(),
                                    positive_examples=(), negative_examples=())
    codebook = issue_frames.IssueCodebook({"other": other, "echo": echo, frame.slug: frame}, 1)
    sents = pd.DataFrame({"doc_id": ["d"], "sent_idx": [0], "text": ["haha he laughed"]})
    assert issue_frames.detect(sents, codebook=codebook)["frame"].tolist() == ["echo"]


def test_the_report_coding_sheet_is_the_one_round_trip(seed_tables, tmp_path):
    """The report's issue-frame sheet is coding.draw_sample's: `framing agreement` reads it back, each sentence once."""
    from framing.handcoding import coding

    settings = coding.SampleSettings(unit="issue", per_stratum=4, seed=1)
    sheet = coding.draw_sample(seed_tables, settings=settings)
    pd.testing.assert_frame_equal(sheet, coding.draw_sample(seed_tables, settings=settings))  # seeded
    assert coding.unit_of(sheet) == "issue" and sheet["code"].eq("").all()
    assert not sheet.duplicated(["doc_id", "sent_idx"]).any()  # a sentence is coded once, for one frame
    assert not sheet["sentence"].str.casefold().duplicated().any()
    copies = set(seed_tables.documents.loc[seed_tables.documents["duplicate_of"].notna(), "doc_id"])
    assert not set(sheet["doc_id"]) & copies
    path = tmp_path / "sheet.csv"
    coding.write_sheet(sheet, path, unit="issue")
    flagged = np.array([bool(CODEBOOK.frames[f].matches(s)) for f, s in zip(sheet["frame"], sheet["sentence"],
                                                                            strict=True)])
    assert flagged.any() and not flagged.all()  # flagged and unflagged sentences, for precision and recall
    coded = tmp_path / "coded.csv"
    sheet.assign(code=flagged.astype(int).astype(str), coder="one").to_csv(coded, index=False)
    sheets = coding.read_coded([coded], sample=path)
    scores = coding.agreement(sheets, automatic=coding.automatic_codes(sheets[0].table))
    everything = scores[(scores["scope"] == "all") & (scores["comparison"] == "consensus vs cues")].iloc[0]
    assert everything["precision"] == 1.0 and everything["recall"] == 1.0


# ---------------------------------------------------------------- keyness

def test_fightin_words_matches_a_hand_computed_example():
    counts = pd.DataFrame([[8, 2, 0], [2, 8, 10]], index=["a", "b"], columns=["war", "peace", "oil"])
    out = keyness.fightin_words(counts, alpha0=3.0).set_index(["group", "term"])
    # by hand for group a, term "war": pooled 10 of 30 words -> alpha_w = 3 * 10/30 = 1
    ya, yb, na, nb, a0, aw = 8, 2, 10, 20, 3.0, 1.0
    delta = math.log((ya + aw) / (na + a0 - ya - aw)) - math.log((yb + aw) / (nb + a0 - yb - aw))
    z = delta / math.sqrt(1 / (ya + aw) + 1 / (yb + aw))
    assert out.loc[("a", "war"), "log_odds_ratio"] == pytest.approx(delta)
    assert out.loc[("a", "war"), "z"] == pytest.approx(z)
    assert out.loc[("b", "war"), "z"] == pytest.approx(-z)  # two groups: b vs rest is the mirror image
    assert (out["q_value"] >= out["p_value"]).all()


def test_outlet_keyness_counts_duplicates_once():
    docs = pd.DataFrame({
        "doc_id": ["1", "2", "3", "4"], "outlet": ["x", "x", "y", "y"],
        "text": ["sanctions sanctions blockade", "sanctions sanctions blockade", "peace talks peace", "peace talks"],
        "duplicate_of": [None, "1", None, None],
    })
    out = keyness.outlet_keyness(docs, min_df=1)
    assert out.loc[(out["outlet"] == "x") & (out["term"] == "sanctions"), "count"].item() == 2


# ---------------------------------------------------------------- topics and lexicon categories

def test_topics_are_reproducible(seed_tables):
    a = topics.fit_topics(seed_tables.documents, n_topics=5, seed=3)
    b = topics.fit_topics(seed_tables.documents, n_topics=5, seed=3)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    shares = a[0].groupby("doc_id")["topic_share"].sum()
    assert ((shares - 1).abs() < 1e-5).mean() > 0.9  # documents with any weight sum to one


def test_lexicon_rates_count_stems_and_words():
    docs = pd.DataFrame({"doc_id": ["d"], "text": ["Artillery and ammunition; the soldiers attacked. War."]})
    r = lexcats.category_rates(docs).set_index(["lexicon", "category"])
    assert r.loc[("grievance", "weaponry"), "n_hits"] >= 2  # artilleri, ammunit
    assert r.loc[("empath", "war"), "n_hits"] >= 1
    assert r["rate_per_1000_words"].ge(0).all()


def _category_rates_by_definition(documents, lexicons):
    """Every category's terms and phrases counted one by one (what category_rates must equal)."""
    from collections import Counter

    from framing.text import tokens

    rows = []
    for doc_id, text in documents[["doc_id", "text"]].itertuples(index=False):
        words = tokens(str(text))
        stems = lexcats.stem_words(words)
        joined = " " + " ".join(stems) + " "
        for lex in lexicons:
            counts = Counter(stems if lex.stemmed else words)
            for cat, terms in lex.terms.items():
                hits = sum(c for w, c in counts.items() if w in terms)
                hits += sum(joined.count(" " + " ".join(p) + " ") for p in lex.phrases.get(cat, ()))
                rows.append((doc_id, lex.name, cat, hits, round(1000 * hits / max(1, len(words)), 4)))
    return pd.DataFrame(rows, columns=["doc_id", "lexicon", "category", "n_hits", "rate_per_1000_words"])


def test_lexicon_rates_equal_counting_each_category_by_definition(seed_tables):
    from framing.synthetic import documents

    lexicons = (lexcats.empath(), lexcats.grievance(), _OVERLAP)
    texts = ([d["text"] for d in documents(400, seed=9)] + seed_tables.documents["text"].tolist()
             + ["Fight back, fight back hard. Innocent people, innocent people. Act of terror! Act of terror.",
                "War war war, no war no war no: civil war.", ""])
    docs = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": texts})
    got = lexcats.category_rates(docs, lexicons)
    pd.testing.assert_frame_equal(got, _category_rates_by_definition(docs, lexicons))
    # "war" six times; "war war" and "no war no" once each (str.count does not overlap), "civil war" once
    assert got.loc[got["lexicon"] == "overlap", "n_hits"].iloc[-2] == 6 + 1 + 1 + 1
    assert got.loc[got["lexicon"] == "overlap", "n_hits"].iloc[-3] == 1 + 1  # "fight back" x2, adjacent: 1 (twice)


_OVERLAP = lexcats.CategoryLexicon(
    "overlap", {"x": frozenset({"war"})},
    {"x": (("war", "war"), ("no", "war", "no"), ("civil", "war"), ("fight", "back"), ("fight", "back"))},
    stemmed=True)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(["war", "no", "civil", "fight", "back", "war.", "back,", "x"]), max_size=30))
def test_lexicon_phrase_counts_equal_str_count_on_generated_word_runs(words):
    docs = pd.DataFrame({"doc_id": ["d"], "text": [" ".join(words)]})
    pd.testing.assert_frame_equal(lexcats.category_rates(docs, (_OVERLAP,)),
                                  _category_rates_by_definition(docs, (_OVERLAP,)))


# ---------------------------------------------------------------- generic frames

def test_gold_reader_is_lenient_and_counts_what_it_drops(tmp_path):
    path = tmp_path / "gold.tsv"
    path.write_text("ID\ttext\tRE\tHI\tCO\tMO\tEC\n1\tSome text.\tTrue\tFalse\tTrue\tFalse\tFalse)\n"
                    "2\tMore text.\t\tFalse\tTrue\tFalse\tFalse\n")
    gold = frames.load_frames_gold(path)
    assert len(gold) == 1 and gold.attrs["dropped"] == 1 and gold["EC"].tolist() == [False]
    bad = tmp_path / "bad.tsv"
    bad.write_text("ID\ttext\n1\tx\n")
    with pytest.raises(ValueError, match="missing columns"):
        frames.load_frames_gold(bad)


GENERIC = frames.GenericCodebook.load()


@pytest.mark.parametrize("sentence", [
    "Nigel Farage's Reform Party won the seat.",
    "Former Reform UK in Wales leader Nathan Gill was sentenced.",
    "Reform UK leads the polls.",
    "Reform party members met in Kent.",
    "The Green Party has significantly increased its presence, at Reform's expense.",
    "It looks like Reform are struggling to hold on to the lead.",
])
def test_the_reform_party_is_no_reform(sentence):
    assert GENERIC.cues_in(sentence, "RE") == []
    assert GENERIC.hit_counts([sentence])[0, GENERIC.question_ids.index("RE1")] == 0


@pytest.mark.parametrize(("sentence", "cue"), [
    ("Reforms are needed before the vote.", "reforms"),
    ("The reform's cost is high.", "reform"),
    ("They want a Green New Deal.", "deal"),  # cues count inside names in this codebook (its in_names: true)
    ("Pope Francis issued an encyclical.", "pope"),
])
def test_generic_cues_still_fire(sentence, cue):
    assert any(cue in GENERIC.cues_in(sentence, code) for code in frames.FRAMES)


def test_generic_cue_counts_are_the_patterns_matches_less_the_voided_ones():
    text = ["Reform UK promised reforms, a deal and the Green New Deal.", "Pope Francis met the pope."]
    counts = GENERIC.hit_counts(text)
    raw = np.array([[len(GENERIC.patterns[q].findall(t)) for q in GENERIC.question_ids] for t in text])
    re1 = GENERIC.question_ids.index("RE1")
    assert counts[0, re1] == raw[0, re1] - 1 == 3  # "Reform" of Reform UK is voided, both deals count
    assert np.array_equal(np.delete(counts, re1, axis=1), np.delete(raw, re1, axis=1))


def _scores(rows: list[tuple[str, int, str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["doc_id", "sent_idx", "frame", "frame_prob", "cues"])


def test_frame_evidence_needs_a_cue_or_a_near_certain_score():
    from framing.analysis import compare

    scores = _scores([("a", 0, "HI", 0.98, ""), ("a", 1, "HI", 0.70, "starving"), ("a", 2, "HI", 0.995, ""),
                      ("b", 0, "HI", 0.99, ""), ("c", 0, "HI", 0.999, "children")])
    texts = ["Maybe grill some burgers.", "The people are starving.", "Millions rose out of poverty.",
             "A sentence.", "Children wept."]
    sentences = scores[["doc_id", "sent_idx"]].assign(text=texts)
    documents = pd.DataFrame({"doc_id": ["a", "b", "c"], "outlet": ["x", "x", "y"], "voice": "author",
                              "duplicate_of": None, "published_date": None, "title": "t"})
    doc_frames = pd.DataFrame({"doc_id": ["a", "b", "c"], "frame": "HI", "frame_present": [True, True, False]})
    ev = compare.frame_evidence(scores, sentences, documents, score="frame_prob", k=3, doc_frames=doc_frames,
                                cues="cues", min_score=0.99)
    # the cue first, then near-certain scores; not the burgers (0.98, no cue), not document c (coded negative)
    assert ev["sentence"].tolist() == ["The people are starving.", "Millions rose out of poverty.", "A sentence."]
    assert list(ev.columns) == [*compare.FRAME_EVIDENCE_COLUMNS, "cues"]
    only_cues = compare.frame_evidence(scores, sentences, documents, score="frame_prob", k=3,
                                       doc_frames=doc_frames, cues="cues")
    assert only_cues["sentence"].tolist() == ["The people are starving."]
    by_score = compare.frame_evidence(scores, sentences, documents, score="frame_prob", k=1, doc_frames=doc_frames)
    assert by_score["sentence"].tolist() == ["Millions rose out of poverty."]


@pytest.mark.slow
def test_generic_frames_meet_the_targets(capsys):
    from framing.cli import main

    assert main(["validate", "frames"]) == 0
    scores = json.loads(capsys.readouterr().out)
    f1 = {k: v["f1"] for k, v in scores["per_frame"].items()}
    print(f"generic frames nested-CV macro-F1 {scores['macro_f1']} per frame {f1}")
    assert scores["n"] == 306
    assert scores["macro_f1"] >= 0.60  # measured 0.635
    assert min(f1.values()) >= 0.40  # measured HI 0.419


@pytest.mark.slow
def test_validate_frames_scores_another_file(tmp_path, capsys):
    from framing.cli import main

    sample = pd.read_csv(frames.ARTICLES_DEV, sep="\t", dtype=str, keep_default_na=False).iloc[:40]
    path = tmp_path / "held_out.tsv"
    sample.to_csv(path, sep="\t", index=False)
    assert main(["validate", "frames", "--gold", str(path)]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["n"] == 40 and set(scores["per_frame"]) == set(frames.FRAMES)


def test_seed_corpus_frames(seed_tables):
    assert set(seed_tables.doc_frames["frame"]) == set(frames.FRAMES)
    assert seed_tables.doc_frames["frame_prob"].between(0, 1).all()
    copies = seed_tables.documents.loc[seed_tables.documents["duplicate_of"].notna(), "doc_id"]
    unique_sentences = seed_tables.sentences[~seed_tables.sentences["doc_id"].isin(copies)]
    assert len(seed_tables.sentence_frames) == 5 * len(unique_sentences)  # one copy of each text
    used = set(seed_tables.issue_frame_sentences["frame"])
    assert {"coup-regime-change", "sovereignty-anti-imperialism", "military-intervention"} <= used


def test_cli_sample_and_agreement_round_trip(tmp_path, capsys):
    from framing.cli import main

    sheet_path = tmp_path / "sheet.csv"
    assert main(["-q", "sample", "--out", str(sheet_path), "--per-frame", "3", "--actor-mode", "fast"]) == 0
    sheet = pd.read_csv(sheet_path, dtype=str, keep_default_na=False)
    coded = sheet.assign(code=[int(bool(CODEBOOK.frames[f].matches(s)))
                               for f, s in zip(sheet["frame"], sheet["sentence"], strict=True)])
    coded.to_csv(tmp_path / "coder1.csv", index=False)
    capsys.readouterr()
    assert main(["agreement", str(tmp_path / "coder1.csv"), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores and all(s["precision"] in (1.0, None) for s in scores)
    assert main(["agreement", str(tmp_path / "missing.csv")]) == 2


# ---------------------------------------------------------------- fast mode: no MiniLM

def test_validate_fast_frames_beside_the_accurate_figure(capsys):
    from framing.cli import main

    assert main(["validate", "frames", "--mode", "fast"]) == 0
    scores = json.loads(capsys.readouterr().out)
    f1 = {k: v["f1"] for k, v in scores["per_frame"].items()}
    print(f"fast generic frames nested-CV macro-F1 {scores['macro_f1']} (accurate {scores['accurate_macro_f1']}) "
          f"per frame {f1}")
    assert scores["mode"] == "fast" and scores["n"] == 306 and scores["folds"] == 5
    assert scores["macro_f1"] >= 0.42  # the TF-IDF baseline in FACTS.md; measured 0.58
    assert scores["accurate_macro_f1"] is not None


def test_fast_frames_never_load_minilm(seed_tables, monkeypatch):
    from framing.features import actors

    def refuse(*args, **kwargs):
        raise AssertionError("fast mode must not load MiniLM")

    monkeypatch.setattr(actors, "MiniLMEncoder", refuse)
    monkeypatch.setattr(actors, "_load_minilm", refuse)
    docs, sents = frames.score_documents(seed_tables.documents, seed_tables.sentences, mode="fast")
    assert set(docs["frame"]) == set(frames.FRAMES) and docs["frame_prob"].between(0, 1).all()
    assert len(sents) == 5 * len(seed_tables.sentences)
    # the per-document cue features summed from sentence hits are the codebook's own document features
    model = frames.fast_generic_model()
    ordered = seed_tables.sentences.sort_values(["doc_id", "sent_idx"])
    one = ordered[ordered["doc_id"] == ordered["doc_id"].iloc[0]]
    expected = model.predict_proba(model.features([one["text"].tolist()]))
    got = docs[docs["doc_id"] == one["doc_id"].iloc[0]].set_index("frame")["frame_prob"]
    assert np.allclose([got[c] for c in frames.FRAMES], expected.iloc[0].round(6).to_numpy(), atol=1e-6)
