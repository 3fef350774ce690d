"""Versioned lexicon files shipped with the package, and their loader.

Each YAML file carries a ``version`` and a source/licence header. :func:`file_hash` lets a run manifest
record exactly which lexicon it used.
"""

from __future__ import annotations

import copy
import functools
import hashlib
from pathlib import Path
from typing import Any

import yaml

from framing.config import LEXICONS_DIR


class LexiconError(ValueError):
    """A lexicon file is missing or malformed."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first on line {seen[key] + 1})", key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def lexicon_path(name: str, *, directory: Path | None = None) -> Path:
    """Path of a lexicon file by name (``"topics"`` or ``"topics.yaml"``)."""
    base = directory or LEXICONS_DIR
    path = base / (name if "." in name else f"{name}.yaml")
    if not path.is_file():
        raise LexiconError(f"lexicon {name!r} not found at {path}")
    return path


def load_yaml(path: Path) -> dict[str, Any]:
    """Load a YAML lexicon, naming the file and line of any syntax error.

    Parsed files are kept in memory by their text (the pipeline loads the same lexicons for every batch); each
    call returns its own copy, so a caller may change what it gets.
    """
    return copy.deepcopy(_parse_yaml(path.read_text(encoding="utf-8"), str(path)))


@functools.lru_cache(maxsize=64)
def _parse_yaml(text: str, path: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise LexiconError(f"{path}:{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise LexiconError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    return data


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, as hex (read in blocks: a gold file need not fit in memory twice)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
