"""The shipped models: safe to load, exact, checked against their training files, rebuilt by ``framing train``."""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from framing import models
from framing.config import PACKAGE_DIR
from framing.features import actors, frames
from framing.models import artefacts


def _tiny_model(tmp_path: Path) -> tuple[artefacts.Spec, Path, Path]:
    """The shipped fast model saved again, with a spec whose input is a small file the test may edit."""
    train = tmp_path / "train.jsonl"
    train.write_text("\n".join(actors.NEWSMTSC_TRAIN.read_text(encoding="utf-8").splitlines()[:20]) + "\n",
                     encoding="utf-8")
    spec = dataclasses.replace(models.SPECS["fast"], inputs=lambda: [train])
    path = artefacts.save(models.get("fast"), spec, tmp_path / "out", validation={"note": "test"})
    return spec, path, train


@pytest.mark.parametrize("kind", models.KINDS)
def test_shipped_artefacts_are_json_and_plain_arrays(kind):
    meta = models.metadata(kind)
    assert meta["format"] == artefacts.FORMAT and meta["kind"] == kind
    assert meta["inputs"] and all(len(h) == 64 for h in meta["inputs"].values())
    assert meta["validation"]  # the figures `framing train` computed, stored with the model
    with np.load(models.SHIPPED_DIR / f"{kind}.npz", allow_pickle=False) as npz:  # raises on any pickled member
        assert all(npz[k].dtype != object for k in npz.files)
    models.get(kind)  # loads: its inputs are the files in data/external now


@pytest.mark.parametrize("kind", models.KINDS)
def test_a_loaded_artefact_saves_back_to_the_same_bytes(kind, tmp_path):
    meta = models.metadata(kind)
    path = artefacts.save(models.get(kind), models.SPECS[kind], tmp_path, validation=meta["validation"])
    again = json.loads(path.read_text(encoding="utf-8"))
    assert again["model"] == meta["model"]  # every setting, vocabulary and array reference
    assert path.with_suffix(".npz").read_bytes() == (models.SHIPPED_DIR / f"{kind}.npz").read_bytes()


def test_a_loaded_model_predicts_exactly_what_the_saved_one_did(tmp_path):
    spec, path, _ = _tiny_model(tmp_path)
    probe = actors.load_newsmtsc(actors.NEWSMTSC_TRAIN).iloc[200:260]
    assert np.array_equal(artefacts.load(path, spec).predict_proba(probe), models.get("fast").predict_proba(probe))


