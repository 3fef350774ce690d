"""Write a seeded synthetic corpus of JSON Lines parts (10k documents each): ``python benchmarks/make_corpus.py
--n 1000000 --out benchmarks/.corpora/n1000000``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from framing.synthetic import CorpusShape, write_corpus


def make_corpus(n: int, out: Path, *, seed: int = 20190123, docs_per_file: int = 10_000) -> list[Path]:
    """Write the corpus unless ``out`` already holds it (a ``COMPLETE`` marker naming n and seed)."""
    marker = out / ".complete"
    stamp = f"n={n} seed={seed} docs_per_file={docs_per_file}\n"
    if marker.is_file() and marker.read_text() == stamp:
        return sorted(out.glob("part-*.jsonl"))
    for old in out.glob("part-*.jsonl"):
        old.unlink()
    paths = write_corpus(out, n, seed=seed, shape=CorpusShape(docs_per_file=docs_per_file))
    marker.write_text(stamp)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, required=True, help="documents")
    parser.add_argument("--out", type=Path, required=True, help="folder for part-NNNNN.jsonl")
    parser.add_argument("--seed", type=int, default=20190123)
    parser.add_argument("--docs-per-file", type=int, default=10_000)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    paths = make_corpus(args.n, args.out, seed=args.seed, docs_per_file=args.docs_per_file)
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} files, {size / 2**20:.1f} MB in {args.out} ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
