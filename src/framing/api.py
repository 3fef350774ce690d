"""The short API for JupyterLab: open a study, select, compare, show the evidence, add a measure.

Each name wraps the module that does the work; a function that takes ``study`` takes a
:class:`~framing.report.Study` (from :func:`open_study`) or the bare tables of a run (:func:`load_run`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd


def _tables(study: Any) -> Any:
    return getattr(study, "tables", study)


def open_study(corpus_dir: str | Path = "data/raw", *, progress: bool = True, **params: Any) -> Any:
    """The study of a corpus folder: its tables (built, or read from the cache) and the report's settings.

    ``params`` are the report's parameters (``actor_mode``, ``outlets``, ``focus_topic``, ``voice``, ...), checked as
    ``framing run`` checks them. The report's sections take the result: ``framing.report.sections.tone(study)``.
    """
    from framing.report.study import open_report

    return open_report(corpus_dir, progress=progress, **params)


def load_run(run: str | Path = "latest", *, reports: str | Path | None = None) -> Any:
    """The tables of a finished ``framing run`` (``"latest"``, a run id, or a run folder)."""
    from framing.report.explore import load_run as load

    return load(run, reports=reports)


def select(study: Any, *, outlets: list[str] | None = None, topic: str = "all",
           include_duplicates: bool = False) -> pd.DataFrame:
    """The documents a comparison counts, with their tone: copies and stubs out, outlets and a topic kept."""
    from framing.build.pipeline import select as pick

    return pick(_tables(study), outlets=outlets, topic=topic, include_duplicates=include_duplicates)


def compare(study: Any, *, voice: str = "author") -> pd.DataFrame:
    """Every outlet-versus-rest test of every measure, with intervals, effect sizes and BH q-values.

    The table of the report's key findings (``tables/comparisons.csv``); measures a registered feature offers are
    in it too.
    """
    from framing.analysis import findings
    from framing.corpus import comparable

    settings = getattr(study, "settings", None)
    tables = _tables(study)
    documents = study.unique if settings is not None else comparable(tables.documents)
    measures = findings.document_measures(tables, documents, voice=voice)
    if settings is None:
        return findings.run_tests(measures)
    return findings.run_tests(measures, settings=settings.compare, fdr=settings.fdr)


def evidence(study: Any, measure: str, outlet: str, *, voice: str | None = "author", k: int = 5) -> pd.DataFrame:
    """The sentences (or documents) behind one cell: ``evidence(study, "sentiment toward maduro", "rt")``."""
    from framing.report.explore import evidence as find

    return find(_tables(study), measure, outlet, voice=voice, k=k)


def kwic(study: Any, query: str, **options: Any) -> pd.DataFrame:
    """Keyword in context: every sentence matching ``query``, by outlet (see :func:`framing.report.explore.kwic`)."""
    from framing.report.explore import kwic as search

    return search(_tables(study), query, **options)


def list_features() -> pd.DataFrame:
    """The registered features: their tables, inputs and the measures they offer (``framing features``)."""
    from framing.features import registry

    return registry.describe()
