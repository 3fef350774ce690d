"""A corpus that grows recomputes features for the new documents only, and gives the same tables."""

import shutil
from pathlib import Path

import pandas as pd

from framing.build import pipeline

from .conftest import FEED, RAW


def _seed_without_feed(tmp_path):
    """The bundled corpus without its aggregator feed, which a test then adds."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in RAW.iterdir():
        if f.name != FEED:
            shutil.copy(f, corpus / f.name)
    return corpus


def test_adding_a_file_recomputes_only_its_documents(tmp_path, seed_tables):
    corpus, cache = _seed_without_feed(tmp_path), tmp_path / "cache"
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


def test_a_rerun_repairs_and_splits_only_the_texts_it_has_not_seen(tmp_path, monkeypatch, seed_tables):
    # the files read before are read from the build's cache, with their sentences: only the new file is parsed
    corpus, cache = _seed_without_feed(tmp_path), tmp_path / "cache"
    pipeline.run(corpus, cache_dir=cache, progress=False)
    seen: dict[str, list[str]] = {"repair": [], "lang": [], "split": []}

    def spy(name, fn):
        def wrapped(arg, **kw):
            seen[name] += [arg] if isinstance(arg, str) else list(arg)
            return fn(arg, **kw)
        return wrapped

    monkeypatch.setattr(pipeline, "normalise_text", spy("repair", pipeline.normalise_text))
    monkeypatch.setattr(pipeline, "detect_languages", spy("lang", pipeline.detect_languages))
    monkeypatch.setattr(pipeline, "split_sentences", spy("split", pipeline.split_sentences))
    shutil.copy(RAW / FEED, corpus / FEED)
    grown = pipeline.run(corpus, cache_dir=cache, progress=False)
    new = grown.documents[grown.documents["source_file"] == FEED]
    assert seen["split"] and set(seen["split"]) <= set(new["text"])  # only the new file's texts were split
    assert seen["lang"] and set(seen["lang"]) <= set(new["text"])
    assert seen["repair"] and len(seen["repair"]) <= 2 * len(new) + len(grown.rejects)  # its texts, titles, rejects
    for name in ("documents", "sentences"):  # the same tables as a build from scratch, without any cache
        pd.testing.assert_frame_equal(getattr(grown, name).reset_index(drop=True),
                                      getattr(seed_tables, name).reset_index(drop=True), obj=name)

    # tables read from the run cache are exported by copying its files: what a fresh write gives, byte for byte
    assert grown.meta["read_from"]
    copied, written = grown.export(tmp_path / "copied"), grown.save(tmp_path / "written")
    for name, path in copied.items():
        assert path.read_bytes() == written[name].read_bytes(), name
    grown.documents = grown.documents.iloc[:3]  # changed since it was read: written, not copied
    assert len(pd.read_csv(grown.export(tmp_path / "changed")["documents"])) == 3



def test_a_manifest_that_makes_a_file_quoted_recomputes_its_attribution(tmp_path):
    # doc_id hashes outlet, file and text only: the store must still notice that the document became quoted
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    corpus.mkdir()
    text = ("Maduro said the vote was clean. The government in Caracas rejected the sanctions.\n\n"
            "Observers in Venezuela counted the ballots twice.\n")
    (corpus / "article.txt").write_text(text, encoding="utf-8")
    (corpus / "manifest.yaml").write_text("files:\n  article.txt:\n    outlet: rt\n", encoding="utf-8")
    before = pipeline.run(corpus, cache_dir=cache, actor_mode="fast", progress=False)
    assert set(before.sentence_voice["voice"]) >= {"author"}
    (corpus / "manifest.yaml").write_text("files:\n  article.txt:\n    outlet: rt\n    quoted_from: reuters\n",
                                          encoding="utf-8")
    after = pipeline.run(corpus, cache_dir=cache, actor_mode="fast", progress=False)
    assert set(after.documents["doc_id"]) == set(before.documents["doc_id"])  # the same documents ...
    assert after.meta["computed_docs"] == len(after.documents)  # ... computed again
    assert set(after.sentence_voice["voice"]) == {"quoted"}
    assert set(after.sentence_voice["speaker"]) == {"reuters"}
    assert set(after.actor_mentions["voice"]) == {"quoted"}


def test_a_run_cache_read_lazily_reads_a_table_when_it_is_first_used(tmp_path, monkeypatch):
    corpus, cache = _seed_without_feed(tmp_path), tmp_path / "cache"
    built = pipeline.run(corpus, cache_dir=cache, actor_mode="fast", progress=False)
    folder = Path(built.meta["read_from"])
    eager = pipeline.StudyTables.load(folder)
    read: list[str] = []
    original = pd.read_csv

    def spy(path, *args, **kw):
        read.append(Path(path).stem)
        return original(path, *args, **kw)

    monkeypatch.setattr(pd, "read_csv", spy)
    lazy = pipeline.StudyTables.load(folder, lazy=True)
    assert read == []
    pd.testing.assert_frame_equal(lazy.doc_sentiment, eager.doc_sentiment)
    assert read == ["doc_sentiment"]
    pd.testing.assert_frame_equal(lazy.sentence_frames, eager.sentence_frames)
    assert read == ["doc_sentiment", "sentence_frames"]
    for name in pipeline.StudyTables.TABLES:
        pd.testing.assert_frame_equal(getattr(lazy, name), getattr(eager, name), obj=name)
