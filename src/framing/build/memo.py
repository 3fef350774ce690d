"""Per-text results kept on disk, so that a rerun repairs and splits only the texts it has not seen.

Text repair, language identification and sentence splitting are pure functions of one text (and of the code and
settings behind them). On a corpus that grew by 1%, redoing them for every document was most of a rerun's
pipeline: about 20 of 26 s at 10^4 documents on 2 cores. :class:`TextMemo` keeps each result under a hash of its
input text, in a folder whose name is a hash of everything the results depend on (:func:`memo_key`: the source
of the modules that compute them, the versions of ftfy, syntok and py3langid, and the language settings), so a
changed rule or setting starts an empty memo rather than serving stale results.

Storage is append-only Parquet: each run that computed new results adds one part file, written to a temporary
name and renamed into place, so concurrent runs never see a half-written part; a memo of more than
:data:`MAX_PARTS` parts is compacted into one. Values are plain strings and integers, never pickles.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

log = logging.getLogger(__name__)

MAX_PARTS = 16  # part files a memo folder may hold before they are compacted into one


def text_hash(text: str) -> str:
    """The memo's key of a text (a 128-bit BLAKE2b digest, hex).

    >>> text_hash("Maduro") == text_hash("Maduro"), len(text_hash(""))
    (True, 32)
    """
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def memo_key(*parts: object, modules: Sequence[str] = ()) -> str:
    """A hash of ``parts`` (versions, settings) and of the source files of ``modules``.

    >>> memo_key("a", modules=["framing.text"]) == memo_key("a", modules=["framing.text"])
    True
    >>> memo_key("a") == memo_key("b")
    False
    """
    import importlib

    h = hashlib.sha256("\x1f".join(map(str, parts)).encode())
    for name in modules:
        module = importlib.import_module(name)
        h.update(name.encode())
        h.update(Path(module.__file__ or "").read_bytes())
    return h.hexdigest()[:20]


class TextMemo:
    """Results of one function of a text, by the text's :func:`text_hash`, in a folder of Parquet parts.

    Args:
        folder: The memo's folder (one per function and :func:`memo_key`).
        columns: The result's columns; each holds text or bytes (``None`` allowed).
    """

    def __init__(self, folder: Path, columns: Sequence[str]):
        self.folder = folder
        self.columns = tuple(columns)
        self._known: pd.DataFrame | None = None

    def _parts(self) -> list[Path]:
        return sorted(self.folder.glob("part-*.parquet")) if self.folder.is_dir() else []

    def _load(self) -> pd.DataFrame:
        if self._known is None:
            frames = []
            for path in self._parts():
                try:
                    frames.append(pd.read_parquet(path))
                except (FileNotFoundError, OSError, ValueError) as exc:  # compacted away, or damaged: a miss
                    log.warning("memo part %s not read: %s", path, exc)
            known = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["key", *self.columns])
            self._known = known.drop_duplicates("key").set_index("key")
        return self._known

    def get(self, keys: Iterable[str]) -> dict[str, tuple[Any, ...]]:
        """The stored results of those ``keys`` the memo holds."""
        known = self._load()
        wanted = pd.Index(list(dict.fromkeys(keys)))
        hit = known.loc[wanted[wanted.isin(known.index)], list(self.columns)]
        return {k: tuple(_value(v) for v in row)
                for k, row in zip(hit.index, hit.itertuples(index=False, name=None), strict=True)}

    def put(self, results: dict[str, tuple[str | bytes | None, ...]]) -> None:
        """Store new results (a failed write is logged: it costs the next run time, not this run)."""
        from framing.safeio import atomic_path

        if not results:
            return
        rows = pd.DataFrame([(k, *v) for k, v in results.items()], columns=["key", *self.columns], dtype=object)
        name = f"part-{hashlib.sha256(''.join(sorted(results)).encode()).hexdigest()[:16]}-{os.getpid()}.parquet"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with atomic_path(self.folder / name) as tmp:
                rows.to_parquet(tmp, index=False)
            self._known = None
            parts = self._parts()
            if len(parts) > MAX_PARTS:
                self._compact(parts)
        except OSError as exc:
            log.warning("memo %s not written: %s", self.folder, exc)

    def _compact(self, parts: list[Path]) -> None:
        from framing.safeio import atomic_path

        known = self._load().reset_index()
        digest = hashlib.sha256("".join(known["key"]).encode()).hexdigest()[:16]
        target = self.folder / f"part-0-{digest}-{os.getpid()}.parquet"
        with atomic_path(target) as tmp:
            known.to_parquet(tmp, index=False)
        for path in parts:
            if path != target:
                path.unlink(missing_ok=True)
        self._known = None


def _value(v: Any) -> str | bytes | None:
    if v is None or (not isinstance(v, str | bytes) and pd.isna(v)):
        return None
    return v if isinstance(v, bytes) else str(v)
