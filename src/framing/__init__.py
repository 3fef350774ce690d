"""framing: comparative media-framing research, from raw text dumps to cited reports.

The package follows the data: ``ingest/`` (one reader per format) → ``build/`` (normalise, dedupe, segment, the
feature store, the chunked and Dask engine) → ``features/`` (the registry and one module per measure) →
``analysis/`` (comparisons, statistics, sourcing, findings, validation) → ``report/`` (sections, display, the run,
the explorer, run diffs), with ``handcoding/`` and ``models/`` beside them.

In JupyterLab the short API is enough::

    import framing

    study = framing.open_study("data/raw", actor_mode="fast")
    docs = framing.select(study, outlets=["rt", "canary"], topic="venezuela")
    tests = framing.compare(study)                       # every outlet-vs-rest test, BH-corrected
    framing.evidence(study, "sentiment toward maduro", "rt")
    framing.kwic(study, "regime change")
    framing.register(my_feature)                          # a measure of your own (framing.Feature)
    framing.list_features()                               # the measures registered, their tables and inputs
"""

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from framing.api import compare, evidence, kwic, list_features, load_run, open_study, select
    from framing.features.registry import DocumentMeasure, Feature, Inputs, Table, register

# Loaded on first use: every worker and kernel imports this package, and most need none of these.
_API = {"open_study": "framing.api", "load_run": "framing.api", "select": "framing.api", "compare": "framing.api",
        "evidence": "framing.api", "kwic": "framing.api", "list_features": "framing.api",
        "register": "framing.features.registry", "Feature": "framing.features.registry",
        "Table": "framing.features.registry", "DocumentMeasure": "framing.features.registry",
        "Inputs": "framing.features.registry"}


def __getattr__(name: str) -> Any:
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'framing' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})


__all__ = ["DocumentMeasure", "Feature", "Inputs", "Table", "__version__", "compare", "evidence", "kwic",
           "list_features", "load_run", "open_study", "register", "select"]
