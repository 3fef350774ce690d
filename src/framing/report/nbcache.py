"""A cache of executed report notebooks that read no corpus (the validation notebook), keyed by all they depend on.

``04_validation.ipynb`` scores every measure against the gold data: minutes of work whose result depends only on
the code, the lexicons and shipped model artefacts (every file under ``src/framing``), the gold data (every file
under ``data/external``), the notebook itself, its parameters other than ``output_dir``, and the installed packages'
versions. :func:`notebook_key` hashes all of them; an entry ``data/interim/validation/<key>/`` holds the executed
notebook and the files it wrote into its run folder (tables, figures; not its log), and ``ENTRY.json`` saying which
run executed it and when. An entry is built in a private folder and renamed into place (:func:`framing.safeio.
publish_dir`), so a reader sees a whole entry or none.

``framing run --no-cache-validation`` (``run_study(cache_notebooks=False)``) executes the notebook again and
replaces its entry.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from framing.config import EXTERNAL_DIR, INTERIM_DIR, PACKAGE_DIR
from framing.lexicons import file_hash
from framing.safeio import atomic_write_text, private_name, publish_dir, remove_tree

log = logging.getLogger(__name__)

CACHEABLE = ("04_validation.ipynb",)  # report notebooks whose output depends on no corpus
KEY_ROOTS: tuple[Path, ...] = (PACKAGE_DIR, EXTERNAL_DIR)  # every file under these is part of the key
CACHE_DIR = INTERIM_DIR / "validation"
ENTRY = "ENTRY.json"  # written last: an entry folder without it is not an entry
NOTEBOOK = "notebook.ipynb"
OUTPUTS = "outputs"
UNCACHED_OUTPUTS = ("run.log",)  # what a notebook writes that is about its execution, not its result
_SKIP_DIRS = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


@dataclass(frozen=True)
class Entry:
    """A cached executed notebook: its folder and what ``ENTRY.json`` says (key, from_run, executed_utc)."""

    folder: Path
    about: dict[str, Any]

    @property
    def notebook(self) -> Path:
        """The executed notebook."""
        return self.folder / NOTEBOOK

    @property
    def outputs(self) -> Path:
        """The files it wrote into its run folder, under their paths there."""
        return self.folder / OUTPUTS


def _files(root: Path) -> Iterator[Path]:
    """Every file under ``root`` in a stable order, symlinks followed, byte-code caches left out."""
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            if not name.endswith((".pyc", ".pyo")):
                yield Path(folder) / name


def notebook_key(notebook: Path, parameters: dict[str, Any], *, versions: dict[str, str],
                 roots: tuple[Path, ...] | None = None) -> str:
    """SHA-256 over everything an executed corpus-free notebook depends on.

    Args:
        notebook: The notebook file (its bytes are hashed).
        parameters: The parameters injected into it; ``output_dir`` (where this run writes) is left out.
        versions: Installed packages' versions (:func:`framing.report.run.package_versions`).
        roots: Folders whose every file is hashed, by path relative to its root and content (default
            :data:`KEY_ROOTS`: ``src/framing`` and ``data/external``).

    Example:
        >>> import tempfile
        >>> root = Path(tempfile.mkdtemp())
        >>> nb = root / "n.ipynb"
        >>> _ = nb.write_text("{}")
        >>> a = notebook_key(nb, {"output_dir": "/x"}, versions={"pandas": "2"}, roots=(root,))
        >>> a == notebook_key(nb, {"output_dir": "/y"}, versions={"pandas": "2"}, roots=(root,))
        True
        >>> a == notebook_key(nb, {}, versions={"pandas": "3"}, roots=(root,))
        False

    """
    h = hashlib.sha256()
    kept = {k: v for k, v in parameters.items() if k != "output_dir"}
    h.update(json.dumps({"parameters": kept, "versions": versions}, sort_keys=True, default=str).encode())
    h.update(b"\0notebook\0" + bytes.fromhex(file_hash(notebook)))
    for i, root in enumerate(KEY_ROOTS if roots is None else roots):
        for path in _files(root):
            h.update(f"\0{i}:{path.relative_to(root).as_posix()}\0".encode())
            h.update(bytes.fromhex(file_hash(path)))
    return h.hexdigest()


def _whole(folder: Path) -> bool:
    return (folder / ENTRY).is_file() and (folder / NOTEBOOK).is_file()


def lookup(key: str, *, cache_dir: Path | None = None) -> Entry | None:
    """The entry cached under ``key``, or None (none, or an unreadable one)."""
    folder = (cache_dir or CACHE_DIR) / key
    if not _whole(folder):
        return None
    try:
        about = json.loads((folder / ENTRY).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("cached notebook %s unreadable, executing it again: %s", folder, exc)
        return None
    if not isinstance(about, dict) or about.get("key") != key:
        return None
    files = about.get("files")
    if not isinstance(files, list) or sorted(map(str, files)) != [p.as_posix() for p in output_files(folder / OUTPUTS)]:
        log.warning("cached notebook %s lacks files it recorded, executing it again", folder)
        return None
    return Entry(folder, about)


def output_files(folder: Path) -> list[Path]:
    """The files a notebook wrote into ``folder`` that belong in the cache (paths relative to it), sorted."""
    if not folder.is_dir():
        return []
    return sorted(p.relative_to(folder) for p in _files(folder) if p.relative_to(folder).as_posix()
                  not in UNCACHED_OUTPUTS)


def store(key: str, *, notebook: Path, outputs: Path, run_id: str, name: str, replace: bool = False,
          cache_dir: Path | None = None) -> Entry:
    """Cache an executed notebook and the files it wrote into ``outputs``, atomically.

    Args:
        key: Its :func:`notebook_key`.
        notebook: The executed notebook.
        outputs: The folder it wrote its tables and figures into.
        run_id: The run that executed it.
        name: The notebook's file name.
        replace: Replace an entry already there (a forced re-execution); otherwise an existing whole entry is kept.
        cache_dir: Where entries go (default :data:`CACHE_DIR`).

    """
    target = (cache_dir or CACHE_DIR) / key
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = private_name(target)
    try:
        tmp.mkdir()
        shutil.copyfile(notebook, tmp / NOTEBOOK)
        files = output_files(outputs)
        for rel in files:
            (tmp / OUTPUTS / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(outputs / rel, tmp / OUTPUTS / rel)
        about = {"key": key, "notebook": name, "from_run": run_id,
                 "executed_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                 "files": [rel.as_posix() for rel in files]}
        atomic_write_text(tmp / ENTRY, json.dumps(about, indent=2) + "\n")
        if replace:
            remove_tree(target)
        publish_dir(tmp, target, whole=_whole)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Entry(target, about)


def restore(entry: Entry, *, notebook: Path, outputs: Path) -> None:
    """Copy a cached executed notebook to ``notebook`` and the files it wrote into ``outputs``."""
    shutil.copyfile(entry.notebook, notebook)
    for rel in map(Path, entry.about["files"]):
        (outputs / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(entry.outputs / rel, outputs / rel)
