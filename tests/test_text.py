import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framing.text import count_words, normalise_text, repair_thai_mojibake, split_sentences


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("Guaidรณ", "Guaidó"),
        ("Nicolรกs Maduro", "Nicolás Maduro"),
        ("rally โ€ข Russian President", "rally • Russian President"),
        ("self-appointed President Juan Guaidรณ are", "self-appointed President Juan Guaidó are"),
        ("Plain English stays.", "Plain English stays."),
        ("ภาษาไทย คือภาษาราชการ", "ภาษาไทย คือภาษาราชการ"),  # genuine Thai is left alone
    ],
)
def test_thai_mojibake_is_redecoded(raw, fixed):
    assert repair_thai_mojibake(raw) == fixed


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("Guaidรณ", "Guaidó"),
        ("Guaidó", "Guaidó"),  # Windows-1252 mojibake: ftfy
        ("I don’t like it.", "I don't like it."),
        ("a\u00a0 b\t c", "a b c"),
        ("para one\n\n\n\npara two", "para one\n\npara two"),
    ],
)
def test_normalise_text(raw, fixed):
    assert normalise_text(raw) == fixed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S. said so. Then it left.", ["The U.S. said so.", "Then it left."]),
        ("TEHRAN, Jan. 04 (MNA) – Was Maduro arrested? Nobody knows.",
         ["TEHRAN, Jan. 04 (MNA) – Was Maduro arrested?", "Nobody knows."]),
        ('"We will not kill each other," he said. "We will talk."',
         ['"We will not kill each other," he said.', '"We will talk."']),
        ("It goes on... And then it stops.", ["It goes on...", "And then it stops."]),
        ("First paragraph without a stop\n\nSecond one.", ["First paragraph without a stop", "Second one."]),
    ],
)
def test_split_sentences(text, expected):
    spans = split_sentences(text)
    assert [s for _, _, s in spans] == expected
    assert all(text[a:b] == s for a, b, s in spans)


def test_count_words_keeps_abbreviations_whole():
    assert count_words("The U.S.-backed coup failed.") == 5



def _full_repair(raw: str) -> str:
    import unicodedata

    import ftfy

    return unicodedata.normalize("NFC", ftfy.fix_text(repair_thai_mojibake(raw), uncurl_quotes=True,
                                                      normalization="NFC"))


@pytest.mark.parametrize(("raw", "skipped"), [
    ("Plain ASCII text. Nothing to fix.", True), ("a &amp; b &lt;c&gt;", False), ("line\r\nend", False),
    ("bell\x07 and \x1b[31mred\x1b[0m", False), ("tab\there", True), ("I don’t like it.", False),
    ("Guaidรณ", False),
])
def test_normalise_text_skips_ftfy_only_where_it_changes_nothing(raw, skipped):
    from framing.text import _FTFY_ASCII

    assert (raw.isascii() and not _FTFY_ASCII.search(raw)) == skipped
    if skipped:
        assert _full_repair(raw) == raw


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_ascii_text_the_fast_path_skips_is_left_alone_by_ftfy(raw):
    from framing.text import _FTFY_ASCII

    if not _FTFY_ASCII.search(raw):
        assert _full_repair(raw) == raw
