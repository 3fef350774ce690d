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
