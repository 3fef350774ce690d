"""Bad input (issue 8): every reader, fed anything, gives records and rejects that account for what came in.

For every input no exception escapes :func:`read_file`, the file gives at least one unit, the file report counts
what came out, and the units are conserved: every non-blank line of a text file is in exactly one record or
reject; every data row of a table, item of a feed and comment of a thread is one record or one reject (a file
that cannot be read at all is one reject with the reason).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing.build import pipeline
from framing.config import DedupeSettings
from framing.ingest import BYTE_READERS, READERS, decode_bytes, read_corpus, read_file
from framing.ingest.base import MAX_DOCUMENT_CHARS
from framing.ingest.dates import check_date
from framing.outlets import OutletRegistry, slugify

from .conftest import FEED, RAW, SOTT, SUBSTACK
from .line_coverage import line_problems

OUTLETS = OutletRegistry.default()
SETTINGS = settings(derandomize=True, max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
HOSTILE_NAMES = ["../../etc", "../../etc/passwd", "$(rm -rf ~)", "a;b|c", "`whoami`", "C:\\Windows\\system32",
                 "name\x00with nul", "/", "..", "~", "<script>x</script>", "'; DROP TABLE outlets; --", "   ",
                 "Ελληνικά", "Guaidรณ News", "RT.com/../rt"]

# Fragments that make the text readers' structures: bullets and attributions (aggregator feed), SOTT items,
# "date" headers (blog posts), boilerplate, mojibake.
FRAGMENTS = [
    "", "", "  ", "• A bullet item about Caracas", "  • a nested bullet", "This post was originally published on RT.",
    "The post Coup fails appeared first on Popular Resistance.", "Originally published on teleSUR.",
    "Comment: See also:", "Comment: SOTT's view of this.", "UPDATE RT, 1/24/2019: headline", "UPDATE RT, 13/45/2019: x",
    "UPDATE (January 26): more", "UPDATE (Smarch 45): more", "© REUTERS / Stringer", "By Joe Glenton", "Read more:",
    "https://example.org/x", "Source:", "date 2019-01-24 Post text.", "date 2999-13-45 Post text.",
    "Featured image via Sky News", "Icon", "Short title", "Maduro spoke in Caracas about the oil sanctions.",
    "Guaidรณ said the army would not back Maduro.", "Guaidó dijo que no.", "\ufeffBOM line", "tab\there",
    "TEHRAN, Jan. 04 (MNA) – Iran said ...", "Here is what they said:", "… Read full story",
]
text_lines = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=80))
texts = st.lists(text_lines, max_size=40).map("\n".join)


@st.composite
def encoded_texts(draw: st.DrawFn) -> bytes:
    """Text in the encodings and damage that raw dumps come in."""
    text = draw(texts)
    how = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "crlf",
                                "nul", "invalid-utf8", "cut-utf8"]))
    if how == "cp1252":
        return text.encode("cp1252", errors="replace")
    if how == "crlf":
        return text.replace("\n", "\r\n").encode()
    if how == "nul":
        data = bytearray(text.encode())
        for _ in range(draw(st.integers(1, 5))):
            data.insert(draw(st.integers(0, len(data))), 0)
        return bytes(data)
    if how == "invalid-utf8":
        data = bytearray(text.encode())
        data.insert(draw(st.integers(0, len(data))), draw(st.sampled_from([0xFF, 0xC3, 0x80, 0xFE])))
        return bytes(data)
    if how == "cut-utf8":
        data = text.encode()
        return data[:draw(st.integers(0, len(data)))]
    return text.encode(how, errors="replace") if how.startswith("utf-16") else text.encode(how)


any_bytes = st.one_of(st.binary(max_size=3000), encoded_texts())


def read(data: bytes, hints: dict | None = None, name: str = "bad.txt"):
    return read_file(Path(name), name=name, hints=hints or {}, outlets=OUTLETS, data=data)


def decoded(data: bytes) -> str:
    """The text read_file gives the text readers (NULs stripped as it strips them)."""
    text, encoding = decode_bytes(data)
    assert text is not None
    return text if (encoding or "").startswith("utf-16") else text.replace("\x00", "")


def check_units(data: bytes, records, rejects, report) -> None:
    """The properties every read has: counts, at least one unit, reasons, and conserved lines for text readers."""
    assert report.n_records == len(records) and report.n_rejects == len(rejects)
    assert len(records) + len(rejects) >= 1, "a file gave no unit at all"
    assert all(r.reason.strip() for r in rejects)
    assert all(r.text.strip() for r in records)
    whole_file = [r for r in rejects if not r.lines]
    if whole_file and report.reader not in BYTE_READERS:
        assert not records and len(rejects) == 1, "a whole-file reject stands alone"
    if report.reader in READERS:
        missing, twice, extra = line_problems(decoded(data), [*records, *rejects])
        assert (missing, twice, extra) == ([], [], []), f"lines lost {missing}, twice {twice}, extra {extra}"
    for record in records:
        assert record.published_date is None or check_date(record.published_date)[1] is None


# ---------------------------------------------------------------- the text readers and auto-detection

@pytest.mark.parametrize("reader", [None, *sorted(READERS)])
@SETTINGS
@given(data=any_bytes)
def test_text_readers_conserve_every_line(reader, data):
    records, rejects, report = read(data, {"reader": reader} if reader else None)
    check_units(data, records, rejects, report)
    if reader and report.reader is not None:
        assert report.reader == reader


@pytest.mark.parametrize("reader", sorted(READERS))
@SETTINGS
@given(cut=st.floats(0.0, 1.0), bytewise=st.booleans())
def test_seed_files_cut_anywhere_conserve_lines(reader, cut, bytewise):
    """The aggregator feed (and every other seed file) cut off mid-item, mid-line or mid-character."""
    raw = (RAW / {"aggregator_feed": FEED, "sott_page": SOTT, "blog_post": SUBSTACK}.get(reader, FEED)).read_bytes()
    data = raw[:int(len(raw) * cut)] if bytewise else raw.decode()[:int(len(raw) * cut)].encode()
    records, rejects, report = read(data, {"reader": reader})
    check_units(data, records, rejects, report)


@pytest.mark.parametrize("reader", [None, *sorted(READERS)])
def test_a_10_mb_single_line(reader):
    line = ("Maduro spoke in Caracas today about the oil sanctions and the army " * 150_000).encode()
    assert len(line) > 10_000_000 > MAX_DOCUMENT_CHARS
    records, rejects, report = read(line, {"reader": reader} if reader else None)
    check_units(line, records, rejects, report)
    assert not records  # one line of 10 MB is no document: it is in the ledger, with the reason
    assert [r.lines for r in rejects] == [[1]]


@pytest.mark.parametrize(("data", "encoding"), [
    ("Maduro spoke.\nGuaidó replied.\n".encode("utf-16"), "utf-16"),
    ("Maduro spoke.\nGuaidó replied.\n".encode("utf-16-le"), "utf-16-le"),
    ("Maduro spoke.\nGuaidó replied.\n".encode("utf-16-be"), "utf-16-be"),
    ("Guaidó “replied”.\n".encode("cp1252"), "cp1252"),
    ("Guaidรณ replied.\n".encode(), "utf-8"),
])
def test_utf16_without_bom_and_mojibake_are_read_as_text(data, encoding):
    records, rejects, report = read(data)
    assert (report.encoding, len(records), rejects) == (encoding, 1, [])
    assert "Guaid" in records[0].text
    docs = pipeline.normalise(records)
    assert docs["text"].str.contains("Guaidó").all()  # the Thai mojibake is repaired as well


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty file"),
    (b"\n \n\t\n", "empty file"),
    (b"PK\x03\x04\x00\x00" * 100 + bytes(range(256)), "unreadable: binary file (NUL bytes)"),
    (bytes(range(1, 32)) * 40, "unreadable: binary file (control characters)"),
])
def test_empty_and_binary_files_are_one_reject(data, reason):
    for hints in ({}, *({"reader": r} for r in READERS)):
        records, rejects, report = read(data, hints)
        assert records == [] and [(r.reason, r.lines) for r in rejects] == [(reason, [])]
        assert (report.n_records, report.n_rejects) == (0, 1)


def test_boilerplate_only_files_go_to_the_ledger_line_by_line():
    data = "By Joe Glenton\n\n© REUTERS / Stringer\n\nRead more:\n\nhttps://example.org/x\n".encode()
    for hints in ({}, *({"reader": r} for r in READERS)):
        records, rejects, report = read(data, hints)
        check_units(data, records, rejects, report)
        assert records == [], report.reader


# ---------------------------------------------------------------- feeds, pages, comment threads

@pytest.mark.parametrize("reader", sorted(BYTE_READERS))
@SETTINGS
@given(data=st.one_of(any_bytes, st.sampled_from([b"<rss", b"<html><body>", b"[{", b"{\"comments\": 5}"])))
def test_byte_readers_never_raise(reader, data):
    records, rejects, report = read(data, {"reader": reader})
    check_units(data, records, rejects, report)
    assert report.reader == reader


feed_items = st.lists(st.tuples(st.text(max_size=30), st.text(max_size=200),
                                st.sampled_from(["Thu, 24 Jan 2019 23:30:00 -0500", "garbage", "2999-01-01", ""])),
                      min_size=1, max_size=8)


def rss(items) -> bytes:
    body = "".join(f"<item><title>{escape(t)}</title><description>{escape(d)}</description>"
                   + (f"<pubDate>{escape(p)}</pubDate>" if p else "") + "</item>" for t, d, p in items)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>RT</title>{body}' \
           f"</channel></rss>".encode()


@SETTINGS
@given(items=feed_items, cut=st.floats(0.05, 1.0))
def test_feed_items_in_equal_records_plus_rejects(items, cut):
    data = rss(items)
    data = data[:max(1, int(len(data) * cut))]
    records, rejects, report = read(data, name="feed.xml")
    check_units(data, records, rejects, report)
    opened = len(re.findall(rb"<item>", data))
    if report.reader == "rss" and not any(not r.lines for r in rejects):
        assert len(records) + len(rejects) == opened
    elif report.reader == "rss":  # nothing parsed: the one reject says why
        assert not records and len(rejects) == 1 and re.match(r"unreadable feed|feed without items", rejects[0].reason)


def test_feed_cut_mid_item_rejects_the_cut_item():
    data = rss([("A", "Text A", ""), ("B", "Text B", "")])
    data = data[:data.rindex(b"<description>") + 20]
    records, rejects, _ = read(data, name="feed.xml")
    assert [r.text for r in records] == ["Text A"]
    assert [r.reason.split(" (")[0] for r in rejects] == ["feed item cut off"]


comment = st.deferred(lambda: st.one_of(
    st.fixed_dictionaries({"id": st.integers(0, 50), "author": st.text(max_size=8),
                           "body": st.one_of(st.text(max_size=40), st.sampled_from(["[deleted]", "", "<p>hi</p>"])),
                           "created_utc": st.one_of(st.integers(-10**13, 10**15), st.text(max_size=12), st.none())},
                          optional={"replies": st.lists(comment, max_size=3), "parent_id": st.integers(0, 50)}),
    st.integers(), st.none(), st.text(max_size=5)))


def count_comments(nodes) -> int:
    total = 0
    for node in nodes:
        total += 1
        if isinstance(node, dict):
            total += count_comments(node.get("replies") or [])
    return total


@SETTINGS
@given(comments=st.lists(comment, min_size=1, max_size=6), wrapped=st.booleans())
def test_comments_in_equal_records_plus_rejects(comments, wrapped):
    data = json.dumps({"title": "T", "site": "$(rm -rf ~)", "comments": comments} if wrapped else comments).encode()
    records, rejects, report = read(data, {"reader": "comments"}, name="thread.json")
    check_units(data, records, rejects, report)
    item_units = [u for u in [*records, *rejects] if u.lines]
    if item_units:
        assert len(item_units) == count_comments(comments)
        assert sorted(n for u in item_units for n in u.lines) == list(range(1, count_comments(comments) + 1))
    else:
        assert re.match(r"not a comment thread|comment thread without comments", rejects[0].reason)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
                           lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids,
                                                                                      max_size=4), max_leaves=20)


@SETTINGS
@given(value=json_values)
def test_json_of_the_wrong_shape_is_a_clear_reject(value):
    data = json.dumps(value).encode()
    for hints in ({}, {"reader": "comments"}):
        records, rejects, report = read(data, hints, name="x.json")
        check_units(data, records, rejects, report)


# ---------------------------------------------------------------- tables

cells = st.one_of(st.text(max_size=20), st.sampled_from(["", "2019-01-24", "2999-01-01", "31/31/2019", *HOSTILE_NAMES]))
table_rows = st.lists(st.lists(cells, min_size=0, max_size=6), min_size=0, max_size=12)


def csv_bytes(header: list[str], rows: list[list[str]], sep: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep)  # "\r\n" line ends: fields holding "\r" or "\n" are quoted
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.mark.parametrize("kind", ["csv", "tsv"])
@SETTINGS
@given(rows=table_rows, hinted=st.booleans())
def test_csv_rows_in_equal_records_plus_rejects(kind, rows, hinted):
    header = ["title", "text", "outlet", "date"]
    data = csv_bytes(header, rows, "\t" if kind == "tsv" else ",")
    records, rejects, report = read(data, {"table": kind} if hinted else None, name=f"x.{kind}")
    check_units(data, records, rejects, report)
    if report.reader != f"table:{kind}":
        return  # not recognised as a table without the hint: a text file (lines checked above)
    n_rows = sum(1 for r in csv.reader(io.StringIO(data.decode(), newline=""), delimiter="\t" if kind == "tsv" else ",")
                 if r) - 1
    row_units = [u for u in [*records, *rejects] if u.lines]
    if n_rows == 0:
        assert not records and "without data rows" in rejects[0].reason
    else:
        assert sorted(n for u in row_units for n in u.lines) == list(range(1, n_rows + 1))
    longer = [[i] for i, r in enumerate((r for r in rows if r), 1) if len(r) > len(header)]
    assert [r.lines for r in rejects if r.reason.startswith("row has")] == longer


@SETTINGS
@given(lines=st.lists(st.one_of(json_values.map(json.dumps),
                                st.fixed_dictionaries({"text": st.text(max_size=20), "date": cells,
                                                       "outlet": cells}).map(json.dumps),
                                st.text(max_size=20).filter(lambda t: "\n" not in t)), min_size=1, max_size=10))
def test_json_lines_rows_in_equal_records_plus_rejects(lines):
    data = "\n".join(lines).encode()
    records, rejects, report = read(data, {"table": "jsonl"}, name="x.jsonl")
    check_units(data, records, rejects, report)
    n_rows = sum(1 for ln in data.decode().splitlines() if ln.strip())
    if n_rows:
        assert sorted(n for u in [*records, *rejects] for n in u.lines) == list(range(1, n_rows + 1))


@SETTINGS
@given(rows=st.lists(st.fixed_dictionaries({"text": st.one_of(st.none(), st.text(max_size=20)), "date": cells,
                                            "outlet": cells}), max_size=8))
def test_parquet_rows_in_equal_records_plus_rejects(rows):
    buffer = io.BytesIO()
    pd.DataFrame(rows, columns=["text", "date", "outlet"]).astype(object).to_parquet(buffer, index=False)
    data = buffer.getvalue()
    records, rejects, report = read(data, name="x.parquet")
    check_units(data, records, rejects, report)
    assert report.reader == "table:parquet"
    if rows:
        assert sorted(n for u in [*records, *rejects] for n in u.lines) == list(range(1, len(rows) + 1))
    else:
        assert "without data rows" in rejects[0].reason


@pytest.mark.parametrize(("data", "kind", "texts", "reasons"), [
    (b"title,text,outlet\nA,Body a\nB,Body b,RT,extra,more\n", "csv", ["Body a"],
     ["row has 5 fields, the header has 3"]),
    # pandas took the first column of this file for an index and shifted every row: text "Body b" became "RT"
    (b"title,text,outlet\nB,Body b,RT,extra\nA,Body a,RT\n", "csv", ["Body a"], ["row has 4 fields, the header has 3"]),
    (b"title,text,outlet\n", "csv", [], ["csv table without data rows (columns: ['title', 'text', 'outlet'])"]),
    (b'{"text": "a"}\n[1, 2]\nnot json\n', "jsonl", ["a"],
     ["JSON Lines row is a list, not an object", "invalid JSON Lines row: Expecting value (column 1)"]),
    (b'{"foo": [1, 2, 3]}\n', "jsonl", [], ["no text column (found ['foo'])"]),
])
def test_malformed_tables_reject_the_bad_rows_only(data, kind, texts, reasons):
    records, rejects, report = read(data, name=f"x.{kind}")
    assert report.reader == f"table:{kind}"
    assert [r.text for r in records] == texts
    assert [r.reason for r in rejects] == reasons


@pytest.mark.parametrize("kind", ["csv", "tsv"])
def test_an_unclosed_quote_is_a_reject_not_a_swallowed_file(kind):
    """The csv module's lenient mode reads everything after an unclosed quote as one field: strict mode rejects it."""
    sep = "\t" if kind == "tsv" else ","
    data = f'title{sep}text\nA{sep}one body\nB{sep}"two body\nC{sep}three body\nD{sep}four body\n'.encode()
    records, rejects, report = read(data, name=f"q.{kind}")
    assert [r.text for r in records] == ["one body"]
    assert [(r.lines, r.reason) for r in rejects] == [
        ([2], "malformed CSV row (unexpected end of data) on lines 3-5: an unclosed quote swallows what follows")]
    assert report.n_records + report.n_rejects == 2


