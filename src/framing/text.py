"""Text normalisation, sentence splitting and tokenising.

Normalisation repairs encoding damage before anything is scored: scraped pages carry mojibake that ftfy
fixes (Windows-1252/Latin-1 read as UTF-8) and one kind it does not (UTF-8 read as Windows-874, Thai,
as in ``Guaidรณ``). It also straightens curly quotes, without which VADER misses negations such as
``don’t``.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import islice
from typing import NamedTuple

import ftfy
import syntok.segmenter as syntok_segmenter

# Every character that Windows-874 (Thai) puts at bytes 0x80-0xFF: the alphabet of this mojibake.
_CP874_HIGH = "".join(
    ch for ch in (bytes([b]).decode("cp874", errors="ignore") for b in range(0x80, 0x100)) if ch
)
_CP874_RUN = re.compile("[" + re.escape(_CP874_HIGH) + "]+")
_THAI = re.compile("[\u0e00-\u0e7f]")
_HORIZONTAL_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
# ASCII characters ftfy may change: HTML entities, line ends, control characters and terminal escapes. ASCII text
# without any of them is returned unchanged by ``ftfy.fix_text`` (tested on the seed and synthetic corpora).
_FTFY_ASCII = re.compile(r"[&\r\x00-\x08\x0b-\x1f\x7f]")
# ftfy fixes text line by line (:func:`ftfy.fix_text` splits at "\n"), so a line it would return unchanged can skip
# it. Two kinds of line are known to come back unchanged or only uncurled: ASCII without the characters above, and
# ASCII plus typographic quotes, dashes, ellipsis and bullet (in Windows-1252 these are all UTF-8 continuation
# bytes, so no mojibake reading can involve them), which ftfy returns with the quotes straightened. Checked
# against ftfy itself by ``tests/test_text_equivalence.py`` on the corpora and on generated lines.
_FTFY_CONFIG = ftfy.TextFixerConfig(explain=False, uncurl_quotes=True, normalization="NFC")
_SINGLE_QUOTES = re.compile("[\u02bc\u2018-\u201b]")  # as ftfy's uncurl_quotes
_DOUBLE_QUOTES = re.compile("[\u201c-\u201f]")
_FTFY_PLAIN_LINE = re.compile(r"[\t\n\x20-\x25\x27-\x7e\u02bc\u2013\u2014\u2018-\u201f\u2022\u2026]*")
_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W_]+(?:['’\-][^\W_]+)*", re.UNICODE)


def _redecode_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if not _THAI.search(run):
        return run
    try:
        fixed = run.encode("cp874").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return run
    return run if _THAI.search(fixed) else fixed


def repair_thai_mojibake(text: str, *, max_thai_share: float = 0.5) -> str:
    """Re-decode runs of UTF-8 that were read as Windows-874 (Thai).

    A run is replaced only where encoding it as cp874 and decoding it as UTF-8 round-trips into
    non-Thai text, and only in texts that are not genuinely Thai (Thai letters under ``max_thai_share``
    of all letters).

    >>> repair_thai_mojibake("Guaidรณ and Nicolรกs")
    'Guaidó and Nicolás'
    >>> repair_thai_mojibake("rally โ€ข Putin")
    'rally • Putin'
    >>> repair_thai_mojibake("ภาษาไทย")
    'ภาษาไทย'
    """
    thai = len(_THAI.findall(text))
    if not thai:
        return text
    letters = sum(ch.isalpha() for ch in text)
    if letters and thai / letters > max_thai_share:
        return text
    return _CP874_RUN.sub(_redecode_run, text)


def fix_text_by_line(text: str) -> str:
    r"""``ftfy.fix_text(text, uncurl_quotes=True, normalization="NFC")``: the same string, calling ftfy less.

    ftfy is not called on the lines it would leave alone or only uncurl (most lines of news text: ASCII with
    curly quotes and dashes).

    This follows :func:`ftfy.fix_text` segment by segment, including the rule that HTML entities stay as they are
    from the first segment containing "<" on. Texts with a line longer than ftfy's segment limit go to ftfy whole.

    >>> fix_text_by_line("It’s “fine” – really…\nGuaidÃ³ &amp; co")
    'It\'s "fine" – really…\nGuaidó & co'
    """
    config = _FTFY_CONFIG
    out = []
    pos, end = 0, len(text)
    while pos < end:
        brk = text.find("\n", pos) + 1 or end
        if brk - pos > config.max_decode_length:
            return ftfy.fix_text(text, _FTFY_CONFIG)
        segment = text[pos:brk]
        if config.unescape_html == "auto" and "<" in segment:
            config = config._replace(unescape_html=False)
        if segment.isascii() and not _FTFY_ASCII.search(segment):
            out.append(segment)
        elif _FTFY_PLAIN_LINE.fullmatch(segment):
            out.append(_SINGLE_QUOTES.sub("'", _DOUBLE_QUOTES.sub('"', segment)))
        else:
            out.append(ftfy.fix_and_explain(segment, config)[0])
        pos = brk
    return "".join(out)


def normalise_text(text: str) -> str:
    """Repair encoding, straighten quotes and tidy whitespace, keeping paragraph breaks.

    >>> normalise_text("I don’t  like\\u00a0it.\\n\\n\\n\\nGuaidรณ")
    "I don't like it.\\n\\nGuaidó"
    """
    if not text.isascii() or _FTFY_ASCII.search(text):  # else nothing for ftfy, the Thai repair or NFC to do
        text = repair_thai_mojibake(text)
        text = fix_text_by_line(text)
        text = unicodedata.normalize("NFC", text)
    lines = [_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return _MANY_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def split_sentences(text: str) -> list[tuple[int, int, str]]:
    """Split ``text`` into sentences with character offsets into ``text``.

    Uses syntok's rule-based segmenter, which keeps "U.S.", "Jan. 04", quotes and ellipses inside their
    sentences. Paragraph breaks (blank lines) always end a sentence.

    >>> [s for _, _, s in split_sentences('The U.S. acted on Jan. 04... "Why?" he asked.')]
    ['The U.S. acted on Jan. 04...', '"Why?" he asked.']
    >>> split_sentences("Two words")
    [(0, 9, 'Two words')]
    """
    spans: list[tuple[int, int, str]] = []
    for paragraph in syntok_segmenter.analyze(text):
        for sentence in paragraph:
            if not sentence:
                continue
            start = sentence[0].offset
            end = sentence[-1].offset + len(sentence[-1].value)
            chunk = text[start:end]
            if chunk.strip():
                spans.append((start, end, chunk))
    return spans


def count_words(text: str) -> int:
    """Count word tokens (letters or digits, with inner apostrophes and hyphens).

    >>> count_words("Maduro's U.S.-backed rival, 2019.")
    5
    """
    return len(_WORD.findall(text))


def has_words(text: str, n: int) -> bool:
    """Whether ``text`` has at least ``n`` words as :func:`count_words` counts them (it stops at ``n``).

    >>> has_words("Two words", 2), has_words("Two words", 3)
    (True, False)
    """
    return sum(1 for _ in islice(_WORD.finditer(text), n)) >= n


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens.

    >>> tokens("Guaidó's 'interim' presidency")
    ["guaidó's", 'interim', 'presidency']
    """
    return [w.lower() for w in _WORD.findall(text)]


