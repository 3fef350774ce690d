import pandas as pd
import pytest

from framing.build import pipeline
from framing.corpus import (
    DOCUMENT_COLUMNS,
    OPTIONAL_COLUMNS,
    REJECT_COLUMNS,
    SENTENCE_COLUMNS,
    SchemaError,
    conform,
    load_table,
    save_table,
    validate,
)
from framing.ingest import Record

from .conftest import RAW


def test_seed_tables_follow_the_schemas(seed_tables):
    assert list(seed_tables.documents.columns) == list(DOCUMENT_COLUMNS)
    assert list(seed_tables.sentences.columns) == list(SENTENCE_COLUMNS)
    assert list(seed_tables.rejects.columns) == list(REJECT_COLUMNS)
    docs = seed_tables.documents
    sents = seed_tables.sentences.merge(docs[["doc_id", "text"]], on="doc_id", suffixes=("", "_doc"))
    assert all(d[a:b] == s for d, a, b, s in zip(sents["text_doc"], sents["char_start"], sents["char_end"],
                                                  sents["text"], strict=True))
    assert (docs["n_words"] > 0).all()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("voice", "narrator", "voice has values outside"),
        ("source_kind", "tweet", "source_kind has values outside"),
        ("published_date", "24/01/2019", "YYYY-MM-DD"),
        ("duplicate_of", "nope", "unknown doc_ids"),
        ("text", None, "text has 1 missing"),
    ],
)
def test_validation_names_the_problem(seed_tables, column, value, message):
    docs = seed_tables.documents.copy()
    docs.loc[0, column] = value
    with pytest.raises(SchemaError, match=message):
        validate(docs, "documents")


def small_documents() -> pd.DataFrame:
    records = [Record("a.txt", [1], "Maduro spoke in Caracas on Friday.", outlet="RT", published_date="2019-01-25",
                      author="Jane Doe"),
               Record("a.txt", [3], "Maduro speaks", outlet="RT", title="Maduro speaks", published_date="2025-11-01",
                      date_precision="month"),
               Record("a.txt", [5], "An undated text about the crisis.", outlet="RT")]
    return pipeline.normalise(records)


def test_author_precision_and_stub_columns():
    docs = validate(small_documents(), "documents")
    assert list(docs.columns)[-3:] == ["author", "date_precision", "is_stub"]
    assert docs["author"].tolist()[:1] == ["Jane Doe"] and docs["author"].isna().tolist()[1:] == [True, True]
    assert docs["date_precision"].tolist() == ["day", "month", "none"]
    assert docs["is_stub"].tolist() == [False, True, False]


@pytest.mark.parametrize(
    ("row", "column", "value", "message"),
    [
        (0, "date_precision", "weekly", "date_precision has values outside"),
        (0, "date_precision", "none", "'none' exactly when published_date is empty"),
        (2, "date_precision", "day", "'none' exactly when published_date is empty"),
        (0, "is_stub", "maybe", "is_stub must be True or False"),
    ],
)
def test_new_columns_are_validated(row, column, value, message):
    docs = small_documents().astype({"is_stub": object})
    docs.loc[row, column] = value
    with pytest.raises(SchemaError, match=message):
        validate(docs, "documents")


def test_new_columns_survive_csv_and_old_tables_get_them_empty(tmp_path):
    docs = validate(small_documents(), "documents")
    back = load_table(save_table(docs, tmp_path / "documents.csv", "documents"), "documents")
    pd.testing.assert_frame_equal(back, docs)
    assert back["is_stub"].dtype == "boolean"
    old = docs.drop(columns=["author", "date_precision", "is_stub"])  # a cached table written before them
    assert {"author", "date_precision", "is_stub"} <= set(OPTIONAL_COLUMNS["documents"])
    filled = validate(conform(old, "documents"), "documents")
    assert filled[["author", "date_precision", "is_stub"]].isna().all().all()


def test_missing_column_is_an_error():
    with pytest.raises(SchemaError, match="missing columns"):
        validate(pd.DataFrame({"doc_id": ["x"]}), "documents")


def test_tables_are_byte_identical_across_runs(seed_tables, tmp_path):
    a = seed_tables.save(tmp_path / "a")  # the session's build of the seed corpus, and one more
    b = pipeline.build(RAW, progress=False).save(tmp_path / "b")
    for name, path in a.items():
        assert path.read_bytes() == b[name].read_bytes(), name


def test_cached_run_returns_the_same_tables(tmp_path):  # fast mode: the test is about the cache, not the models
    first = pipeline.run(RAW, actor_mode="fast", cache_dir=tmp_path, progress=False)
    second = pipeline.run(RAW, actor_mode="fast", cache_dir=tmp_path, progress=False)
    pd.testing.assert_frame_equal(first.documents, second.documents)
    assert len(list(tmp_path.glob("corpus-*/COMPLETE"))) == 1


def test_topic_filter(seed_tables):
    vz = pipeline.select(seed_tables, topic="venezuela")
    assert 0 < len(vz) < len(pipeline.select(seed_tables))
    assert vz["duplicate_of"].isna().all()
    with pytest.raises(ValueError, match="unknown topic"):
        pipeline.select(seed_tables, topic="mars")
    with pytest.raises(ValueError, match="outlets not in the corpus"):
        pipeline.select(seed_tables, outlets=["nope"])
