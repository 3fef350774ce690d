import pytest

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
