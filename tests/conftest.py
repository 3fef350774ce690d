from __future__ import annotations

from pathlib import Path

import pytest

from framing import pipeline
from framing.config import PROJECT_ROOT
from framing.ingest import read_corpus

RAW = PROJECT_ROOT / "data" / "raw"
FORUM = "000_d159b8c2e40e4b06.txt"
SUBSTACK = "001_92a904c3a085f43c.txt"
SOTT = "002_488a665a99055364.txt"
FEED = "003_72d4c2db9f8cfb1a.txt"


@pytest.fixture(scope="session")
def seed_ingest():
    return read_corpus(RAW)


@pytest.fixture(scope="session")
def seed_tables():
    return pipeline.build(RAW, progress=False)


@pytest.fixture()
def corpus_dir(tmp_path: Path):
    """An empty corpus folder to write small hand-made files into."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    return folder