def test_reader_table_on_a_non_table_is_a_reject_not_a_bogus_manifest_error():
    records, rejects, report = read(b"Just some prose.\n", {"reader": "table"})
    assert records == [] and len(rejects) == 1 and rejects[0].reason.startswith("not a table (reader: table)")


# ---------------------------------------------------------------- dates and outlet names

@SETTINGS
@given(dates=st.lists(st.one_of(cells, st.dates().map(str), st.integers().map(str)), min_size=1, max_size=10))
def test_bad_dates_are_blanked_counted_and_the_documents_kept(dates):
    rows = [["t", f"Body {i}", "RT", d] for i, d in enumerate(dates)]
    data = csv_bytes(["title", "text", "outlet", "date"], rows, ",")
    records, rejects, report = read(data, name="dates.csv")
    assert len(records) == len(dates) and rejects == []
    verdicts = [check_date(d.strip() or None) for d in dates]
    assert [r.published_date for r in records] == [iso for iso, _ in verdicts]
    assert report.n_dates_unreadable == sum(bool(p) and p.startswith("unreadable") for _, p in verdicts)
    assert report.n_dates_implausible == sum(bool(p) and p.startswith("implausible") for _, p in verdicts)


@pytest.mark.parametrize(("text", "blanked"), [
    ("Icon\n\nA title\n\nImage alt\n\nBody text.\nUPDATE RT, 13/45/2019: headline\nMore text.\n", 1),
    ("date 2019-13-45 Some post text.\n\nMore.\n", 1),
    ("date 2999-01-24 Some post text.\n\nMore.\n", 1),
])
def test_impossible_dates_in_text_formats_do_not_crash(text, blanked, caplog):
    hints = {"reader": "sott_page"} if text.startswith("Icon") else {}
    records, rejects, report = read(text.encode(), hints)
    check_units(text.encode(), records, rejects, report)
    assert report.n_dates_unreadable + report.n_dates_implausible == blanked
    assert "dates blanked (documents kept)" in caplog.text


