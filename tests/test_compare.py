import numpy as np
import pandas as pd

from framing.analysis.compare import bootstrap_mean_ci, extreme_sentences, group_summary
from framing.config import CompareSettings


def docs(n_a=20, n_b=3):
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "outlet": ["a"] * n_a + ["b"] * n_b,
        "value": np.r_[rng.normal(-0.3, 0.2, n_a), rng.normal(0.2, 0.2, n_b)],
    })


def test_group_summary_is_deterministic_and_marks_small_n():
    s1 = group_summary(docs(), "value")
    s2 = group_summary(docs(), "value")
    pd.testing.assert_frame_equal(s1, s2)
    assert s1["small_n"].tolist() == [False, True]
    a = s1.iloc[0]
    assert a["ci_low"] < a["mean"] < a["ci_high"]


def test_group_ci_does_not_depend_on_other_groups():
    with_b = group_summary(docs(), "value").set_index("outlet").loc["a"]
    without = group_summary(docs()[lambda d: d.outlet == "a"], "value").set_index("outlet").loc["a"]
    assert with_b["ci_low"] == without["ci_low"]


def test_bootstrap_ci_covers_the_truth_usually():
    rng = np.random.default_rng(1)
    hits = 0
    for i in range(40):
        x = rng.normal(0.0, 1.0, 40)
        _, lo, hi = bootstrap_mean_ci(x, settings=CompareSettings(n_resamples=500), seed=i)
        hits += lo <= 0.0 <= hi
    assert hits >= 33  # nominal 95%: 38 of 40 expected


def test_extreme_sentences():
    sents = pd.DataFrame({"doc_id": ["d1", "d1", "d2"], "sent_idx": [0, 1, 0], "text": ["bad", "good", "ok"],
                          "vader_compound": [-0.9, 0.8, 0.1]})
    documents = pd.DataFrame({"doc_id": ["d1", "d2"], "outlet": ["x", "x"], "voice": ["author", "author"],
                              "published_date": [None, None], "title": ["T", "U"], "duplicate_of": [None, None]})
    ev = extreme_sentences(sents, documents, k=1)
    assert ev[["end", "sentence", "score"]].values.tolist() == [["most negative", "bad", -0.9],
                                                                 ["most positive", "good", 0.8]]


def test_frame_evidence_comes_only_from_the_documents_its_cell_counts():
    """RT's morality cell read 0% beside an evidence sentence at 0.81: evidence now needs the document's frame."""
    from framing.analysis.compare import frame_evidence, frame_prevalence

    documents = pd.DataFrame({"doc_id": ["a", "b", "c"], "outlet": ["rt", "rt", "x"], "voice": ["author"] * 3,
                              "published_date": [None] * 3, "title": ["A", "B", "C"], "duplicate_of": [None, None, "b"]})
    sentences = pd.DataFrame({"doc_id": ["a", "b", "c"], "sent_idx": [0, 0, 0], "text": ["one", "two", "two"]})
    doc_frames = pd.DataFrame({"doc_id": ["a", "b", "c"], "frame": ["MO"] * 3, "frame_present": [False, True, True]})
    scores = pd.DataFrame({"doc_id": ["a", "b", "c"], "sent_idx": [0, 0, 0], "frame": ["MO"] * 3,
                           "frame_prob": [0.81, 0.40, 0.40]})
    ev = frame_evidence(scores, sentences, documents, score="frame_prob", doc_frames=doc_frames)
    assert ev[["doc_id", "score", "n_copies"]].values.tolist() == [["b", 0.40, 2]]  # not a's 0.81; c is b's copy
    cell = frame_prevalence(doc_frames, documents, value="frame_present").iloc[0]
    assert (cell["mean"], cell["ci_method"]) == (0.5, "wilson")
    none = frame_evidence(scores, sentences, documents, score="frame_prob",
                          doc_frames=doc_frames.assign(frame_present=False))
    assert none.empty and list(none.columns)[:3] == ["frame", "outlet", "score"]


def test_every_vader_use_prepares_text_the_same_way():
    from framing.features.sentiment import score_text, sentence_label
    from framing.handcoding.coding import automatic_codes

    text = "They don’t “love” it."  # a curly apostrophe defeats VADER's negation unless straightened
    assert score_text(text)["compound"] < 0 and sentence_label(text) == "negative"
    sheet = pd.DataFrame({"item_id": ["actor-1"], "sentence": ["[[Maduro]] doesn’t “love” it."], "char_start": [0],
                          "char_end": [6], "actor": ["maduro"]})
    assert automatic_codes(sheet, measures=["vader"])["vader"].tolist() == [sentence_label("Maduro doesn’t “love” it.")]


def test_headline_only_stubs_are_compared_nowhere():
    """A stub (is_stub: the text is only its headline) is left out of every comparison; old tables have none."""
    from framing.analysis import compare

    documents = pd.DataFrame({"doc_id": ["a", "b", "s"], "outlet": ["rt"] * 3, "voice": ["author"] * 3,
                              "published_date": [None] * 3, "title": ["A", "B", "S"], "duplicate_of": [None] * 3,
                              "is_stub": pd.array([False, False, True], dtype="boolean")})
    legacy = documents.drop(columns="is_stub")
    doc_frames = pd.DataFrame({"doc_id": ["a", "b", "s"], "frame": ["MO"] * 3, "frame_present": [0, 1, 1]})
    assert compare.frame_prevalence(doc_frames, documents, value="frame_present")["mean"].tolist() == [0.5]
    assert compare.frame_prevalence(doc_frames, legacy, value="frame_present")["n_docs"].tolist() == [3]
    roles = pd.DataFrame({"doc_id": ["a", "s"], "actor": ["maduro"] * 2, "role": ["villain", "hero"]})
    shares = compare.role_shares(roles, documents, min_docs=1).iloc[0]
    assert (shares["n_docs"], shares["share_hero"], shares["share_villain"]) == (1, 0.0, 1.0)
    assert compare.role_shares(roles, legacy, min_docs=1)["n_docs"].tolist() == [2]
    hits = pd.DataFrame({"doc_id": ["a", "s"], "sent_idx": [0, 0], "frame": ["coup"] * 2, "stance": ["used"] * 2})
    issue = pd.DataFrame({"doc_id": ["a", "b", "s"], "frame": ["coup"] * 3, "uses_frame": [1, 0, 1]})
    stances = compare.issue_frame_stances(issue, hits, documents).iloc[0]
    assert (stances["n_docs"], stances["n_docs_used"], stances["n_used"]) == (2, 1, 1)
    mentions = pd.DataFrame({"doc_id": ["a", "s"], "sent_idx": [0, 0], "actor": ["maduro"] * 2,
                             "char_start": [0, 0], "actor_sentiment": [0.5, -0.9], "voice": ["author"] * 2})
    assert compare.in_voice(mentions, documents, "author")["doc_id"].tolist() == ["a"]
    sents = pd.DataFrame({"doc_id": ["a", "s"], "sent_idx": [0, 0], "text": ["fine", "awful"],
                          "vader_compound": [0.2, -0.9]})
    assert set(extreme_sentences(sents, documents, k=1)["doc_id"]) == {"a"}
    tags = pd.DataFrame({"doc_id": ["s"], "topic": ["venezuela"]})
    assert compare.topic_shares(documents, tags).empty  # only the stub is tagged: no topic to share
