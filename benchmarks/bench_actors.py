"""Throughput of the actor-sentiment models, against bare vaderSentiment in the same run.

Run: ``taskset -c 0 .venv/bin/python benchmarks/bench_actors.py`` (one core). Prints mentions per second for the
fast and accurate models and the ratio of each to VADER's sentences per second on the same sentences; writes
``benchmarks/results/actors.json`` with machine info.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path

import pandas as pd
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from framing.analysis import validate
from framing.features import actors

sys.path.insert(0, str(Path(__file__).parent))
from common import best_rate  # noqa: E402


def main() -> None:
    gold = actors.load_newsmtsc(validate.NEWSMTSC_DEVTEST_RW)
    big = pd.concat([gold] * 4, ignore_index=True)
    vader = SentimentIntensityAnalyzer()
    texts = big["text"].tolist()
    vader_rate = best_rate(lambda: [vader.polarity_scores(t) for t in texts], len(texts))
    fast = actors.fast_model()
    fast.predict_proba(gold.head(20))
    fast_rate = best_rate(lambda: fast.predict_proba(big), len(big))
    accurate = actors.accurate_model()
    accurate.predict_proba(gold.head(20))
    accurate_rate = best_rate(lambda: accurate.predict_proba(gold), len(gold), repeat=1)
    result = {
        "vader_sentences_per_s": round(vader_rate),
        "fast_mentions_per_s": round(fast_rate),
        "accurate_mentions_per_s": round(accurate_rate, 1),
        "fast_over_vader": round(fast_rate / vader_rate, 3),
        "accurate_over_vader": round(accurate_rate / vader_rate, 4),
        "target_fast_mentions_per_s": 5000,
        "cpus_allowed": len(os.sched_getaffinity(0)),
        "machine": {"python": platform.python_version(), "processor": platform.processor() or platform.machine(),
                    "cpu_count": os.cpu_count()},
    }
    out = Path(__file__).parent / "results" / "actors.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