def test_dates_are_judged_the_same_whatever_the_day_and_future_ones_are_logged(caplog):
    """Fixed bounds: a cached run and a fresh one on a later day give the same tables."""
    soon = (date.today() + timedelta(days=30)).isoformat()
    assert check_date(date.today().isoformat()) == (date.today().isoformat(), None)
    assert check_date(soon) == (soon, None)  # kept: next month's date is legal once next month comes
    assert check_date("2999-01-01")[1] == "implausible date 2999-01-01 (after 2100-12-31)"
    records, _, report = read(csv_bytes(["text", "date"], [["Body one", soon], ["Body two", "2019-01-24"]], ","),
                              name="soon.csv")
    assert [r.published_date for r in records] == [soon, "2019-01-24"] and report.n_dates_implausible == 0
    assert f"1 dates after today, kept (a day/month swap?): {soon}" in caplog.text


@SETTINGS
@given(name=st.one_of(st.sampled_from(HOSTILE_NAMES), st.text(max_size=40)))
def test_outlet_names_become_safe_slugs(name):
    slug = OUTLETS.lookup(name).slug
    assert SLUG.match(slug) and slug == slugify(slug) or slug == "unknown"
    assert SLUG.match(slugify(name))


# ---------------------------------------------------------------- the pipeline keeps every record

