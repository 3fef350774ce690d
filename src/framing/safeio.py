"""Writes that happen whole or not at all, pre-flight checks of an output folder, and plain words for failed writes.

Every file the study keeps (run tables, caches, manifests, Parquet parts) is written to a temporary name beside
its target and renamed over it with :func:`os.replace`, which is atomic on POSIX file systems: a reader (or the
next run, after a crash or a ``SIGKILL``) sees the old file or the new one, never half of one. When a write fails
(disk full, file too large, read-only file system) the temporary file is removed and the error names the target.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

TMP_SUFFIX = ".part"  # temporary files end in this; nothing else in a run folder or a cache does
MIN_FREE_MB = 200.0  # free space (MiB) a study run asks of its output and cache folders (seed corpus: ~10 MiB)


class OutputError(OSError):
    """An output folder that cannot be used: not creatable, not writable, or short of free space.

    The message is the whole text (no ``[Errno N]`` prefix); ``errno`` still says what the system reported.
    """

    def __init__(self, message: str, *, code: int | None = None):
        super().__init__(message)
        self.errno = code


def tmp_path(path: Path) -> Path:
    """The temporary name :func:`atomic_path` writes ``path`` under (hidden, never used twice).

    >>> tmp_path(Path("/x/tables/documents.csv")).name.endswith(".documents.csv.part")
    True
    """
    return private_name(path)


def _with_filename(exc: OSError, path: Path) -> OSError:
    """``exc`` with ``path`` as its file name when it has none (a failed ``write()`` names no file)."""
    if exc.filename is not None or exc.errno is None:
        return exc
    return type(exc)(exc.errno, exc.strerror or os.strerror(exc.errno), str(path))


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on failure it is removed.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> with atomic_path(folder / "a.txt") as tmp:
        ...     _ = tmp.write_text("whole")
        >>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
        ('whole', ['a.txt'])

    """
    tmp = tmp_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        new = _with_filename(exc, path)
        if new is exc:
            raise
        raise new from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def atomic_write_text(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_path`)."""
    return atomic_write_bytes(path, text.encode(encoding))


def private_name(target: Path) -> Path:
    """A hidden name beside ``target`` that no other process (and no earlier call here) uses: for building it."""
    return target.with_name(f".{os.getpid()}.{next(_SERIAL)}.{target.name}{TMP_SUFFIX}")


_SERIAL = itertools.count()


def remove_tree(folder: Path) -> None:
    """Delete a folder so that no half-deleted copy is ever seen under its name (renamed away first).

    A folder that is not there (never was, or another process removed it meanwhile) is no error.
    """
    doomed = private_name(folder).with_suffix(".deleting")
    try:
        os.replace(folder, doomed)
    except FileNotFoundError:
        return
    shutil.rmtree(doomed, ignore_errors=True)


def publish_dir(built: Path, target: Path, *, whole: Callable[[Path], bool]) -> None:
    """Move the finished folder ``built`` to ``target``, whole, where other processes may be doing the same.

    A ``target`` that is already ``whole`` (another process published the same content meanwhile: cache folders
    are named by what they hold) is kept and ``built`` dropped; an incomplete one is replaced. Readers see no
    folder or a whole one, never a half-written or half-deleted one.
    """
    if whole(target):
        shutil.rmtree(built, ignore_errors=True)
        return
    remove_tree(target)
    try:
        os.replace(built, target)
    except OSError:  # another process renamed its copy in between (ENOTEMPTY / EEXIST)
        shutil.rmtree(built, ignore_errors=True)
        if not whole(target):
            raise


_MESSAGES = {
    errno.ENOSPC: "disk full or file too large while writing {what}",
    errno.EFBIG: "disk full or file too large while writing {what}",
    errno.EDQUOT: "disk quota exceeded while writing {what}",
    errno.EROFS: "read-only file system: cannot write {what}",
    errno.EACCES: "permission denied: cannot write {what}",
    errno.EPERM: "operation not permitted: cannot write {what}",
}


def describe_os_error(exc: OSError) -> str:
    """A one-line account of a failed write: what went wrong, and which file.

    >>> describe_os_error(OSError(errno.EFBIG, "File too large", "/r/tables/sentences.csv"))
    'disk full or file too large while writing /r/tables/sentences.csv ([Errno 27] File too large)'
    >>> describe_os_error(OutputError("output folder /x is not writable"))
    'output folder /x is not writable'
    """
    template = _MESSAGES.get(exc.errno) if exc.errno is not None else None
    if template is None or isinstance(exc, OutputError):
        return str(exc)
    what = exc.filename if exc.filename is not None else "a file"
    return template.format(what=what) + f" ([Errno {exc.errno}] {exc.strerror})"


def check_output_folder(folder: Path, *, min_free_mb: float = 0.0, label: str = "output folder") -> Path:
    """Make ``folder`` if needed and check that a file can be written there and that enough space is free.

    The write is tried for real (a temporary file, removed at once): permission bits say nothing to root, and a
    read-only mount or a file where the folder should be only shows when writing.

    Args:
        folder: The folder.
        min_free_mb: Free space the folder's file system must have, in MiB (0: no check).
        label: What the folder is, for the message.

    Raises:
        OutputError: naming the folder and the reason.

    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{label} {folder} cannot be created: {exc.strerror or exc}", code=exc.errno) from exc
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=".framing-probe-", suffix=TMP_SUFFIX)
        os.close(handle)
        os.unlink(name)
    except OSError as exc:
        raise OutputError(f"{label} {folder} is not writable: {exc.strerror or exc}", code=exc.errno) from exc
    if min_free_mb > 0:
        free_mb = shutil.disk_usage(folder).free / 2**20
        if free_mb < min_free_mb:
            raise OutputError(f"{label} {folder} has {free_mb:.0f} MiB free; a run needs at least "
                              f"{min_free_mb:.0f} MiB (setting min_free_mb)", code=errno.ENOSPC)
    return folder
