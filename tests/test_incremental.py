"""A corpus that grows recomputes features for the new documents only, and gives the same tables."""

import shutil

import pandas as pd

from framing import pipeline

from .conftest import FEED, RAW


def test_adding_a_file_recomputes_only_its_documents(tmp_path, seed_tables):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in RAW.iterdir():
        if f.name != FEED:
            shutil.copy(f, corpus / f.name)
    cache = tmp_path / "cache"
    first = pipeline.run(corpus, cache_dir=cache, progress=False)
    assert first.meta["computed_docs"] == len(first.documents) > 0

    again = pipeline.run(corpus, cache_dir=cache, progress=False)
    assert again.meta["computed_docs"] == 0  # nothing changed: the whole run is read back

    shutil.copy(RAW / FEED, corpus / FEED)
    grown = pipeline.run(corpus, cache_dir=cache, progress=False)
    new_docs = int((grown.documents["source_file"] == FEED).sum())
    assert new_docs == 30
    assert grown.meta["computed_docs"] == new_docs  # counted rows: only the new file's documents

    fresh = seed_tables  # the same files, built without a store: everything from scratch
    for name in pipeline.FEATURE_TABLES:
        a = getattr(grown, name).reset_index(drop=True)
        b = getattr(fresh, name).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=False, rtol=1e-5, atol=1e-5, obj=name)  # CSV keeps 6 digits; encoder batches differ in the 6th
