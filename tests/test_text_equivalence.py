"""The fast paths of normalisation give the very strings of the libraries they stand in for.

``fix_text_by_line`` must equal ``ftfy.fix_text`` (same options), and the batched language identifier must give
py3langid's own ranking, on the bundled corpus, on synthetic documents and on generated texts that mix every
kind of line the fast paths treat differently (plain ASCII, curly quotes, mojibake, HTML entities before and
after a "<", control characters, Thai mojibake, ligatures, full-width letters).
"""

from __future__ import annotations

import re

import ftfy
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framing.config import RAW_DIR
from framing.ingest import read_corpus
from framing.language import _identifier, detect_language, detect_languages
from framing.synthetic import documents
from framing.text import Caseless, fix_text_by_line, lowered, split_sentences


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


# ---------------------------------------------------------------- case-insensitive cue patterns on lower-cased ASCII

def _cue_patterns() -> list[re.Pattern[str]]:
    from framing.features.frames import GenericCodebook
    from framing.features.issue_frames import IssueCodebook

    issue = [p for f in IssueCodebook.load().frames.values() for p in (f.cues, f.exclude, *f.cooccur) if p is not None]
    return [*GenericCodebook.load().patterns.values(), *issue]


_CUE_WORDS = sorted({w for p in _cue_patterns() for w in re.findall(r"[A-Za-z]{2,}", p.pattern)} | {"U.S.", "U.N."})


@st.composite
def _cue_texts(draw: st.DrawFn) -> str:
    """Cue words in any case, glued by spaces, hyphens, apostrophes and punctuation; sometimes not ASCII."""
    words = draw(st.lists(st.sampled_from(_CUE_WORDS), min_size=1, max_size=12))
    cased = [draw(st.sampled_from([w, w.upper(), w.title(), w[:1] + w[1:].upper()])) for w in words]
    glue = [draw(st.sampled_from([" ", " ", "-", ", ", ". ", "'s ", " the ", "’", " K ", "\u212a", "é"]))
            for _ in cased]
    return "".join(w + g for w, g in zip(cased, glue, strict=True))


@settings(max_examples=400, derandomize=True, deadline=None)
@given(_cue_texts())
def test_caseless_twins_find_the_spans_of_the_cue_patterns(text):
    subject = lowered(text)
    for pattern in _cue_patterns():
        fast = Caseless(pattern)
        assert [m.span() for m in fast.on(subject).finditer(subject.text)] == [m.span() for m in pattern.finditer(text)]
        assert [m.span() for m in pattern.finditer(subject.text)] == [m.span() for m in pattern.finditer(text)]


def test_most_cue_patterns_have_a_twin():
    patterns = _cue_patterns()
    assert sum(Caseless(p).twin is not None for p in patterns) >= 0.9 * len(patterns)


@pytest.mark.parametrize("source", [
    r"[A-Z]\w+", r"[0-_]x", r"[Z-a]", r"(?-i:US) forces", r"\Wsanctions", r"\x41id", r"(a)\1", "\u212aelvin",
    "ſanctions", r"(?i-s:US)",
])
def test_caseless_has_no_twin_where_lowering_could_change_the_matches(source):
    assert Caseless(re.compile(source, re.IGNORECASE)).twin is None


def test_caseless_keeps_the_pattern_for_text_that_is_not_ascii():
    assert Caseless(re.compile("sanctions")).twin is None  # case-sensitive already
    kelvin = Caseless(re.compile("k", re.IGNORECASE))
    subject = lowered("\u212a")  # the Kelvin sign folds to "k": not ASCII, so the pattern itself runs
    assert not subject.ascii and kelvin.on(subject).findall(subject.text) == ["\u212a"]


def test_cue_counts_and_issue_frames_equal_the_patterns_on_the_corpora(corpus_texts):
    from framing.features.frames import GenericCodebook
    from framing.features.issue_frames import IssueCodebook, detect

    sentences = [s for t in corpus_texts[:900] for _, _, s in split_sentences(t)]
    assert len(sentences) > 5000
    codebook = GenericCodebook.load()
    # the patterns, match by match, with the cue rules (not_after, proper-name guard) applied to each match
    expected = [[sum(codebook.cue_sets[q].keeps(s, *m.span()) for m in codebook.patterns[q].finditer(s))
                 for q in codebook.question_ids] for s in sentences]
    assert codebook.hit_counts(sentences).tolist() == expected

    def reference(frame, sentence: str) -> list[str]:  # IssueFrame.matches before the twins, with the cue rules
        text = frame.exclude.sub(lambda m: " " * len(m.group(0)), sentence) if frame.exclude else sentence
        found = sorted({m.group(0).lower() for m in frame.cues.finditer(text)
                        if frame.cue_set.keeps(sentence, *m.span())})
        if not found and frame.cooccur:
            first = [next((m for m in p.finditer(text) if c.keeps(sentence, *m.span())), None)
                     for p, c in zip(frame.cooccur, frame.cooccur_sets, strict=True)]
            if all(first):
                found = sorted({m.group(0).lower() for m in first if m is not None})
        return found

    frames = IssueCodebook.load().frames
    rows = [(0, i, slug, "; ".join(found)) for i, s in enumerate(sentences) for slug, f in frames.items()
            if (found := reference(f, s))]
    got = detect(pd.DataFrame({"doc_id": 0, "sent_idx": range(len(sentences)), "text": sentences}))
    hits = got[["doc_id", "sent_idx", "frame", "cues"]]  # the stance column is tested in tests/features
    assert len(rows) > 500 and list(hits.itertuples(index=False, name=None)) == rows
