"""Sentence sentiment: FastVader against vaderSentiment, same sentences, same run, one core.

Run: ``taskset -c 0 .venv/bin/python benchmarks/bench_vader.py`` (``make bench`` does). Checks that every score is
identical (``==``) on the bundled corpus's sentences and on 100k generated sentences that exercise every VADER rule,
then times both on a realistic sentence mix; prints the ratio (target >= 4x) and writes ``results/vader.json``.
"""

from __future__ import annotations

import random
import sys

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from framing import synthetic
from framing.features.vader_fast import FastVader

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
from common import best_rate, machine_info, write_result  # noqa: E402


def corpus_sentences(n: int, seed: int = 1) -> list[str]:
    """Sentences as the pipeline sees them: synthetic documents split by the pipeline's splitter."""
    from framing.text import split_sentences

    out: list[str] = []
    for doc in synthetic.documents(n // 8, seed=seed):
        for para in doc["text"].split("\n\n"):
            out.extend(s for _, _, s in split_sentences(para))
    random.Random(seed).shuffle(out)
    return out[:n]


def main() -> None:
    vader, fast = SentimentIntensityAnalyzer(), FastVader()
    generated = synthetic.vader_sentences(100_000)
    realistic = corpus_sentences(50_000)
    mismatches = sum(vader.polarity_scores(t) != fast.polarity_scores(t) for t in generated + realistic)
    fast_scorer = FastVader()  # a fresh one: its token memo starts empty, as in a real run
    vader_rate = best_rate(lambda: [vader.polarity_scores(t) for t in realistic], len(realistic))
    fast_rate = best_rate(lambda: [fast_scorer.polarity_scores(t) for t in realistic], len(realistic))
    gen_vader = best_rate(lambda: [vader.polarity_scores(t) for t in generated], len(generated), repeat=1)
    gen_fast = best_rate(lambda: [fast.polarity_scores(t) for t in generated], len(generated), repeat=1)
    result = {
        "checked_sentences": len(generated) + len(realistic),
        "mismatches": mismatches,
        "vader_sentences_per_s": round(vader_rate),
        "fast_sentences_per_s": round(fast_rate),
        "ratio": round(fast_rate / vader_rate, 2),
        "ratio_on_rule_exercisers": round(gen_fast / gen_vader, 2),
        "target_ratio": 4.0,
        "meets_target": bool(mismatches == 0 and fast_rate / vader_rate >= 4.0),
        "machine": machine_info(),
    }
    write_result("vader", result)


if __name__ == "__main__":
    main()