@SETTINGS
@given(texts=st.lists(st.one_of(st.text(min_size=1, max_size=40), st.sampled_from(["x", "x", "\u200b", "Guaidรณ"])),
                      min_size=1, max_size=12),
       outlets=st.lists(st.sampled_from(HOSTILE_NAMES + [None]), min_size=1, max_size=12))
def test_normalise_keeps_every_record(texts, outlets):
    from framing.ingest import Record

    records = [Record("f.txt", [i], t, outlet=outlets[i % len(outlets)]) for i, t in enumerate(texts, 1)
               if t.strip()]
    docs = pipeline.normalise(records)
    assert len(docs) == len(records) and docs["doc_id"].is_unique
    assert docs["outlet"].map(lambda s: bool(SLUG.match(s))).all()


def write_mixed_corpus(folder: Path) -> None:
    """A small corpus of bad files (one of each kind of damage)."""
    files = {
        "random.bin": bytes(range(1, 32)) * 20,
        "utf16le.txt": "Maduro spoke in Caracas.\n\nGuaidó replied.\n".encode("utf-16-le"),
        "cp1252.txt": "Guaidó “replied” in Caracas.\n".encode("cp1252"),
        "nul.txt": b"Maduro\x00 spoke about oil and the army of Venezuela.\n",
        "empty.txt": b"",
        "boiler.txt": "By Joe Glenton\n\n© REUTERS / Stringer\n".encode(),
        "cut.xml": rss([("A", "Text A", ""), ("B", "Text B", "")])[:-40],
        "extra.csv": b"title,text,outlet,date\nA,Body a,../../etc,2999-01-01\nB,Body b,a;b|c,yesterday,x\n",
        "shape.json": b'{"foo": [1, 2, 3]}',
        "big.txt": b"Maduro spoke. " * 200_000,
        "$(rm -rf ~) `x`;a|b.txt": b"Maduro spoke in Caracas about the oil sanctions.\n",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)