class Caseless:
    """A case-insensitive pattern with a faster twin for ASCII text.

    Python's ``re`` gives up its literal-prefix search under ``IGNORECASE``, so a long cue alternation scans
    several times slower than the same pattern matched case-sensitively. The twin is the pattern with its
    upper-case literals lower-cased, compiled without ``IGNORECASE``; matched against lower-cased ASCII text it
    finds the spans the pattern finds in the text itself: lower-casing ASCII keeps every position, an ASCII letter
    matches only itself and its other case, and ``\\w``, ``\\d``, ``\\s`` do not depend on case. There is no twin
    (:func:`_lower_literals` says why) where that reasoning could fail: an upper-case letter in a character class,
    escapes such as ``\\W`` or ``\\x41`` or a back-reference, a scoped flag like ``(?-i:...)``, or a non-ASCII
    character that matches an ASCII letter under ``IGNORECASE`` (the Kelvin sign, the long s). The matched strings
    come from the lower-cased text. Use :meth:`on` with :func:`lowered`:

    >>> cue = Caseless(re.compile(r"(?<![\\w-])(?:sanction\\w*|PDVSA)", re.IGNORECASE))
    >>> [cue.on(s).findall(s.text) for s in (lowered("New SANCTIONS on Pdvsa"), lowered("Guaidó's Sanctions"))]
    [['sanctions', 'pdvsa'], ['Sanctions']]

    Checked against the patterns themselves on generated text by ``tests/test_text_equivalence.py``.
    """

    def __init__(self, pattern: re.Pattern[str]):
        self.pattern = pattern
        self.twin: re.Pattern[str] | None = None
        source = _lower_literals(pattern.pattern) if pattern.flags & re.IGNORECASE else None
        if source is not None:
            try:
                self.twin = re.compile(source, pattern.flags & ~re.IGNORECASE)
            except re.error:
                self.twin = None

    def on(self, subject: Subject) -> re.Pattern[str]:
        """The pattern to match against ``subject.text``: the twin for lower-cased ASCII text."""
        return self.twin if subject.ascii and self.twin is not None else self.pattern


_ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SCOPED_FLAGS = re.compile(r"\(\?[a-zA-Z]*-")


def _lower_literals(source: str) -> str | None:
    r"""``source`` with its upper-case ASCII letters lower-cased, or None where that could change what it matches.

    >>> _lower_literals(r"(?<![\w-])(?:US|U\.S\.|sanction\w*)"), _lower_literals(r"[A-Z]+"), _lower_literals(r"\W")
    ('(?<![\\w-])(?:us|u\\.s\\.|sanction\\w*)', None, None)
    >>> _lower_literals(r"[a-z0-9'-]+"), _lower_literals(r"[0-_]"), _lower_literals(r"(?-i:US)")
    ("[a-z0-9'-]+", None, None)
    """
    if _SCOPED_FLAGS.search(source) or "[]" in source or "[^]" in source:
        return None
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(source):
        c = source[i]
        if c == "\\":
            escaped = source[i + 1:i + 2]
            if escaped.isalnum() and escaped not in "wdsb":  # \W \S \D \B \A \Z, \x41, \N{..}, \1, ...
                return None
            out.append(source[i:i + 2])
            i += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "-" and in_class and out and out[-1] not in ("[", "^") and source[i + 1:i + 2] not in ("", "]"):
            low, high = out[-1], source[i + 1]  # a range: [0-_] holds A-Z (so "a" under IGNORECASE) but not "a"
            if not ((low + high).isascii() and ((low + high).isdigit() or (low + high).islower() and
                                                 low.isalpha() and high.isalpha())):
                return None
        if not c.isascii():
            if re.compile(re.escape(c), re.IGNORECASE).search(_ASCII_LETTERS):
                return None
        elif c.isupper():
            if in_class:
                return None
            c = c.lower()
        out.append(c)
        i += 1
    return "".join(out)


class Subject(NamedTuple):
    """Text to match :class:`Caseless` patterns against (see :func:`lowered`)."""

    ascii: bool  # the text was ASCII and is lower-cased
    text: str


def lowered(text: str) -> Subject:
    """The lower-cased text when it is ASCII, else the text: what :meth:`Caseless.on` patterns match.

    A case-insensitive pattern finds the same spans in either, so patterns without a twin can match it too.
    """
    return Subject(True, text.lower()) if text.isascii() else Subject(False, text)
