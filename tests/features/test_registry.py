"""The feature registry: a measure registered in one place reaches the build, the store, the comparisons, the
explorer and ``framing diff``; each feature's store key covers its own code and inputs, and nothing else's."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from framing.analysis import findings
from framing.build import pipeline
from framing.build.engine import read_table
from framing.features import registry
from framing.features.registry import DocumentMeasure, Feature, Inputs, RegistryError, Table
from framing.report import explore
from framing.report.runs import diff_runs, format_diff

from ..shapes import PLAIN, VENEZUELA, _articles, _table

TABLE = Table("doc_exclamations", {"doc_id": "string", "n_exclaiming": "int64", "share_exclaiming": "float64"})


def exclamations(inputs: Inputs) -> dict[str, pd.DataFrame]:
    s = inputs.sentences.assign(excl=inputs.sentences["text"].str.contains("!", regex=False))
    per_doc = s.groupby("doc_id", as_index=False).agg(n_exclaiming=("excl", "sum"), share_exclaiming=("excl", "mean"))
    return {"doc_exclamations": per_doc}


EXCLAMATIONS = Feature(name="exclamations", compute=exclamations, tables=(TABLE,),
                       measures=(DocumentMeasure("doc_exclamations", "share_exclaiming", "mean",
                                                 "share of sentences exclaiming"),))


@pytest.fixture
def registered():
    registry.register(EXCLAMATIONS)
    try:
        yield EXCLAMATIONS
    finally:
        registry.unregister("exclamations")


def _corpus(folder, *, shouting: float, seed: int = 3):
    """Two outlets of 12 articles; a share ``shouting`` of rt's sentences end in "!" (cnn's never do)."""
    rng = random.Random(seed)
    rows = _articles(rng, ["rt", "cnn"], 12, PLAIN + VENEZUELA)
    for row in rows:
        if row["outlet"] == "rt":
            row["text"] = " ".join(s[:-1] + "!" if s.endswith(".") and rng.random() < shouting else s
                                   for s in row["text"].split(". "))
    folder.mkdir(parents=True, exist_ok=True)
    _table(folder, rows)
    return folder


def test_a_registered_measure_reaches_the_store_the_tables_the_comparisons_and_the_diff(tmp_path, registered):
    corpus = _corpus(tmp_path / "corpus", shouting=0.6)
    store, cache = tmp_path / "store", tmp_path / "cache"
    tables = pipeline.build(corpus, actor_mode="fast", progress=False, use_cache=True, cache_dir=cache, store=store)

    # the build computed it, the store and the cache hold it, and the tables carry it like any other
    table = tables.doc_exclamations
    assert list(table.columns) == list(TABLE.columns) and len(table) == len(tables.documents) == 24
    assert sorted(read_table(store, "doc_exclamations")["doc_id"]) == sorted(table["doc_id"])
    cached = list((cache / "chunks").glob(f"*/exclamations-{EXCLAMATIONS.key('fast')}/doc_exclamations.parquet"))
    assert cached and sorted(pd.concat(map(pd.read_parquet, cached))["doc_id"]) == sorted(table["doc_id"])
    assert "doc_exclamations" in pipeline.StudyTables.TABLES and "doc_exclamations" in pipeline.FEATURE_TABLES
    saved = tables.save(tmp_path / "saved")
    assert "doc_exclamations" in saved
    back = pipeline.StudyTables.load(tmp_path / "saved")
    pd.testing.assert_frame_equal(back.doc_exclamations, table)

    # comparisons: rt exclaims more than cnn
    measures = findings.document_measures(tables, tables.documents)
    tests = findings.run_tests(measures)
    row = tests[(tests["measure"] == "share of sentences exclaiming") & (tests["outlet"] == "rt")
                & (tests["comparison"] == "vs all other outlets")]
    assert len(row) == 1 and row["difference"].iloc[0] > 0.3

    # the explorer's evidence: rt's documents at each end of the measure
    ev = explore.evidence(tables, "share of sentences exclaiming", "rt", voice=None, k=2)
    assert set(ev["end"]) == {"highest", "lowest"} and (ev["outlet"] == "rt").all()
    assert ev["score"].max() > 0

    # framing diff: a run where rt stops exclaiming moves the difference outside run A's interval
    quiet = pipeline.build(_corpus(tmp_path / "quiet", shouting=0.0), actor_mode="fast", progress=False)
    runs = []
    for name, t in (("20260101T000000Z-00001", tables), ("20260102T000000Z-00002", quiet)):
        folder = tmp_path / "reports" / name / "tables"
        folder.mkdir(parents=True)
        findings.run_tests(findings.document_measures(t, t.documents)).to_csv(folder / "comparisons.csv", index=False)
        runs.append(folder.parent)
    diff = diff_runs(*runs)
    moved = [m for m in diff["comparisons_moved"] if m["measure"] == "share of sentences exclaiming"]
    assert {m["outlet"] for m in moved} == {"rt", "cnn"} and all(m["difference_b"] == 0 for m in moved)
    assert "share of sentences exclaiming / rt" in format_diff(diff)


def test_the_schema_listing_and_the_lists_derive_from_the_registry(registered):
    listing = registry.describe()
    row = listing[listing["table"] == "doc_exclamations"].iloc[0]
    assert row["feature"] == "exclamations" and "share of sentences exclaiming" in row["measures"]
    assert list(listing["table"]) == list(registry.tables()) == list(pipeline.FEATURE_TABLES)
    assert "doc_exclamations" in pipeline.ENGLISH_TABLES and "doc_exclamations" not in pipeline.SENTENCE_TABLES
    assert len(pipeline.StudyTables.TABLES) == 4 + len(registry.tables())


def test_registration_refuses_what_it_cannot_honour():
    def bad(**kw):
        return Feature(name=kw.pop("name", "x"), compute=exclamations, tables=kw.pop("tables", (TABLE,)), **kw)

    with pytest.raises(RegistryError, match="already registered"):
        registry.register(bad(name="sentiment"))
    with pytest.raises(RegistryError, match="taken"):
        registry.register(bad(tables=(Table("doc_sentiment", {"doc_id": "string"}),)))
    with pytest.raises(RegistryError, match="taken"):
        registry.register(bad(tables=(Table("documents", {"doc_id": "string"}),)))
    with pytest.raises(RegistryError, match="first column"):
        registry.register(bad(tables=(Table("t", {"x": "string", "doc_id": "string"}, ("x",)),)))
    with pytest.raises(RegistryError, match="dtypes"):
        registry.register(bad(tables=(Table("t", {"doc_id": "string", "x": "object"}),)))
    with pytest.raises(RegistryError, match="sort"):
        registry.register(bad(tables=(Table("t", {"doc_id": "string"}, ("sent_idx",)),)))
    with pytest.raises(RegistryError, match="requires"):
        registry.register(bad(requires=("nowhere",)))
    with pytest.raises(RegistryError, match="measure"):
        registry.register(bad(measures=(DocumentMeasure("doc_exclamations", "missing", "mean", "m"),)))
    with pytest.raises(RegistryError, match="unknown models"):
        registry.register(bad(models={"fast": ("gpt",)}))
    with pytest.raises(RegistryError, match="required by"):
        registry.unregister("attribution")
    assert "x" not in {f.name for f in registry.features()}  # nothing half-registered


def test_a_feature_that_returns_other_tables_than_it_declares_is_named(tmp_path):
    odd = Feature(name="odd", compute=lambda inputs: {"other": inputs.documents[["doc_id"]]},
                  tables=(Table("doc_odd", {"doc_id": "string"}),))
    registry.register(odd)
    try:
        with pytest.raises(RegistryError, match="'odd' returned tables"):
            pipeline.build(_corpus(tmp_path / "c", shouting=0), actor_mode="fast", progress=False)
    finally:
        registry.unregister("odd")


# ---------------------------------------------------------------- keys: what recomputes what

PLUGIN = '''
import pandas as pd
from framing.features.registry import Feature, Table

def compute(inputs):
    return {"doc_length": inputs.documents[["doc_id"]].assign(n_chars=inputs.documents["text"].str.len() * SCALE)}

SCALE = 1
FEATURE = Feature(name="length", compute=compute, tables=(Table("doc_length", {"doc_id": "string", "n_chars": "int64"}),),
                  gold=("newsmtsc/devtest_rw.jsonl",))
'''


def _computed(corpus, store):
    return pipeline.build(corpus, actor_mode="fast", progress=False, use_cache=True, cache_dir=store)


def test_editing_a_features_code_recomputes_that_feature_only(tmp_path, monkeypatch):
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "length_plugin.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(plugin))
    import importlib

    module = importlib.import_module("length_plugin")
    corpus, store = _corpus(tmp_path / "corpus", shouting=0.3), tmp_path / "features"
    registry.register(module.FEATURE)
    try:
        first = _computed(corpus, store)
        n = len(first.documents)
        assert set(first.meta["computed_features"].values()) == {n}  # cold: every feature, every document
        again = _computed(corpus, store)
        assert again.meta["computed_docs"] == 0 and set(again.meta["computed_features"].values()) == {0}

        # the plugin's source changes: its feature is computed again, and nothing else is
        (plugin / "length_plugin.py").write_text(PLUGIN.replace("SCALE = 1", "SCALE = 2"), encoding="utf-8")
        registry.unregister("length")
        registry.clear_keys()
        module = importlib.reload(module)
        registry.register(module.FEATURE)
        edited = _computed(corpus, store)
        assert {k: v for k, v in edited.meta["computed_features"].items() if v} == {"length": n}
        assert (edited.doc_length["n_chars"] == 2 * first.doc_length["n_chars"]).all()
        for name in pipeline.FEATURE_TABLES:  # the stored rows of the other features are what a cold build gives
            if name != "doc_length":
                pd.testing.assert_frame_equal(getattr(edited, name), getattr(first, name), obj=name)
    finally:
        registry.unregister("length")
        registry.clear_keys()


def test_each_key_covers_its_own_code_lexicons_models_and_gold(monkeypatch, tmp_path):
    """Changing one input changes exactly the keys of the features that declare it (and of those that need them)."""
    from framing import lexicons, models

    keys = {f.name: f.key("fast") for f in registry.features()}
    assert len(set(keys.values())) == len(keys)
    assert registry.get("topics").key("fast") == registry.get("topics").key("accurate")  # mode-free: shared rows
    assert registry.get("actors").key("fast") != registry.get("actors").key("accurate")

    def changed(patch) -> set[str]:
        registry.clear_keys()
        with monkeypatch.context() as m:
            patch(m)
            after = {f.name: f.key("fast") for f in registry.features()}
        registry.clear_keys()
        return {name for name in keys if after[name] != keys[name]}

    real_hash = lexicons.file_hash
    assert changed(lambda m: m.setattr(lexicons, "file_hash",
                                       lambda p: "x" if p.name == "labels.yaml" else real_hash(p))) == {"labels"}
    real_artefact = models.artefact_hash
    assert changed(lambda m: m.setattr(models, "artefact_hash",
                                       lambda k: "x" if k == "fast" else real_artefact(k))) == {
        "actors", "labels", "roles"}  # the fast actor model; labels and roles read its mentions
    assert changed(lambda m: m.setattr(models, "artefact_hash",
                                       lambda k: "x" if k == "frames-fast" else real_artefact(k))) == {"generic_frames"}

    real_source = registry.source_hash

    def edited(module):
        return lambda names: real_source(names) + ("edited" if module in registry.module_closure(
            tuple(sorted(set(names)))) else "")

    assert changed(lambda m: m.setattr(registry, "source_hash", edited("framing.features.lexcats"))) == {"lexcats"}
    assert changed(lambda m: m.setattr(registry, "source_hash", edited("framing.features.labels"))) == {"labels"}
    assert changed(lambda m: m.setattr(registry, "source_hash", edited("framing.text"))) == set(keys)  # a base module


def test_a_changed_gold_file_changes_the_key_of_the_feature_that_reads_it(tmp_path, monkeypatch):
    from framing import config

    gold = tmp_path / "external" / "newsmtsc"
    gold.mkdir(parents=True)
    (gold / "devtest_rw.jsonl").write_text('{"a": 1}\n', encoding="utf-8")
    monkeypatch.setattr(config, "EXTERNAL_DIR", tmp_path / "external")
    feature = registry.register(Feature(name="golden", compute=exclamations, tables=(
        Table("doc_golden", {"doc_id": "string"}),), gold=("newsmtsc/devtest_rw.jsonl",)))
    try:
        before = {f.name: f.key("fast") for f in registry.features()}
        (gold / "devtest_rw.jsonl").write_text('{"a": 2}\n', encoding="utf-8")
        registry.clear_keys()
        after = {f.name: f.key("fast") for f in registry.features()}
        assert {n for n in before if before[n] != after[n]} == {feature.name}
    finally:
        registry.unregister("golden")
        registry.clear_keys()


def test_features_named_in_the_environment_load_in_every_process(tmp_path):
    (tmp_path / "length_plugin.py").write_text(PLUGIN, encoding="utf-8")
    script = textwrap.dedent("""
        import json
        from framing.build import pipeline
        from framing.features import registry
        print(json.dumps([[f.name for f in registry.features()], list(pipeline.StudyTables.TABLES)]))
    """)
    env = {"PYTHONPATH": str(tmp_path), "FRAMING_FEATURES": "length_plugin", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    names, tables = json.loads(done.stdout)
    assert names == [*(f.name for f in registry.features() if registry.is_builtin(f)), "length"]
    assert tables[-1] == "doc_length"
    env["FRAMING_FEATURES"] = "no_such_plugin"
    bad = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "FRAMING_FEATURES names 'no_such_plugin'" in bad.stderr and "PYTHONPATH" in bad.stderr
    env["FRAMING_FEATURES"] = "length_plugin:compute"  # a function, not a Feature
    wrong = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert wrong.returncode != 0 and "not a framing Feature" in wrong.stderr


def test_the_readme_lists_the_feature_tables_the_registry_declares():
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    listed = readme.split("<!-- features:begin -->\n", 1)[1].split("\n<!-- features:end -->", 1)[0]
    assert listed == registry.markdown(), "README out of date: paste `framing features --markdown`"


def test_a_partial_is_keyed_on_the_function_it_wraps_and_its_arguments():
    import functools

    def scaled(inputs, *, k):
        return {"doc_scaled": inputs.documents[["doc_id"]].assign(k=k)}

    table = (Table("doc_scaled", {"doc_id": "string", "k": "int64"}),)
    keys = []
    for k in (1, 1, 2):
        registry.register(Feature(name="scaled", compute=functools.partial(scaled, k=k), tables=table))
        try:
            keys.append(registry.get("scaled").key("fast"))
        finally:
            registry.unregister("scaled")
    assert keys[0] == keys[1] != keys[2]


def test_editing_one_measure_module_changes_only_the_keys_that_depend_on_it():
    """The import closure is followed through the package's modules, not through the registry or models/__init__
    (which import everything), so a leaf measure's edit stays its own."""
    def closure_of(feature):
        own = feature.compute.__module__
        return registry.module_closure(tuple(sorted({own, *registry.BASE_MODULES})))

    closures = {f.name: closure_of(f) for f in registry.features()}
    for leaf in ("lexcats", "labels", "roles", "issue_frames"):
        assert {name for name, c in closures.items() if f"framing.features.{leaf}" in c} == {leaf}
    assert {name for name, c in closures.items() if "framing.features.frames" in c} == {"generic_frames",
                                                                                        "issue_frames"}
    assert not any("framing.build.pipeline" in c for c in closures.values())  # the registry is not followed


