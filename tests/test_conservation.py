"""Every non-blank line of every input is in exactly one document or one reject."""

import pytest

from framing.ingest import read_corpus

from .conftest import FEED, RAW, SOTT
from .line_coverage import line_problems


def coverage(result, folder):
    problems = []
    for report in result.files:
        text = (folder / report.source_file).read_text(encoding="utf-8")
        units = [u for u in [*result.records, *result.rejects] if u.source_file == report.source_file]
        missing, twice, extra = line_problems(text, units)
        if missing or twice or extra:
            problems.append((report.source_file, missing, twice, extra))
    return problems


def test_seed_corpus_lines_are_conserved(seed_ingest):
    assert coverage(seed_ingest, RAW) == []


def test_units_in_equal_documents_plus_rejects(seed_ingest):
    for report in seed_ingest.files:
        records = [r for r in seed_ingest.records if r.source_file == report.source_file]
        rejects = [r for r in seed_ingest.rejects if r.source_file == report.source_file]
        assert report.n_records + report.n_rejects == len(records) + len(rejects)
        assert len(records) > 0


@pytest.mark.parametrize("cut", [0.25, 0.5, 0.9])
def test_truncated_files_are_conserved(corpus_dir, cut):
    text = (RAW / FEED).read_text(encoding="utf-8")
    (corpus_dir / "feed.txt").write_text(text[: int(len(text) * cut)], encoding="utf-8")
    result = read_corpus(corpus_dir)
    assert coverage(result, corpus_dir) == []


def test_bylines_reposts_and_quoting_comments_are_conserved(corpus_dir):
    """Bylines leave the ledger and source lines leave the text: their lines must still be in one document."""
    sott = (RAW / SOTT).read_text(encoding="utf-8")
    sott = sott.replace("Comment: The events in Venezuela have taken a dramatic turn with countries around the world "
                        "choosing sides.", "Comment: As RT reported:\n\"A quoted sentence here,\" RT said.\n\nBy Ann Lee")
    (corpus_dir / "sott.txt").write_text(sott, encoding="utf-8")
    (corpus_dir / "feed.txt").write_text((RAW / FEED).read_text(encoding="utf-8").replace(
        "    By Joe Glenton\n", "    By Joe Glenton\n\n    Source: Reuters\n"), encoding="utf-8")
    (corpus_dir / "thread.txt").write_text("Venezuela\n\nBy Sam Poster\n\n" + "".join(
        f"Comment {i} on the uprising.\n\n— Reuters\n\n" for i in range(8)) + "By Kim Writer\n", encoding="utf-8")
    (corpus_dir / "manifest.yaml").write_text("files:\n  thread.txt:\n    reader: forum_thread\n", encoding="utf-8")
    result = read_corpus(corpus_dir)
    assert coverage(result, corpus_dir) == []
    assert not [r for r in result.rejects if r.reason == "byline"]
    assert {r.author for r in result.records} >= {"Ann Lee", "Joe Glenton", "Sam Poster", "Kim Writer"}


def test_empty_and_binary_files_go_to_the_ledger(corpus_dir):
    (corpus_dir / "empty.txt").write_text("\n\n", encoding="utf-8")
    (corpus_dir / "blob.bin").write_bytes(b"\x00\x01\x02\xff\xfe\x00garbage")
    result = read_corpus(corpus_dir)
    assert result.records == []
    assert sorted(r.reason for r in result.rejects) == ["empty file", "unreadable: binary file (NUL bytes)"]