def test_build_keeps_every_record_as_a_document_and_every_reject_in_the_ledger(corpus_dir):
    write_mixed_corpus(corpus_dir)
    (corpus_dir / "big.txt").write_bytes(b"Maduro spoke. " * 200_000)  # 2.8 MB on one line: over the limit
    ingested = read_corpus(corpus_dir)
    tables = pipeline.build(corpus_dir, progress=False, actor_mode="fast")
    assert len(tables.documents) == len(ingested.records) > 0
    assert len(tables.rejects) == len(ingested.rejects)
    assert tables.rejects["reason"].str.strip().astype(bool).all()
    files = tables.files.set_index("source_file")
    assert sorted(files.index) == sorted(p.name for p in corpus_dir.iterdir())
    assert (files["n_records"] + files["n_rejects"] >= 1).all()
    assert files.loc["extra.csv", ["n_dates_unreadable", "n_dates_implausible"]].tolist() == [0, 1]
    assert tables.documents["outlet"].map(lambda s: bool(SLUG.match(s))).all()
    reasons = set(tables.rejects["reason"])
    assert {"unreadable: binary file (control characters)", "empty file", "row has 5 fields, the header has 4",
            "page chrome before the first item"} <= reasons
    assert any(r.startswith("document too long (2,799,999 characters; the limit is 2,000,000)") for r in reasons)
    assert any(r.startswith("feed item cut off") for r in reasons)
    assert "no text column (found ['foo'])" in reasons


