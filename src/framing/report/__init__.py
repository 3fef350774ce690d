"""The report: sections in the package, the notebooks that call them, and the run that renders and publishes them.

- :func:`open_report` (in a notebook's first cell) gives a :class:`Study`; each later cell is one section call,
  ``sections.<name>(study)``, which renders or says in one sentence what the corpus lacks for it.
- :func:`run_study` (``framing run``) executes the notebooks with papermill, renders one HTML page with nbconvert,
  writes the manifest and publishes the run atomically.
"""

from typing import TYPE_CHECKING, Any

from framing.report import sections
from framing.report.display import TABLE_SCHEMAS, Outputs, Shown, check_schema, note, output_name, show_table
from framing.report.params import DEFAULTS, ParameterError, ReportSettings, check_params, load_params
from framing.report.study import Needs, Study, open_report

if TYPE_CHECKING:
    from framing.report.run import (
        REPORT_NOTEBOOKS,
        NoDocuments,
        RunFailed,
        markdown_code,
        publish_latest,
        render_html,
        report_exporter,
        run_study,
        write_explorer,
    )

# The run's names load on first use: a report kernel needs only the sections, and framing.report.run imports
# nbformat, whose jsonschema import takes over a second on this machine class (a fixed cost of every notebook).
_RUN_NAMES = frozenset({"REPORT_NOTEBOOKS", "NoDocuments", "RunFailed", "markdown_code", "publish_latest",
                        "render_html", "report_exporter", "run_study", "write_explorer"})


def __getattr__(name: str) -> Any:
    if name in _RUN_NAMES:
        from framing.report import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULTS", "REPORT_NOTEBOOKS", "TABLE_SCHEMAS", "NoDocuments", "Needs", "Outputs", "ParameterError",
    "ReportSettings", "RunFailed", "Shown", "Study", "check_params", "check_schema", "load_params", "markdown_code",
    "note", "open_report", "output_name", "publish_latest", "render_html", "report_exporter", "run_study",
    "sections", "show_table", "write_explorer",
]
