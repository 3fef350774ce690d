"""Draw the sentences of the attribution gold (run once, from the project root, before any labelling).

    .venv/bin/framing ingest --corpus data/raw --out data/interim/attr_ingest
    .venv/bin/python data/external/attribution/sample.py data/interim/attr_ingest > data/interim/attr_sample.tsv

Labels (``voice``, ``speaker``) were then written by hand into the sample; this script only picks the sentences and
their ``split``.
"""

import hashlib
import random
import re
import sys
from pathlib import Path

import pandas as pd

from framing.text import count_words, normalise_text, split_sentences

SEED = 20261202
BUNDLED = {"rt": 26, "telesur": 4, "sott": 20, "dissident-voice": 20, "the-canary": 18, "substack-rurik": 14,
           "popular-resistance": 5, "forum": 3, "asia-pacific-report": 2, "hans-thoolen": 1, "truthout": 1}
N_ARTICLES, PER_ARTICLE = 28, 4


def split_of(text: str) -> str:
    """``dev`` or ``test`` from a seeded hash of the sentence text (about 50/50)."""
    return "dev" if hashlib.sha256(f"{SEED}|{text}".encode()).digest()[0] % 2 == 0 else "test"


def main(ingest: Path) -> None:
    """Write the sample (id, split, source, where, text) as TSV to stdout."""
    rng = random.Random(SEED)
    docs = pd.read_csv(ingest / "documents.csv", dtype={"doc_id": str})
    sents = pd.read_csv(ingest / "sentences.csv", dtype={"doc_id": str}).merge(docs[["doc_id", "outlet"]], on="doc_id")
    rows = []
    for outlet, n in BUNDLED.items():
        pool = sents[(sents.outlet == outlet) & (sents.text.map(count_words) >= 3)].sort_values(["doc_id", "sent_idx"])
        for r in pool.iloc[sorted(rng.sample(range(len(pool)), min(n, len(pool))))].itertuples():
            rows.append((f"bundled:{outlet}", f"{r.doc_id}:{r.sent_idx}", r.text))
    arts = pd.read_csv(Path("data/external/narrative_frames/articles_dev.tsv"), sep="\t")
    arts["key"] = arts.source.map(lambda s: re.sub(r"[^a-z]", "", s.lower()).removeprefix("the"))
    picked = []
    for key in sorted(arts.key.unique()):
        group = arts[arts.key == key].sort_values("ID")
        picked.append(group.iloc[rng.randrange(len(group))])
    picked = [picked[i] for i in sorted(rng.sample(range(len(picked)), min(N_ARTICLES, len(picked))))]
    for art in picked:
        spans = [s for _, _, s in split_sentences(normalise_text(art.text)) if count_words(s) >= 3]
        for i in sorted(rng.sample(range(len(spans)), min(PER_ARTICLE, len(spans)))):
            rows.append((f"narrative_frames:{art.ID}", f"{art.source}:{i}", spans[i]))
    out = pd.DataFrame(rows, columns=["source", "where", "text"]).drop_duplicates("text")
    out.insert(0, "split", out.text.map(split_of))
    out.insert(0, "id", [f"a{n:03d}" for n in range(1, len(out) + 1)])
    out.to_csv(sys.stdout, sep="\t", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
