import pandas as pd
import pytest

from framing.config import DedupeSettings
from framing.dedupe import find_duplicates

BASE = " ".join(f"word{i}" for i in range(200))


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["a b c", "A  b C", "d e f"], [None, 0, None]),  # exact, case and space folded
        ([BASE, BASE.replace("word5 ", "changed "), "unrelated text here"], [None, 0, None]),  # near copy
        ([BASE, " ".join(f"other{i}" for i in range(200))], [None, None]),
        (["short note", "short  note", "short note"], [None, 0, 0]),
    ],
)
def test_find_duplicates(texts, expected):
    out = find_duplicates(pd.Series(texts))
    assert [None if pd.isna(v) else int(v) for v in out] == expected


def test_threshold_is_respected():
    half = " ".join(BASE.split()[:100] + [f"new{i}" for i in range(100)])
    out = find_duplicates(pd.Series([BASE, half]), settings=DedupeSettings(min_jaccard=0.8))
    assert out.isna().all()
