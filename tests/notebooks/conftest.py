"""Fixtures shared by the end-to-end report tests."""

from __future__ import annotations

import subprocess

import pytest

from .hostile import FOLDER, files_under, write_hostile_corpus
from .offline import offline_env
from .test_faults import framing_cmd, make_root


@pytest.fixture(scope="session")
def hostile_study(tmp_path_factory):
    """The suite's one complete study run, shared by the tests that read it: the hostile corpus (see hostile.py).

    A real ``framing run`` subprocess (every notebook, the corpus-neutral defaults, the accurate models) in a
    project root of its own with cold caches, with every socket refused except loopback (offline.py). It is the
    first of the two cold runs of test_offline_determinism.py.

    Returns:
        ``base`` (the folder holding corpus and reports), ``corpus``, ``out`` (the reports folder), ``run`` (the
        published run), ``marker`` (a file only a payload run as shell code would create), ``new`` (every path
        the run created under ``base``), ``root`` (its project root) and ``site`` (the blocker's folder, with
        its log).

    """
    base = tmp_path_factory.mktemp("hostile")
    marker = base / "pwned-by-outlet-name"
    corpus = write_hostile_corpus(base / FOLDER, marker)
    out = base / "reports"
    elsewhere = tmp_path_factory.mktemp("hostile-root")  # the root's caches are not the run's output
    root = make_root(elsewhere / "root")
    env = offline_env(root, elsewhere / "site")
    before = files_under(base)
    done = subprocess.run(framing_cmd("run", "--corpus", str(corpus), "--out", str(out)), env=env, cwd=root,
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    return {"base": base, "corpus": corpus, "out": out, "run": (out / "latest").resolve(), "marker": marker,
            "new": files_under(base) - before, "root": root, "site": elsewhere / "site"}
