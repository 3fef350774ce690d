"""The fast paths of normalisation give the very strings of the libraries they stand in for.

``fix_text_by_line`` must equal ``ftfy.fix_text`` (same options), and the batched language identifier must give
py3langid's own ranking, on the bundled corpus, on synthetic documents and on generated texts that mix every
kind of line the fast paths treat differently (plain ASCII, curly quotes, mojibake, HTML entities before and
after a "<", control characters, Thai mojibake, ligatures, full-width letters).
"""

from __future__ import annotations

import ftfy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framing.config import RAW_DIR
from framing.ingest import read_corpus
from framing.language import _identifier, detect_language, detect_languages
from framing.synthetic import documents
from framing.text import fix_text_by_line


def _ftfy(text: str) -> str:
    return ftfy.fix_text(text, uncurl_quotes=True, normalization="NFC")


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    raw = [rec.text for rec in read_corpus(RAW_DIR).records]
    dumps = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(RAW_DIR.iterdir()) if p.is_file()]
    synthetic = [doc["text"] for doc in documents(3000, seed=11)]
    assert len(raw) > 50 and len(dumps) >= 4 and len(synthetic) == 3000
    return raw + dumps + synthetic


# Pieces of lines: each exercises one branch (skip, uncurl only, ftfy) or one of ftfy's fixes.
_PIECES = [
    "plain words, 12 of them.", " ", "\t", "’", "‘", "“", "”", "„", "‚", "ʼ", "‛", "‟", "–", "—", "…", "•",
    "GuaidÃ³", "donâ€™t", "Ã©", "â€œquotedâ€\x9d", "caf\u00e9", "cafe\u0301", "Guaidรณ", "ร", "ﬁ", "ＬＯＵＤ",
    "&amp;", "&lt;b&gt;", "&eacute;", "&hellip;", "<", ">", "<b>", "&", "\r", "\r\n", "\x1b[31m", "\x07",
    "\x85", "\xa0", "Â\xa0", "\u200b", "\ufeff", "é", "Ã", "â", "€", "™", "ðŸ˜€", "😀", "ä½ å¥½",
]


@st.composite
def _texts(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.lists(st.sampled_from(_PIECES), max_size=8).map("".join), min_size=1, max_size=6))
    return draw(st.sampled_from(["\n", "\n\n", "\r\n"])).join(lines)


def test_fix_text_by_line_equals_ftfy_on_the_corpora(corpus_texts):
    assert [t for t in corpus_texts if fix_text_by_line(t) != _ftfy(t)] == []


@settings(max_examples=600, derandomize=True, deadline=None)
@given(_texts())
def test_fix_text_by_line_equals_ftfy_on_generated_texts(text):
    assert fix_text_by_line(text) == _ftfy(text)


def test_fix_text_by_line_skips_ftfy_on_plain_lines(monkeypatch):
    calls: list[str] = []
    real = ftfy.fix_and_explain
    monkeypatch.setattr(ftfy, "fix_and_explain", lambda s, c: calls.append(s) or real(s, c))
    assert fix_text_by_line("It’s “plain” – text…\nGuaidÃ³\nmore plain text") == (
        'It\'s "plain" – text…\nGuaidó\nmore plain text')
    assert calls == ["GuaidÃ³\n"]


def test_html_entities_stay_after_a_line_with_a_tag():
    text = "a &amp; b\n<p>tag</p>\nc &amp; d"
    assert fix_text_by_line(text) == _ftfy(text) == "a & b\n<p>tag</p>\nc &amp; d"


def test_batched_language_identification_equals_py3langid(corpus_texts):
    from framing import language

    sentence = "El presidente dijo que el ejército no apoyaría el golpe. "
    edge = ["", "Good riddance.", sentence, sentence.upper(), "\ud800 lone surrogate and more words here to read",
            ("x" * (language._BATCH_MAX_BYTES - 10) + " the end of it"), " ".join(corpus_texts[:40])]
    assert any(len(t.encode("utf-8", "surrogatepass")) > language._BATCH_MAX_BYTES for t in edge)
    texts = corpus_texts[:1500] + edge
    identifier = _identifier()
    batched = detect_languages(texts)
    assert batched == [detect_language(t) for t in texts]
    # the feature counts behind them, in py3langid's own order (the order its float sums take)
    for text in texts[:300]:
        encoded = identifier._encode(text)
        from py3langid.langid import visit_counts

        expected = visit_counts(identifier.tk_nextmove, identifier._rowbase, identifier.tk_output, encoded)
        from framing.language import _batched_visits

        [(_, got)] = list(_batched_visits(identifier, [encoded]))
        assert (list(got.items()) if got else None) == (list(expected.items()) if expected else None)
