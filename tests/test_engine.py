"""The chunked engine gives the tables the in-memory pipeline gives, on any engine, chunking and cache state."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from framing import synthetic
from framing.build import pipeline
from framing.build.dedupe import DedupeDecision, find_duplicates
from framing.build.engine import (
    DedupeIndex,
    EngineSettings,
    LocalEngine,
    Signatures,
    build_chunked,
    chunk_tables,
    read_table,
    read_tables,
)
from framing.config import DedupeSettings
from framing.features import registry

from .conftest import RAW, kill_at

SERIAL = EngineSettings(workers=0)


def _sorted(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


def _assert_same_tables(a, b, *, exact: bool = True) -> None:
    keys = {"documents": ["doc_id"], "sentences": ["doc_id", "sent_idx"], "rejects": ["source_file", "source_lines"],
            **pipeline.FEATURE_TABLES}
    for name, k in keys.items():
        x, y = getattr(a, name), getattr(b, name)
        if len(x) == 0 and len(y) == 0:
            continue
        x, y = _sorted(x, k), _sorted(y, k)
        pd.testing.assert_frame_equal(x, y, check_dtype=False, check_exact=exact, rtol=1e-5, atol=1e-5, obj=name)


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("syn")
    synthetic.write_corpus(folder, 120, seed=7, shape=synthetic.CorpusShape(docs_per_file=60))
    return folder


@pytest.fixture(scope="module")
def small_local(small_corpus, tmp_path_factory) -> Path:
    """The reference run: two local worker processes (one BLAS thread each, like Dask's workers)."""
    out = tmp_path_factory.mktemp("local")
    build_chunked(small_corpus, out, actor_mode="fast", settings=EngineSettings(workers=2, chunk_docs=25),
                  use_cache=False)
    return out


def _assert_same_parts(a: Path, b: Path, tables: tuple[str, ...] | None = None) -> None:
    tables = tables or ("documents", *chunk_tables())
    for name in tables:
        parts = sorted(p.name for p in (a / name).glob("*.parquet"))
        assert parts and parts == sorted(p.name for p in (b / name).glob("*.parquet")), name
        for part in parts:
            assert (a / name / part).read_bytes() == (b / name / part).read_bytes(), (name, part)


def test_engine_matches_pipeline_build_on_the_seed_corpus(tmp_path):
    expected = pipeline.build(RAW, actor_mode="fast", progress=False)
    summary = build_chunked(RAW, tmp_path / "out", actor_mode="fast", settings=EngineSettings(workers=0, chunk_docs=25),
                            cache_dir=tmp_path / "cache")
    got = read_tables(tmp_path / "out")
    assert summary.n_docs == len(expected.documents) == got.meta["n_docs"]
    assert summary.n_chunks > 4  # the seed files were cut into chunks
    _assert_same_tables(got, expected, exact=False)  # the encoder's batches differ in the 6th digit
    pd.testing.assert_frame_equal(got.files, expected.files, check_dtype=False)


def test_small_chunks_give_the_tables_of_one_chunk(small_corpus, small_local, tmp_path):
    build_chunked(small_corpus, tmp_path, actor_mode="fast", settings=EngineSettings(workers=0, chunk_docs=1000),
                  use_cache=False)
    assert len(list((tmp_path / "documents").glob("*.parquet"))) == 2  # one chunk a file
    for name in ("documents", *chunk_tables()):  # the encoder's batches differ in the 6th digit
        pd.testing.assert_frame_equal(read_table(tmp_path, name), read_table(small_local, name), obj=name,
                                      check_dtype=False, check_exact=False, rtol=1e-5, atol=1e-5)


def test_streamed_tables_match_whole_file_reading(small_corpus, tmp_path):
    settings = EngineSettings(workers=0, chunk_docs=25)
    build_chunked(small_corpus, tmp_path / "whole", settings=settings, use_cache=False, features=False)
    build_chunked(small_corpus, tmp_path / "streamed", settings=settings, use_cache=False, features=False,
                  stream_bytes=0)
    _assert_same_parts(tmp_path / "whole", tmp_path / "streamed", ("documents", "sentences", "files"))
    assert not (tmp_path / "streamed" / "doc_sentiment").exists()


def test_big_tables_repaired_on_workers_give_the_tables_of_whole_file_reading(small_corpus, tmp_path):
    """Batches of a streamed table are repaired and signed on worker processes, a few ahead, and assembled in order:
    copies across batches keep the doc_ids one reading gives them, mojibake is repaired, duplicates are found."""
    corpus = tmp_path / "corpus"
    shutil.copytree(small_corpus, corpus)
    body = "Guaid\u00f3 spoke in Caracas today about the long crisis and the talks. The opposition answered him."
    rows = [{"text": body.replace("\u00f3", "\u0e23\u0e13") if i % 5 == 0 else f"{body} Row {i}.", "outlet": "RT"}
            for i in range(40)]
    rows[17] = rows[3] = {"text": f"{body} The same words again.", "outlet": "RT"}  # identical copies, two batches
    (corpus / "z.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    settings = EngineSettings(workers=2, chunk_docs=7)
    with LocalEngine(2) as engine:
        build_chunked(corpus, tmp_path / "streamed", settings=settings, use_cache=False, features=False,
                      stream_bytes=0, engine=engine)
    build_chunked(corpus, tmp_path / "whole", settings=EngineSettings(workers=0, chunk_docs=7), use_cache=False,
                  features=False, stream_bytes=1 << 40)
    _assert_same_parts(tmp_path / "whole", tmp_path / "streamed", ("documents", "sentences"))
    docs = read_table(tmp_path / "streamed", "documents")
    z = docs[docs["source_file"] == "z.jsonl"].reset_index(drop=True)
    assert len(z) == 40 and z["doc_id"].is_unique
    assert z.loc[17, "duplicate_of"] == z.loc[3, "doc_id"] and z["text"].str.contains("Guaid\u00f3").all()
    files = {f: read_table(tmp_path / f, "files").set_index("source_file") for f in ("whole", "streamed")}
    assert files["streamed"].loc["z.jsonl", "reader"] == "table:jsonl"
    assert (files["streamed"]["n_records"] == files["whole"]["n_records"]).all()


@pytest.mark.filterwarnings("ignore:Port 8787 is already in use:UserWarning")
@pytest.mark.parametrize("stream_bytes", [1 << 40, 0], ids=["files-parsed-on-dask", "batches-repaired-on-dask"])
def test_dask_local_cluster_gives_the_bytes_of_the_local_engine(small_corpus, small_local, tmp_path, stream_bytes):
    pytest.importorskip("distributed")
    from framing.build.engine import DaskEngine

    with DaskEngine(None, workers=2) as engine:
        build_chunked(small_corpus, tmp_path, actor_mode="fast", settings=EngineSettings(engine="dask", chunk_docs=25),
                      use_cache=False, engine=engine, stream_bytes=stream_bytes)
    _assert_same_parts(small_local, tmp_path)


@pytest.mark.filterwarnings("ignore:Port 8787 is already in use:UserWarning")
def test_a_run_on_a_dask_scheduler_stores_the_bytes_and_the_findings_of_a_local_run(small_corpus, tmp_path):
    """``framing run --engine dask --scheduler ADDR``: the run's store, its tables and its findings, as local."""
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    from framing.analysis import findings

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_dask = pipeline.run(small_corpus, actor_mode="fast", cache_dir=tmp_path / "dask", progress=False,
                               settings=EngineSettings(engine="dask", scheduler=cluster.scheduler_address))
    local = pipeline.run(small_corpus, actor_mode="fast", cache_dir=tmp_path / "local", progress=False,
                         settings=EngineSettings(workers=2))
    assert on_dask.meta["computed_docs"] == local.meta["computed_docs"] == 120
    a, b = Path(on_dask.meta["read_from"]), Path(local.meta["read_from"])
    _assert_same_parts(a / "store", b / "store")
    for csv in sorted(b.glob("*.csv")):
        assert (a / csv.name).read_bytes() == csv.read_bytes(), csv.name
    pd.testing.assert_frame_equal(findings.run_tests(findings.document_measures(on_dask, on_dask.documents)),
                                  findings.run_tests(findings.document_measures(local, local.documents)))


def test_adding_one_percent_recomputes_only_the_new_chunk(tmp_path):
    corpus = tmp_path / "corpus"
    synthetic.write_corpus(corpus, 200, seed=3, shape=synthetic.CorpusShape(docs_per_file=100))
    cache = tmp_path / "cache"
    settings = EngineSettings(workers=0, chunk_docs=50)
    first = build_chunked(corpus, tmp_path / "a", actor_mode="fast", settings=settings, cache_dir=cache)
    assert first.computed_docs == first.n_docs > 150 and first.parsed_files == 2
    again = build_chunked(corpus, tmp_path / "b", actor_mode="fast", settings=settings, cache_dir=cache)
    assert again.computed_docs == 0 and again.parsed_files == 0 and again.cached_files == 2
    assert again.replayed_chunks == again.n_chunks and first.replayed_chunks == 0
    _assert_same_parts(tmp_path / "a", tmp_path / "b")
    extra = tmp_path / "extra"
    synthetic.write_corpus(extra, 2, seed=99)
    shutil.copy(extra / "part-00000.jsonl", corpus / "part-00002.jsonl")  # 1% more documents, a new file
    grown = build_chunked(corpus, tmp_path / "c", actor_mode="fast", settings=settings, cache_dir=cache)
    assert grown.parsed_files == 1 and grown.cached_files == 2
    assert grown.computed_docs == grown.n_docs - first.n_docs == 2 and grown.computed_chunks == 1
    assert grown.replayed_chunks == grown.n_chunks - 1
    fresh = build_chunked(corpus, tmp_path / "d", actor_mode="fast", settings=settings, use_cache=False)
    assert fresh.n_docs == grown.n_docs
    _assert_same_parts(tmp_path / "c", tmp_path / "d")


def test_a_file_added_before_others_redecides_the_duplicates_after_it(tmp_path):
    """Stored dedupe decisions are reused only while every file before them is unchanged."""
    corpus = tmp_path / "corpus"
    synthetic.write_corpus(corpus, 120, seed=4, shape=synthetic.CorpusShape(docs_per_file=60))
    cache = tmp_path / "cache"
    settings = EngineSettings(workers=0, chunk_docs=40)
    build_chunked(corpus, tmp_path / "a", actor_mode="fast", features=False, settings=settings, cache_dir=cache)
    later = json.loads((corpus / "part-00001.jsonl").read_text().splitlines()[5])
    (corpus / "a-first.jsonl").write_text(json.dumps({**later, "id": "copy-first"}) + "\n")  # sorts first
    grown = build_chunked(corpus, tmp_path / "b", actor_mode="fast", features=False, settings=settings,
                          cache_dir=cache)
    assert grown.replayed_chunks == 0 and grown.cached_files == 2
    docs = read_table(tmp_path / "b", "documents")
    copy_id = docs["doc_id"].iloc[0]
    assert (docs["duplicate_of"] == copy_id).sum() == 1  # the original, in a cached file, now points at the copy
    build_chunked(corpus, tmp_path / "c", actor_mode="fast", features=False, settings=settings, use_cache=False)
    _assert_same_parts(tmp_path / "b", tmp_path / "c", tables=("documents", "sentences"))


@pytest.mark.parametrize(("chunk", "max_in_memory", "max_per_hash"),
                         [(1, 1 << 21, 64), (7, 1 << 21, 64), (1000, 1 << 21, 64), (7, 40, 64), (1, 3, 64),
                          (1, 1 << 21, 1), (7, 40, 2), (1000, 1 << 21, 2)])
def test_dedupe_index_matches_find_duplicates(tmp_path, chunk, max_in_memory, max_per_hash):
    """Same decisions whatever the chunk size, whether the index keeps its keys in memory or spills them, and
    with sketch hashes capped at a few candidates (a stored decision replayed gives the same index)."""
    texts = list(synthetic.documents(300, seed=5, shape=synthetic.CorpusShape(exact_duplicate_rate=0.1,
                                                                               near_duplicate_rate=0.1)))
    words = [d["text"] for d in texts]
    ids = [f"{i:016x}" for i in range(len(words))]
    settings = DedupeSettings(max_per_hash=max_per_hash)
    expected = find_duplicates(pd.Series(words, index=ids), settings=settings)
    index = DedupeIndex(tmp_path / "a", settings, max_in_memory=max_in_memory)
    replayed = DedupeIndex(tmp_path / "b", settings, max_in_memory=max_in_memory)
    got: list[str | None] = []
    n_full = 0
    for start in range(0, len(words), chunk):
        chunk_ids, sig = ids[start:start + chunk], Signatures.of(words[start:start + chunk], settings)
        decision = index.decide(chunk_ids, sig)
        assert replayed.decide(chunk_ids, sig) == decision  # the replayed index is in the same state
        index.add(chunk_ids, sig, decision)
        replayed.add(chunk_ids, sig, DedupeDecision.from_json(decision.to_json()))
        got += decision.duplicate_of
        n_full += len(decision.full_hashes)
    spilled = index.n_spilled
    index.close()
    replayed.close()
    assert [None if pd.isna(x) else x for x in expected] == got
    assert sum(x is not None for x in got) > 30
    assert (spilled > 0) == (max_in_memory < 1000)  # the small limits did move keys to disk
    assert (n_full > 0) == (max_per_hash < 64)  # the small caps did leave hashes out
    assert not list((tmp_path / "a").iterdir())  # close() leaves nothing behind


def _boilerplate_corpus(seed: int = 3) -> list[str]:
    """Five texts sharing a 40-word footer, then a text and its near copy with the same footer."""
    import random

    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(5000)]
    footer = " ".join(rng.choice(vocab) for _ in range(40))
    texts = [footer + " " + " ".join(rng.choice(vocab) for _ in range(12)) for _ in range(6)]
    return texts + [texts[-1].rsplit(" ", 1)[0] + " changed"]


@pytest.mark.parametrize("chunk", [1, 7])
def test_capped_sketch_hashes_change_what_is_found_the_same_way(tmp_path, chunk):
    """With one candidate per hash, the footer's hashes propose only the first text: the near copy, whose sketch
    holds only footer hashes, is no longer found. The index follows the reference in this too."""
    texts = _boilerplate_corpus()
    ids = [f"{i:016x}" for i in range(len(texts))]
    uncapped = find_duplicates(pd.Series(texts, index=ids)).tolist()
    assert uncapped[-1] == ids[-2]  # the near copy, found without the cap
    settings = DedupeSettings(max_per_hash=1)
    capped = [None if pd.isna(x) else x for x in find_duplicates(pd.Series(texts, index=ids), settings=settings)]
    assert capped[-1] is None
    index = DedupeIndex(tmp_path, settings)
    got: list[str | None] = []
    for start in range(0, len(texts), chunk):
        got += index.assign(ids[start:start + chunk], Signatures.of(texts[start:start + chunk], settings))
    index.close()
    assert got == capped


def test_spilled_multimap_answers_like_the_in_memory_one(tmp_path):
    from framing.build import dedupe as dedupe_module
    from framing.build.dedupe import _SortedMultiMap

    rng = np.random.default_rng(3)
    memory, spilled = _SortedMultiMap(), _SortedMultiMap(tmp_path / "m.sqlite", max_in_memory=50)
    for step in range(40):
        keys = rng.integers(0, 60, size=int(rng.integers(1, 20))).astype(np.uint64)
        keys[0] = np.uint64(2**64 - 1 - step % 3)  # keys above 2^63 (negative as SQLite integers)
        values = np.arange(20 * step, 20 * step + len(keys), dtype=np.uint32)  # ordinals: increasing, as used
        memory.add(keys, values)
        spilled.add(keys, values)
    probe = np.array([*range(70), 2**64 - 1, 2**64 - 2, 2**64 - 4], dtype=np.uint64)
    assert spilled.n_spilled > 0 and spilled.nbytes < memory.nbytes
    assert spilled.first(probe).tolist() == memory.first(probe).tolist()
    assert [sorted(a.tolist()) for a in spilled.all(probe)] == [sorted(a.tolist()) for a in memory.all(probe)]
    for query in (dedupe_module._FIRST_QUERY, dedupe_module._ALL_QUERY):  # index lookups, never a scan of m
        plan = " | ".join(row[-1] for row in spilled._db.execute(f"EXPLAIN QUERY PLAN {query}"))
        assert "SEARCH m USING INDEX m_k" in plan and "SCAN m" not in plan, plan
    spilled.close()


def test_local_engine_in_the_driver_runs_at_once():
    with LocalEngine(0) as engine:
        assert engine.submit(np.add, 1, 2).result() == 3


def test_framing_build_command_and_config_file(small_corpus, tmp_path, capsys):
    from framing.cli import main

    config = tmp_path / "engine.yaml"
    config.write_text("engine: local\nworkers: 0\nchunk_docs: 30\n")
    code = main(["-q", "build", "--corpus", str(small_corpus), "--out", str(tmp_path / "out"), "--config", str(config),
                 "--chunk-docs", "40", "--segment-only", "--cache-dir", str(tmp_path / "cache")])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["chunk_docs"] == 40 and summary["n_chunks"] == 4 and summary["computed_docs"] == summary["n_docs"]
    assert len(read_table(tmp_path / "out", "sentences")) > summary["n_docs"]
    config.write_text("engine: spark\n")
    assert main(["build", "--corpus", str(small_corpus), "--out", str(tmp_path / "x"), "--config", str(config)]) == 2


def test_two_uncached_builds_give_the_same_bytes(small_corpus, small_local, tmp_path):
    """Determinism: a second build that computes everything again writes the same Parquet bytes."""
    build_chunked(small_corpus, tmp_path, actor_mode="fast", settings=EngineSettings(workers=2, chunk_docs=25),
                  use_cache=False)
    _assert_same_parts(small_local, tmp_path, tables=("documents", *chunk_tables(), "files"))


def _whole_entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []


def _scored_chunks(cache: Path) -> int:
    """Chunks whose every feature is cached."""
    names = {f.name for f in registry.features()}
    return sum(names <= {e.name.rsplit("-", 1)[0] for e in _whole_entries(c) if e.is_dir()}
               for c in _whole_entries(cache / "chunks"))


@pytest.mark.slow
def test_builds_killed_while_parsing_and_scoring_leave_a_cache_that_gives_the_uncached_bytes(tmp_path):
    """SIGKILL ``framing build`` when the first file's chunks reach the cache, then a few chunks later; rebuild."""
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    synthetic.write_corpus(corpus, 360, seed=11, shape=synthetic.CorpusShape(docs_per_file=60))
    cmd = [sys.executable, "-m", "framing.cli", "-q", "build", "--corpus", str(corpus), "--out", str(tmp_path / "out"),
           "--cache-dir", str(cache), "--workers", "0", "--chunk-docs", "20", "--actor-mode", "fast"]

    def parsing() -> bool:  # the per-file cache of the first file is being written
        return any((cache / "files").glob("*/docs-*.parquet"))

    kill_at(cmd, env=dict(os.environ), cwd=tmp_path, milestone=parsing)
    for folder in _whole_entries(cache / "files"):  # a file folder is built privately and appears whole
        n = json.loads((folder / "COMPLETE").read_text())["n_chunks"]
        assert len(list(folder.glob("docs-*.parquet"))) == n
    done = _scored_chunks(cache)

    def scoring() -> bool:  # three more chunks scored and cached
        return _scored_chunks(cache) >= done + 3

    kill_at(cmd, env=dict(os.environ), cwd=tmp_path, milestone=scoring)
    for chunk in _whole_entries(cache / "chunks"):  # each feature's folder appears whole (renamed into place) or not
        for entry in _whole_entries(chunk):
            if entry.is_dir():
                feature = registry.get(entry.name.rsplit("-", 1)[0])
                assert sorted(p.stem for p in entry.iterdir()) == sorted(feature.table_names()), entry
            else:
                assert entry.name.startswith("sentences-") and entry.suffix == ".parquet", entry
    settings = EngineSettings(workers=0, chunk_docs=20)
    again = build_chunked(corpus, tmp_path / "cached", actor_mode="fast", settings=settings, cache_dir=cache)
    assert again.cached_files >= 1 and 3 <= again.n_chunks - again.computed_chunks < again.n_chunks
    build_chunked(corpus, tmp_path / "fresh", actor_mode="fast", settings=settings, use_cache=False)
    _assert_same_parts(tmp_path / "cached", tmp_path / "fresh", tables=("documents", *chunk_tables(), "files"))


def test_streamed_messy_tables_give_the_rows_and_rejects_of_whole_file_reading(tmp_path):
    """Big tables are read in batches (``stream_bytes``); bad rows, dates and padding come out as read whole."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = "Maduro spoke in Caracas today about the long crisis and the talks. The opposition answered him."
    (corpus / "a.csv").write_text(
        "title,text,outlet,date\n"
        f"one,{body},RT,2019-01-24\n"
        f"two,{body} Two,RT,2019-01-24,extra field\n"  # longer than the header: a bad row
        f"three,\"{body}\nwith a quoted line break\",The Canary,31/31/2019\n"  # unreadable date, blanked
        f"four,{body} Four,Dissident Voice\n"  # shorter: padded
        "five,,RT,2019-01-25\n"  # no text
        f"six,{body} Six,RT,2999-01-01\n", encoding="utf-8")  # implausible date, blanked
    (corpus / "b.jsonl").write_text(
        json.dumps({"text": body + " B1", "outlet": "RT"}) + "\n[1, 2]\n{broken\n\n"
        + json.dumps({"text": body + " B2", "outlet": "SOTT"}) + "\n", encoding="utf-8")
    (corpus / "c.tsv").write_text(f"text\toutlet\n{body} C\tRT\n{body} D\tRT\tx\n", encoding="utf-8")
    (corpus / "d.csv").write_text(f'text,outlet\n{body} E,RT\n"{body} F,RT\n{body} G,RT\n', encoding="utf-8")
    settings = EngineSettings(workers=0, chunk_docs=2)
    build_chunked(corpus, tmp_path / "whole", settings=settings, use_cache=False, features=False)
    build_chunked(corpus, tmp_path / "streamed", settings=settings, use_cache=False, features=False, stream_bytes=0)
    for name in ("documents", "sentences", "rejects"):
        pd.testing.assert_frame_equal(read_table(tmp_path / "streamed", name), read_table(tmp_path / "whole", name),
                                      obj=name)
    files = {f: read_table(tmp_path / f, "files").drop(columns=["n_bytes"]) for f in ("whole", "streamed")}
    pd.testing.assert_frame_equal(files["streamed"], files["whole"], obj="files")
    rejects = read_table(tmp_path / "streamed", "rejects")
    assert sorted(rejects["reason"]) == sorted([
        "row has 5 fields, the header has 4", "row without text", "JSON Lines row is a list, not an object",
        "invalid JSON Lines row: Expecting property name enclosed in double quotes (column 2)",
        "row has 3 fields, the header has 2",
        "malformed CSV row (unexpected end of data) on lines 3-4: an unclosed quote swallows what follows"])
    docs = read_table(tmp_path / "streamed", "documents")
    assert len(docs) == 8 and docs["published_date"].dropna().tolist() == ["2019-01-24"]  # two blanked, four had none
    assert files["streamed"].set_index("source_file").loc["a.csv", ["n_dates_unreadable", "n_dates_implausible"]].tolist() == [1, 1]
