"""The short API of ``import framing``: open a study, select, compare, show the evidence; and the package layout."""

import random
import subprocess
import sys
from pathlib import Path

import framing

from .shapes import PLAIN, VENEZUELA, _articles, _table


def test_import_framing_is_light_and_offers_the_short_api():
    done = subprocess.run([sys.executable, "-c", "import sys, framing; print(sorted(m for m in ('pandas', 'torch', "
                           "'sklearn') if m in sys.modules)); print(sorted(framing.__all__))"],
                          capture_output=True, text=True, check=True)
    heavy, names = done.stdout.splitlines()
    assert heavy == "[]"  # kernels and workers import the package; the API loads on first use
    for name in ("open_study", "select", "compare", "evidence", "kwic", "register", "Feature"):
        assert name in names and callable(getattr(framing, name))
    try:
        framing.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("an unknown name must raise AttributeError")


def test_a_study_opened_selected_compared_and_shown(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _table(corpus, _articles(random.Random(5), ["rt", "cnn"], 12, PLAIN + VENEZUELA))
    study = framing.open_study(corpus, actor_mode="fast", progress=False)
    docs = framing.select(study, outlets=["rt"])
    assert len(docs) == 12 and set(docs["outlet"]) == {"rt"} and "vader_compound_mean" in docs.columns
    tests = framing.compare(study)
    tone = tests[tests["measure"].str.startswith("tone") & (tests["comparison"] == "vs all other outlets")]
    assert set(tone["outlet"]) == {"rt", "cnn"} and tests["q_value"].dropna().between(0, 1).all()
    assert len(framing.compare(study.tables)) == len(tests)  # the bare tables give the same tests
    shown = framing.evidence(study, "tone", "rt", k=2)
    assert (shown["outlet"] == "rt").all() and 0 < len(shown) <= 4
    assert "doc_sentiment" in set(framing.list_features()["table"])


def test_the_package_is_laid_out_in_the_order_data_flows():
    root = Path(framing.__file__).parent
    flat = sorted(p.stem for p in root.glob("*.py"))
    assert flat == ["__init__", "api", "cli", "config", "corpus", "language", "outlets", "safeio", "synthetic", "text"]
    packages = sorted(p.name for p in root.iterdir() if (p / "__init__.py").is_file())
    assert packages == ["analysis", "build", "features", "handcoding", "ingest", "lexicons", "models", "report"]
