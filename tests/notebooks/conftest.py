"""Fixtures shared by the end-to-end report tests."""

from __future__ import annotations

import pytest

from framing.report import run_study

from .hostile import FOLDER, files_under, write_hostile_corpus


@pytest.fixture(scope="session")
def hostile_study(tmp_path_factory):
    """One complete run on the hostile corpus (see tests/notebooks/hostile.py), shared by the tests that read it.

    Returns:
        ``base`` (the folder holding corpus and reports), ``corpus``, ``out`` (the reports folder), ``run`` (the
        published run), ``marker`` (a file only a payload run as shell code would create) and ``new`` (every path
        the run created under ``base``).

    """
    base = tmp_path_factory.mktemp("hostile")
    marker = base / "pwned-by-outlet-name"
    corpus = write_hostile_corpus(base / FOLDER, marker)
    out = base / "reports"
    before = files_under(base)
    run = run_study(corpus_dir=corpus, out_dir=out, progress=False)
    return {"base": base, "corpus": corpus, "out": out, "run": run, "marker": marker,
            "new": files_under(base) - before}
