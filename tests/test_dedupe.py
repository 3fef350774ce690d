import pandas as pd
import pytest

from framing.build.dedupe import find_duplicates
from framing.config import DedupeSettings

BASE = " ".join(f"word{i}" for i in range(200))


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["a b c", "A  b C", "d e f"], [None, 0, None]),  # exact, case and space folded
        ([BASE, BASE.replace("word5 ", "changed "), "unrelated text here"], [None, 0, None]),  # near copy
        ([BASE, " ".join(f"other{i}" for i in range(200))], [None, None]),
        (["short note", "short  note", "short note"], [None, 0, 0]),
    ],
)
def test_find_duplicates(texts, expected):
    out = find_duplicates(pd.Series(texts))
    assert [None if pd.isna(v) else int(v) for v in out] == expected


def test_threshold_is_respected():
    half = " ".join(BASE.split()[:100] + [f"new{i}" for i in range(100)])
    out = find_duplicates(pd.Series([BASE, half]), settings=DedupeSettings(min_jaccard=0.8))
    assert out.isna().all()


def test_pipeline_dedupe_makes_the_decisions_of_find_duplicates():
    from framing import synthetic
    from framing.build.pipeline import dedupe, normalise
    from framing.ingest import Record

    shape = synthetic.CorpusShape(exact_duplicate_rate=0.1, near_duplicate_rate=0.1)
    records = [Record(text=d["text"], outlet=d["outlet"], source_file="syn.jsonl", lines=[i + 1])
               for i, d in enumerate(synthetic.documents(400, seed=3, shape=shape))]
    documents = normalise(records)
    expected = find_duplicates(documents.set_index("doc_id")["text"])
    got = dedupe(documents).set_index("doc_id")["duplicate_of"].reindex(expected.index)
    assert [None if pd.isna(v) else v for v in got] == [None if pd.isna(v) else v for v in expected]
    assert expected.notna().sum() > 40


def test_the_per_hash_cap_changes_nothing_on_the_bundled_corpus_or_4000_synthetic_documents():
    """``max_per_hash`` bounds the work on corpora full of stock phrases; on these it decides as no cap would."""
    from framing import synthetic
    from framing.build.pipeline import normalise
    from framing.config import RAW_DIR
    from framing.ingest import read_corpus

    bundled = normalise(read_corpus(RAW_DIR).records).set_index("doc_id")["text"]
    generated = pd.Series([d["text"] for d in synthetic.documents(4000, seed=11)])
    uncapped = DedupeSettings(max_per_hash=10**9)
    for texts in (bundled, generated):
        capped = find_duplicates(texts)
        assert capped.equals(find_duplicates(texts, settings=uncapped))
        assert capped.notna().sum() >= 3  # the bundled feed repeats one article four times