def test_a_changed_training_file_is_an_error_not_a_silent_retrain(tmp_path):
    spec, path, train = _tiny_model(tmp_path)
    artefacts.load(path, spec)
    train.write_text(train.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(artefacts.StaleArtefact, match=r"other versions of .*train\.jsonl.*run `framing train fast`"):
        artefacts.load(path, spec)
    with pytest.raises(artefacts.StaleArtefact, match="version 1, and this code expects the fast model version 2"):
        artefacts.load(path, dataclasses.replace(spec, version=2))


def test_arrays_from_another_training_are_refused(tmp_path):
    spec, path, _ = _tiny_model(tmp_path)
    npz = path.with_suffix(".npz")
    npz.write_bytes((models.SHIPPED_DIR / "frames-fast.npz").read_bytes())
    with pytest.raises(artefacts.ArtefactError, match="do not belong together"):
        artefacts.load(path, spec)


def test_the_loader_builds_only_the_classes_it_allows(tmp_path):
    spec, path, _ = _tiny_model(tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["model"] = {"__object__": "subprocess.Popen", "state": {"args": ["touch", str(tmp_path / "ran")]}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(artefacts.ArtefactError, match="refusing to build an object of class subprocess.Popen"):
        artefacts.load(path, spec)
    assert not (tmp_path / "ran").exists()
    with pytest.raises(artefacts.ArtefactError, match="cannot store an object of class"):
        artefacts.save({"bad": Path("x")}, spec, tmp_path / "o", validation={})


def test_no_module_of_the_package_unpickles():
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
                 for a in node.names} | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not names & {"pickle", "joblib", "dill", "cloudpickle"}, path
        assert "allow_pickle=True" not in path.read_text(encoding="utf-8"), path


def test_the_validation_figures_are_the_models_own():
    assert models.validation("fast")["cv_macro_f1"] == models.get("fast").cv_scores
    assert models.validation("accurate")["holdout_macro_f1"] == models.get("accurate").holdout_scores
    devtest = actors.EXTERNAL_DIR / "newsmtsc" / "devtest_rw.jsonl"
    assert models.validation("fast")["devtest_rw"] == actors.evaluate(models.get("fast"), devtest)
    # the LoRA adapters merged into MiniLM at load predict what the trained model did
    assert models.validation("accurate")["devtest_rw"] == actors.evaluate(models.get("accurate"), devtest)
    assert models.validation("frames-fast")["dev_in_sample"] == frames.in_sample_scores(models.get("frames-fast"))
    assert models.validation("frames")["nested_cv"] == models.get("frames").cv_scores
    assert models.validation("roles")["grouped_cv"] == models.get("roles").cv_scores


@pytest.mark.retrain
def test_framing_train_reproduces_the_shipped_artefacts(tmp_path, capsys):
    """Every model retrained from data/external with its fixed seeds: the same arrays and the same figures.

    ``framing validate all --out DIR`` is ``framing train --out DIR`` for every model, then the report's validation
    table with the recomputed figures beside the stored ones: it exits 0 only if they are all equal.
    """
    from framing.cli import main

    assert main(["validate", "all", "--out", str(tmp_path), "--skip", "accurate"]) == 0, capsys.readouterr().err
    table = capsys.readouterr().out
    stored = [line for line in table.splitlines() if "framing train" in line]
    assert "recomputed" in table and stored and all("accurate model" in line for line in stored), stored
    for kind in (k for k in models.KINDS if k != "accurate"):  # its fine-tuning: test below, and `framing train`
        shipped, fresh = models.metadata(kind), models.metadata(kind, tmp_path)
        assert fresh["inputs"] == shipped["inputs"], kind
        assert fresh["validation"] == shipped["validation"], kind  # the report's figures are framing validate's
        assert fresh["model"] == shipped["model"], kind
        fresh_bytes, shipped_bytes = ((d / f"{kind}.npz").read_bytes() for d in (tmp_path, models.SHIPPED_DIR))
        if "torch" not in shipped["packages"]:
            assert fresh_bytes == shipped_bytes, kind  # scikit-learn alone: the same bytes on any machine
            continue
        # MiniLM's float32 embeddings differ in their last bits from one CPU to another (the same packages gave
        # 1e-6 relative differences in the roles and frames arrays on an AMD EPYC host): equal figures, close arrays
        with np.load(tmp_path / f"{kind}.npz") as a, np.load(models.SHIPPED_DIR / f"{kind}.npz") as b:
            assert a.files == b.files, kind
            for name in b.files:
                if b[name].dtype.kind == "f":
                    np.testing.assert_allclose(a[name], b[name], rtol=1e-4, atol=1e-6, err_msg=f"{kind} {name}")
                else:
                    np.testing.assert_array_equal(a[name], b[name], err_msg=f"{kind} {name}")


@pytest.mark.retrain
def test_fine_tuning_the_accurate_model_is_reproducible(tmp_path):
    """The accurate model's fine-tuning (15 CPU minutes in full) run twice on 240 rows: the same arrays, bit for bit.

    With the shipped model re-scoring its stored devtest_rw figure exactly (the test above), this is what the
    retrain check can afford for it; `framing validate all` retrains it in full.
    """
    from framing.features import actor_tuned

    paths = []
    for run in ("a", "b"):
        model, scores = actor_tuned.train_tuned(limit=240, epochs=2)
        assert set(scores) == {"epoch=1", "epoch=2"} and model.epochs in (1, 2)
        paths.append(artefacts.save(model, models.SPECS["accurate"], tmp_path / run, validation={"holdout": scores}))
    a, b = (p.with_suffix(".npz").read_bytes() for p in paths)
    assert a == b
    assert paths[0].read_text() == paths[1].read_text()
    shipped = models.get("accurate")
    assert set(model.lora) == set(shipped.lora)  # the same modules adapted, at the same shapes
    assert all(model.lora[k]["A"].shape == shipped.lora[k]["A"].shape for k in model.lora)


def test_an_install_without_data_external_loads_the_shipped_models_and_says_so(tmp_path):
    """A wheel or a Dask worker has the package's models but not the project's gold files: nothing to check against."""
    code = ("import logging; logging.basicConfig(level=logging.WARNING)\n"
            "from framing import models\n"
            "print(type(models.get('fast')).__name__, type(models.get('frames-fast')).__name__)\n")
    env = {**os.environ, "FRAMING_PROJECT_ROOT": str(tmp_path)}  # an empty project: no data/external
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [type(models.get("fast")).__name__, type(models.get("frames-fast")).__name__]
    assert "training file(s) not present" in done.stderr and "used as shipped, unchecked" in done.stderr


def test_make_installs_the_package_versions_the_shipped_models_were_trained_with():
    """constraints.txt (and the Makefile's torch) pin what every shipped model records, so a retrain reproduces it."""
    import re

    root = Path(__file__).resolve().parents[2]
    pins = dict(line.split("==") for line in (root / "constraints.txt").read_text().splitlines()
                if line and not line.startswith("#"))
    torch = re.search(r"^TORCH_SPEC \?= torch==(\S+)$", (root / "Makefile").read_text(), re.M)
    assert torch is not None
    pins["torch"] = torch.group(1)
    for kind in models.KINDS:
        for package, version in models.metadata(kind)["packages"].items():
            assert pins.get(package) == version.split("+")[0], (kind, package, version)