# ---------------------------------------------------------------- 100 malformed files through `framing run`

def _text(i: int) -> str:
    return (f"Report {i}: Maduro spoke in Caracas about the oil sanctions.\n\n"
            f"Guaidó said the army would not back the government, and Russia warned the United States.\n")


def _csv(rows: list[list[str]], header: tuple[str, ...] = ("title", "text", "outlet", "date")) -> bytes:
    return csv_bytes(list(header), rows, ",")


# One maker per kind of damage: variant number -> (file name, bytes).
MALFORMED = {
    "random": lambda i: (f"random-{i}.bin", random_bytes(i)),
    "invalid-utf8": lambda i: (f"invalid-utf8-{i}.txt", _text(i).encode()[:40] + b"\xff\xfe\xc3\x28" + _text(i).encode()),
    "utf16-bom": lambda i: (f"utf16-bom-{i}.txt", _text(i).encode("utf-16")),
    "utf16le": lambda i: (f"utf16le-{i}.txt", _text(i).encode("utf-16-le")),
    "utf16be": lambda i: (f"utf16be-{i}.txt", _text(i).encode("utf-16-be")),
    "cp1252": lambda i: (f"cp1252-{i}.txt", (_text(i) + "“Quoted” – €5\n").encode("cp1252")),
    "thai-mojibake": lambda i: (f"mojibake-{i}.txt", _text(i).replace("ó", "รณ").encode()),
    "nul": lambda i: (f"nul-{i}.txt", b"\x00".join(_text(i).encode().split(b" "))),
    "long-line": lambda i: (f"long-line-{i}.txt", b"Maduro spoke in Caracas. " * (400_000 if i == 0 else 90_000)),
    "empty": lambda i: (f"empty-{i}.txt", b"" if i % 2 == 0 else b"\n \n\t\n"),
    "boilerplate": lambda i: (f"boilerplate-{i}.txt", "By Joe Glenton\n\n© REUTERS / Stringer\n\nRead more:\n".encode()),
    "rss-cut": lambda i: (f"rss-cut-{i}.xml", rss([("A", _text(i), "Thu, 24 Jan 2019 23:30:00 -0500"),
                                                    ("B", _text(i + 1), "garbage")])[:-30 - 10 * i]),
    "feed-cut": lambda i: (f"feed-cut-{i}.txt", (RAW / FEED).read_bytes()[:2000 + 3001 * i]),
    "csv-missing": lambda i: (f"csv-missing-{i}.csv", b"title,text,outlet,date\nA,Body a about Maduro\nB\n"),
    "csv-extra": lambda i: (f"csv-extra-{i}.csv", _csv([["A", "Body a about Maduro", "RT", "2019-01-24"],
                                                        ["B", "Body b", "RT", "2019-01-24", "extra", str(i)]])),
    "json-shape": lambda i: (f"json-shape-{i}.json", json.dumps([{"foo": i}, 5, None] if i % 2 else {"x": [i]}).encode()),
    "dates": lambda i: (f"dates-{i}.csv", _csv([["A", f"Maduro spoke {i}.", "RT", "2999-01-01"],
                                                ["B", f"Guaidó spoke {i}.", "RT", "31/31/2019"],
                                                ["C", f"Putin spoke {i}.", "RT", "yesterday"]])),
    "outlets": lambda i: (f"outlets-{i}.csv", _csv([[f"T{j}", f"Maduro spoke {i} {j}.", name, "2019-01-24"]
                                                    for j, name in enumerate(HOSTILE_NAMES[i::4])])),
    "jsonl-broken": lambda i: (f"jsonl-broken-{i}.jsonl",
                               b'{"text": "Maduro spoke in Caracas.", "outlet": "RT"}\n[1, 2]\nnot json\n{"text": \n'),
    "comments": lambda i: (f"comments-{i}.json", json.dumps({"title": "T", "site": "a;b|c", "comments": [
        {"id": 1, "author": "x", "body": "Maduro must go.", "created_utc": 10**14,
         "replies": [{"id": 2, "author": "y", "body": "[deleted]"}, 7]},
        {"id": 3, "author": "z", "body": "", "created_utc": "soon"}]}).encode()),
    "header-only": lambda i: (f"header-only-{i}.csv", b"title,text,outlet\n"),
    "html-empty": lambda i: (f"html-empty-{i}.html", b"<!DOCTYPE html><html><body><nav>Home</nav></body></html>"),
    "sott-bad-date": lambda i: (f"sott-bad-date-{i}.txt", (
        b"Icon\n\nA title\n\nImage alt\n\nBody text about Maduro.\nUPDATE RT, 13/45/2019: headline\nMore text.\n\n"
        b"Comment: SOTT's view.\n")),
    "shell-name": lambda i: ([f"$(rm -rf ~){i}.txt", f"a;b|c{i}.txt", f"`whoami`{i}.txt", f"x..{i}.txt"][i % 4],
                             _text(i).encode()),
}


