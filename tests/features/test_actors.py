import json

import pandas as pd
import pytest

from framing.analysis import validate
from framing.features import actors


def mentions(text):
    s = pd.DataFrame({"doc_id": ["d"], "sent_idx": [0], "text": [text]})
    return actors.find_mentions(s)[["actor", "mention", "char_start", "char_end"]].values.tolist()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Guaidó met Guaido.", [["guaido", "Guaidó", 0, 6], ["guaido", "Guaido", 11, 17]]),  # diacritics
        ("Maduro's government fell.", [["maduro", "Maduro's", 0, 8]]),  # possessive
        ("Vladimir Putin called.", [["putin", "Vladimir Putin", 0, 14]]),  # longest match, no double count
        ("The Kremlin and Moscow agreed.", [["russia-government", "Kremlin", 4, 11], ["russia-government", "Moscow", 16, 22]]),
        ("Washington imposed sanctions.", [["us-government", "Washington", 0, 10]]),
        ("Let us go to the UN.", [["un", "the UN", 13, 19]]),  # "us" is not "US"
        ("Nicolás Maduro and Nicolas Maduro", [["maduro", "Nicolás Maduro", 0, 14], ["maduro", "Nicolas Maduro", 19, 33]]),
        ("Trumpism is not Trump.", [["trump", "Trump", 16, 21]]),  # whole words only
    ],
)
def test_find_mentions(text, expected):
    assert mentions(text) == expected


def test_mentions_on_the_seed_corpus(seed_tables):
    m = actors.find_mentions(seed_tables.sentences)
    counts = m["actor"].value_counts()
    assert counts["maduro"] > 20 and counts["guaido"] > 10 and counts["putin"] > 5
    sents = seed_tables.sentences.set_index(["doc_id", "sent_idx"])["text"]
    for row in m.head(200).itertuples():
        assert sents[(row.doc_id, row.sent_idx)][row.char_start:row.char_end] == row.mention


def test_bad_gold_line_is_named(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"sentence_normalized": "x", "targets": [{"from": 0, "to": 1, "polarity": 4.0}]}\n{"nope": 1}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2: not a NewsMTSC record"):
        actors.load_newsmtsc(bad)


@pytest.mark.slow
def test_accurate_model_meets_the_target_on_devtest_rw(capsys):
    from framing.cli import main

    assert main(["validate", "actors", "--gold", str(validate.NEWSMTSC_DEVTEST_RW)]) == 0
    scores = json.loads(capsys.readouterr().out)
    print(f"accurate macro-F1 {scores['macro_f1']} (target 0.78, GRU-TSC {validate.ANCHORS['gru_tsc_devtest_rw_macro_f1']})")
    assert scores["mode"] == "accurate" and scores["n"] == 1146
    assert scores["macro_f1"] >= 0.78  # the fine-tuned model (the frozen encoder + LR before it: 0.737)
    assert scores["accuracy"] >= 0.78


def test_encoder_groups_targets_of_one_sentence():
    enc = actors.MiniLMEncoder()
    frame = pd.DataFrame({"text": ["Maduro met Putin.", "Maduro met Putin.", "Putin left."],
                          "start": [0, 11, 0], "end": [6, 16, 5]})
    X = enc.encode(frame)
    assert X.shape == (3, enc.dim)
    half = enc.dim // 4  # [sentence L6, target L6, sentence L4, target L4]
    assert (X[0, :half] == X[1, :half]).all()  # same sentence state
    assert not (X[0, half:2 * half] == X[1, half:2 * half]).all()  # different targets


@pytest.mark.slow
def test_fast_model_beats_the_vader_proxy_on_devtest_rw(capsys):
    from framing.cli import main

    assert main(["validate", "actors", "--mode", "fast", "--gold", str(validate.NEWSMTSC_DEVTEST_RW)]) == 0
    scores = json.loads(capsys.readouterr().out)
    proxy = actors.vader_baseline(validate.NEWSMTSC_DEVTEST_RW)
    print(f"fast macro-F1 {scores['macro_f1']} (VADER proxy {proxy['macro_f1']}, GRU-TSC {validate.ANCHORS['gru_tsc_devtest_rw_macro_f1']})")
    assert scores["n"] == 1146
    assert scores["macro_f1"] >= 0.63  # measured 0.649
    assert proxy["macro_f1"] < 0.55  # measured 0.515, FACTS.md 0.512
    assert set(scores["f1_per_class"]) == {"negative", "neutral", "positive"}


def test_vader_reproduces_its_published_nyt_correlation():
    result = validate.validate_sentence_sentiment()
    print(f"VADER NYT r = {result['snippets_pearson_r']} (published {validate.ANCHORS['vader_nyt_r']})")
    assert result["snippets_n"] == 5190
    assert abs(result["snippets_pearson_r"] - 0.492) < 0.03  # measured 0.503
    assert result["articles_r_sentence_mean"] > result["articles_r_whole_text"] + 0.05  # measured 0.630 vs 0.526


@pytest.mark.parametrize("text", ["trade across South America", "Latin America's left", "the Bolivarian Revolution"])
def test_ignore_phrases_are_not_mentions(text):
    assert mentions(text) == []


@pytest.mark.slow
def test_role_classifier_cross_validated_figures():
    scores = validate.validate_roles()
    print(f"roles CV macro-F1 {scores['macro_f1']} per role {scores['f1']}")
    assert scores["n"] == 1418 and scores["n_articles"] == 307
    assert scores["macro_f1"] >= 0.62  # measured 0.682
    assert min(scores["f1"].values()) >= 0.5  # measured hero 0.619, villain 0.681, victim 0.746


def test_roles_on_the_seed_corpus(seed_tables):
    roles = seed_tables.actor_roles
    assert set(roles["role"]) <= {"hero", "villain", "victim"}
    assert roles[["p_hero", "p_villain", "p_victim"]].sum(axis=1).round(4).eq(1).all()
    pairs = set(zip(seed_tables.actor_mentions["doc_id"], seed_tables.actor_mentions["actor"], strict=True))
    copies = set(seed_tables.documents.loc[seed_tables.documents["duplicate_of"].notna(), "doc_id"])
    unique_roles = roles[~roles["doc_id"].isin(copies)]  # roles are per document; mentions keep one copy of a text
    assert set(zip(unique_roles["doc_id"], unique_roles["actor"], strict=True)) == pairs
