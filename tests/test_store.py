"""The store's queries: the text of chosen sentences, read from the build's Parquet parts instead of a kernel's table."""

from __future__ import annotations

import filecmp

import numpy as np
import pandas as pd
import pytest

from framing.build import pipeline
from framing.build.store import Store, sentence_text, texts_for
from framing.config import NOTEBOOKS_DIR
from framing.report import load_params, sections
from framing.report.params import ReportSettings
from framing.report.study import Study

from .conftest import RAW


@pytest.fixture(scope="module")
def cached(tmp_path_factory):
    """The seed corpus run through the cache (fast mode): lazy tables with a store, and the same tables in memory."""
    root = tmp_path_factory.mktemp("cache")
    lazy = pipeline.run(RAW, actor_mode="fast", cache_dir=root, progress=False)
    eager = pipeline.StudyTables.load(next(root.glob("corpus-*")))  # no read_from: holds its sentences
    return lazy, eager


def test_the_store_gives_the_text_of_the_keyed_sentences_as_the_sentence_table_does(cached):
    lazy, eager = cached
    store = Store.of(lazy)
    assert store is not None and Store.of(eager) is None
    sents = eager.sentences
    rng = np.random.default_rng(7)
    keys = sents.iloc[rng.choice(len(sents), 60, replace=False)][["doc_id", "sent_idx"]]
    keys = pd.concat([keys, keys.head(5),  # asked twice: given once
                      pd.DataFrame({"doc_id": ["no-such-doc", sents["doc_id"].iloc[0]], "sent_idx": [0, 10**6]})])
    got = store.sentence_text(keys.sample(frac=1, random_state=3))
    want = sents.merge(keys.drop_duplicates(), on=["doc_id", "sent_idx"])[["doc_id", "sent_idx", "text"]]
    pd.testing.assert_frame_equal(got, want.reset_index(drop=True), check_dtype=False)
    assert len(got) == 60 and got["text"].dtype == "string"
    docs = sents["doc_id"].drop_duplicates().iloc[[0, 3]].to_frame()  # without sent_idx: the documents' sentences
    whole = store.sentence_text(docs)
    assert len(whole) == sents["doc_id"].isin(docs["doc_id"]).sum() > 2
    pd.testing.assert_frame_equal(whole, sentence_text(eager, docs), check_dtype=False)
    assert store.sentence_text(keys.iloc[:0]).empty


def test_texts_for_aligns_the_text_to_the_keys_and_leaves_na_where_there_is_none(cached):
    _, eager = cached
    sents = eager.sentences
    keys = pd.DataFrame({"doc_id": [sents["doc_id"].iloc[4], "missing", sents["doc_id"].iloc[1]],
                         "sent_idx": [sents["sent_idx"].iloc[4], 0, sents["sent_idx"].iloc[1]]}, index=[10, 20, 30])
    for source in (sents, lambda k: sentence_text(eager, k)):
        text = texts_for(source, keys)
        assert list(text.index) == [10, 20, 30] and pd.isna(text[20])
        assert text[10] == sents["text"].iloc[4] and text[30] == sents["text"].iloc[1]


def test_a_report_on_the_store_reads_no_sentence_table_and_shows_what_the_tables_in_memory_show(cached, tmp_path):
    lazy, eager = cached
    settings = ReportSettings.from_params({**load_params(NOTEBOOKS_DIR / "params" / "default.yaml"),
                                           "actor_mode": "fast"})
    on_store, in_memory = Study(lazy, settings, output_dir=str(tmp_path / "store")), Study(
        eager, settings, output_dir=str(tmp_path / "memory"))
    for sec in sections.SECTIONS.values():
        sec(on_store)
        sec(in_memory)
    assert "sentences" not in {k for k, v in vars(lazy).items() if isinstance(v, pd.DataFrame)}
    written = sorted(p.relative_to(tmp_path / "store") for p in (tmp_path / "store").rglob("*.csv"))
    assert len(written) > 20  # the evidence tables among them
    assert {"sentiment_evidence", "word_choice_author", "sourcing"} <= {p.stem for p in written}
    assert written == sorted(p.relative_to(tmp_path / "memory") for p in (tmp_path / "memory").rglob("*.csv"))
    differ = [p for p in written if not filecmp.cmp(tmp_path / "store" / p, tmp_path / "memory" / p, shallow=False)]
    assert differ == []


def test_the_documents_that_quote_come_from_one_query_over_the_store(tmp_path):
    pipeline.run(RAW, actor_mode="fast", cache_dir=tmp_path, progress=False)
    folder = next(tmp_path.glob("corpus-*"))
    lazy = pipeline.run(RAW, actor_mode="fast", cache_dir=tmp_path, progress=False)
    eager = pipeline.StudyTables.load(folder)
    settings = ReportSettings(actor_mode="fast")
    ids = Study(lazy, settings).quoting_ids
    assert ids == Study(eager, settings).quoting_ids and len(ids) > 3
    assert "sentence_voice" not in {k for k, v in vars(lazy).items() if isinstance(v, pd.DataFrame)}
    store = Store.of(lazy)
    assert store is not None and store.doc_ids_where("sentence_voice", "voice", []) == set()
    units = eager.sentence_voice
    assert store.doc_ids_where("sentence_voice", "voice", ["reported"]) == set(
        units.loc[units["voice"] == "reported", "doc_id"].astype(str))


def test_replaced_tables_leave_the_tables_not_read_yet_unread(tmp_path):
    pipeline.run(RAW, actor_mode="fast", cache_dir=tmp_path, progress=False)
    lazy = pipeline.StudyTables.load(next(tmp_path.glob("corpus-*")), lazy=True)
    docs = lazy.documents.head(3)
    extra = pd.DataFrame({"doc_id": docs["doc_id"], "n": [1, 2, 3]})
    cut = lazy.replaced(documents=docs, doc_topics=lazy.doc_topics.head(1))
    assert len(cut.documents) == 3 and len(cut.doc_topics) == 1 and len(lazy.documents) > 3
    read = {k for k, v in vars(cut).items() if isinstance(v, pd.DataFrame)}
    assert read == {"documents", "doc_topics"}  # sentences and the rest still unread
    assert len(cut.sentences) > 0 and "sentences" not in {k for k, v in vars(lazy).items()
                                                          if isinstance(v, pd.DataFrame)}
    with pytest.raises(KeyError, match="not tables"):
        lazy.replaced(no_such_table=extra)