def test_a_corrected_title_recomputes_its_documents_topic_tags(tmp_path):
    # the build caches a chunk's tables by its documents, titles included; a chunk never spans two files
    corpus, store = tmp_path / "corpus", tmp_path / "features"
    corpus.mkdir()
    rows = [{"title": "Maduro and Guaido clash in Caracas", "outlet": "rt", "date": "2020-01-02",
             "text": "The council approved a new budget for schools. Farmers said the drought hurt the harvest."},
            {"title": "Local budget", "outlet": "cnn", "date": "2020-01-03",
             "text": "The new rail line will open to passengers next spring."}]
    _table(corpus, rows[:1], "a.csv")
    _table(corpus, rows[1:], "b.csv")
    before = pipeline.build(corpus, actor_mode="fast", progress=False, use_cache=True, cache_dir=store)
    assert "venezuela" in set(before.doc_topics["topic"])
    rows[0]["title"] = "Council budget approved"  # the same text, so the same doc_id
    _table(corpus, rows[:1], "a.csv")
    after = pipeline.build(corpus, actor_mode="fast", progress=False, use_cache=True, cache_dir=store)
    assert set(after.documents["doc_id"]) == set(before.documents["doc_id"])
    assert after.meta["computed_docs"] == 1 and "venezuela" not in set(after.doc_topics["topic"])


def test_each_declared_validation_names_rows_of_the_validation_table():
    from framing.analysis import validate

    rows = [str(m) for m in validate.summary()["measure"]]
    declared = {f.name: f.validated_by for f in registry.features() if f.validated_by}
    assert set(declared) == {"sentiment", "attribution", "actors", "roles", "generic_frames"}
    for name, prefixes in declared.items():
        for prefix in prefixes:
            assert any(r.startswith(prefix) for r in rows), (name, prefix)
    listing = registry.describe().set_index("table")["validated_by"]
    assert listing["doc_lexcats"] == "not validated against gold data"
