"""The report: sections in the package, the notebooks that call them, and the run that renders and publishes them.

- :func:`open_report` (in a notebook's first cell) gives a :class:`Study`; each later cell is one section call,
  ``sections.<name>(study)``, which renders or says in one sentence what the corpus lacks for it.
- :func:`run_study` (``framing run``) executes the notebooks with papermill, renders one HTML page with nbconvert,
  writes the manifest and publishes the run atomically.
"""

from framing.report import sections
from framing.report.display import TABLE_SCHEMAS, Outputs, Shown, check_schema, note, output_name, show_table
from framing.report.params import DEFAULTS, ParameterError, ReportSettings, check_params, load_params
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
from framing.report.study import Needs, Study, open_report

__all__ = [
    "DEFAULTS", "REPORT_NOTEBOOKS", "TABLE_SCHEMAS", "NoDocuments", "Needs", "Outputs", "ParameterError",
    "ReportSettings", "RunFailed", "Shown", "Study", "check_params", "check_schema", "load_params", "markdown_code",
    "note", "open_report", "output_name", "publish_latest", "render_html", "report_exporter", "run_study",
    "sections", "show_table", "write_explorer",
]