def random_bytes(i: int) -> bytes:
    import random

    return random.Random(i).randbytes(2000)


def write_malformed_corpus(folder: Path, n: int = 100) -> list[str]:
    """``n`` malformed files, every kind of damage in turn, plus two seed files; the malformed files' names."""
    kinds = list(MALFORMED)
    names = []
    for k in range(n):
        name, data = MALFORMED[kinds[k % len(kinds)]](k // len(kinds))
        (folder / name).write_bytes(data)
        names.append(name)
    for seed in (FEED, SUBSTACK):
        (folder / seed).write_bytes((RAW / seed).read_bytes())
    return names


@pytest.fixture(scope="module")
def malformed_run(tmp_path_factory):
    from framing.cli import main

    folder = tmp_path_factory.mktemp("malformed")
    names = write_malformed_corpus(folder)
    out = tmp_path_factory.mktemp("reports")
    params = tmp_path_factory.mktemp("params") / "fast.yaml"  # the fast models and fewer resamples: the test is about the files, not the models
    params.write_text("actor_mode: fast\nn_resamples: 200\n", encoding="utf-8")
    notebooks = "00_findings.ipynb,01_corpus.ipynb,02_sentiment.ipynb,03_actors.ipynb,05_frames.ipynb"
    assert main(["-q", "run", "--corpus", str(folder), "--out", str(out), "--params", str(params),
                 "--notebooks", notebooks]) == 0
    return names, out / "latest"


@pytest.mark.slow
def test_100_malformed_files_make_a_complete_report(malformed_run):
    names, run = malformed_run
    assert len(set(names)) == 100
    assert (run / "report.html").is_file()
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    files = pd.read_csv(run / "tables" / "files.csv", keep_default_na=False).set_index("source_file")
    rejects = pd.read_csv(run / "tables" / "rejects.csv", keep_default_na=False)
    assert set(names) | {FEED, SUBSTACK} == set(files.index) == {f["source_file"] for f in manifest["corpus"]["files"]}
    documents = pd.read_csv(run / "tables" / "documents.csv", keep_default_na=False)
    for name in names:
        n_docs = int((documents["source_file"] == name).sum())
        reasons = rejects.loc[rejects["source_file"] == name, "reason"]
        assert n_docs == files.loc[name, "n_records"] and len(reasons) == files.loc[name, "n_rejects"], name
        assert n_docs > 0 or len(reasons) > 0, f"{name}: neither documents nor rejects"
        assert reasons.str.strip().astype(bool).all(), name
    assert files["n_dates_implausible"].sum() > 0 and files["n_dates_unreadable"].sum() > 0
    assert documents["outlet"].map(lambda s: bool(SLUG.match(s))).all()


@pytest.mark.slow
def test_the_report_shows_the_rejects(malformed_run):
    _, run = malformed_run
    html = (run / "report.html").read_text(encoding="utf-8")
    rejects = pd.read_csv(run / "tables" / "rejects.csv", keep_default_na=False)
    assert f"{len(rejects)} rejected units" in html  # the run header
    assert "Rejects ledger" in html and "tables/rejects.csv" in html  # the corpus notebook's section
    shown = [reason for reason in ("unreadable: binary file (control characters)", "empty file",
                                   "row has 6 fields, the header has 4", "document too long (")
             if reason in html]
    assert shown, "the rejects summary shows none of the reasons"


def test_a_cached_run_reads_back_whole_file_rejects(corpus_dir, tmp_path):
    # regression: an empty or binary file's reject has no line numbers; the cached CSV gave it a missing
    # source_lines and loading the cache failed ("rejects.source_lines has 1 missing values"), so any corpus
    # holding an empty file broke pipeline.run (and `framing run`).
    write_mixed_corpus(corpus_dir)
    (corpus_dir / "big.txt").unlink()
    tables = pipeline.run(corpus_dir, actor_mode="fast", cache_dir=tmp_path / "cache", progress=False)
    whole = tables.rejects[tables.rejects["source_lines"].isna()]
    assert set(whole["source_file"]) == {"random.bin", "empty.txt"}
    assert len(tables.rejects) == len(read_corpus(corpus_dir).rejects)


def test_cache_keys_follow_the_ingest_version(monkeypatch, corpus_dir):
    """Reader changes raise INGEST_VERSION, so tables cached by the old readers are not served as today's."""
    import framing.ingest
    from framing.build.engine import _file_key
    from framing.build.pipeline import cache_key

    (corpus_dir / "a.txt").write_text("Some article text.\n", encoding="utf-8")
    before = cache_key(corpus_dir), _file_key("a.txt", "0" * 64, {}, language=None, dedupe=DedupeSettings(),
                                               chunk_docs=10, stream_bytes=1, code="c")
    monkeypatch.setattr(framing.ingest, "INGEST_VERSION", framing.ingest.INGEST_VERSION + 1)
    after = cache_key(corpus_dir), _file_key("a.txt", "0" * 64, {}, language=None, dedupe=DedupeSettings(),
                                              chunk_docs=10, stream_bytes=1, code="c")
    assert before[0] != after[0] and before[1] != after[1]


@pytest.mark.parametrize(("manifest_date", "expected", "n_blanked"), [
    ("2019-01-24", "2019-01-24", 0),  # fills the blanked date: the document has a date, nothing to count
    ("2999-01-01", None, 1),  # checked too: implausible, blanked
    ("24/01/2019", "2019-01-24", 0),  # normalised like any date
])
def test_a_manifest_date_filling_a_blanked_one_is_checked(corpus_dir, manifest_date, expected, n_blanked):
    (corpus_dir / "b.txt").write_text("date 2019-13-45 Some post text.\n\nMore.\n", encoding="utf-8")
    records, _, report = read_file(corpus_dir / "b.txt", name="b.txt", hints={"published_date": manifest_date},
                                   outlets=OUTLETS)
    assert [r.published_date for r in records] == [expected]
    assert report.n_dates_unreadable + report.n_dates_implausible == n_blanked
