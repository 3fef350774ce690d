"""Exact and near-duplicate (syndication) detection.

A document whose text matches an earlier one is flagged with ``duplicate_of`` pointing at the first copy
(corpus order: source file, then line). Comparisons count each text once. Exact copies are found by hashing
the case-folded, whitespace-collapsed text; near copies (re-syndicated with a changed credit line, say) by
word-shingle Jaccard similarity, with candidates found through a bottom-k sketch of each text's shingles so
the work grows with the corpus, not its square.

Two implementations make the same decisions (``tests/test_engine.py`` checks it): :func:`find_duplicates`, the
readable one, over a Series of texts; and :class:`DedupeIndex`, which the pipeline and the chunked engine use. The
index takes each chunk's :class:`Signatures` (hashing, the costly part, runs in worker processes), keeps only
fixed-size arrays per document in memory and the shingle sets on disk, and stores its decisions so a rerun can
replay them.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from framing.config import DedupeSettings
from framing.text import tokens


def _fingerprint(text: str) -> str:
    return hashlib.sha1(re.sub(r"\s+", " ", text.casefold()).strip().encode("utf-8")).hexdigest()


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def _shingles(text: str, k: int, words: list[str] | None = None) -> set[int]:
    """Hashes of the text's ``k``-word shingles (``words``: its :func:`~framing.text.tokens`, if already known)."""
    words = tokens(text) if words is None else words
    blake = hashlib.blake2b
    return {int.from_bytes(blake(" ".join(words[i:i + k]).encode("utf-8"), digest_size=8).digest(), "big")
            for i in range(max(1, len(words) - k + 1))}


def find_duplicates(texts: pd.Series, *, settings: DedupeSettings = DedupeSettings()) -> pd.Series:
    """For each text, the index label of the first earlier text it duplicates, or NA.

    Args:
        texts: Texts in corpus order; the index labels are what is returned (e.g. doc_ids).
        settings: Shingle size, Jaccard threshold and sketch size.

    Returns:
        A Series aligned with ``texts``.

    >>> s = pd.Series(["The same words here.", "the  SAME words here.", "Other."], index=["a", "b", "c"])
    >>> find_duplicates(s).tolist()
    [<NA>, 'a', <NA>]

    """
    out = pd.Series(pd.NA, index=texts.index, dtype="string")
    first_by_hash: dict[str, object] = {}
    sketches: dict[int, list[object]] = defaultdict(list)
    shingle_sets: dict[object, set[int]] = {}
    position = {label: i for i, label in enumerate(texts.index)}
    for label, text in texts.items():
        fp = _fingerprint(str(text))
        if fp in first_by_hash:
            out.loc[label] = str(first_by_hash[fp])  # type: ignore[call-overload]
            continue
        first_by_hash[fp] = label
        words = tokens(str(text))
        if len(words) < settings.min_words:
            continue
        sh = _shingles(str(text), settings.shingle_words, words)
        sketch = sorted(sh)[: settings.sketch_size]
        candidates = {c for h in sketch for c in sketches.get(h, [])}
        best = None
        for cand in sorted(candidates, key=position.__getitem__):
            other = shingle_sets[cand]
            jaccard = len(sh & other) / len(sh | other)
            if jaccard >= settings.min_jaccard:
                best = cand
                break
        if best is not None:
            out.loc[label] = str(best)  # type: ignore[call-overload]
            continue
        shingle_sets[label] = sh
        for h in sketch:
            if len(sketches[h]) < settings.max_per_hash:
                sketches[h].append(label)
    return out


# ---------------------------------------------------------------- bounded-memory index (same decisions)


# Lookups of the keys in temp.q (pos, k) in the spilled table m (k, v): CROSS JOIN keeps q the outer loop.
_FIRST_QUERY = "SELECT q.pos, MIN(m.v) FROM temp.q AS q CROSS JOIN m ON m.k = q.k GROUP BY q.pos"
_ALL_QUERY = "SELECT q.pos, m.v FROM temp.q AS q CROSS JOIN m ON m.k = q.k"


class _SortedMultiMap:
    """uint64 keys → uint32 values in sorted numpy levels (merged like a binary counter: O(n log n) in all).

    With ``spill`` (a file path), levels beyond ``max_in_memory`` entries in all move to an SQLite table there,
    read back by index lookups, so memory stays bounded however many keys are added. Values are ordinals, added
    in increasing order. Lookups give the same answers either way: the smallest value under a key (:meth:`first`)
    and every value under it (:meth:`all`, whose order callers do not rely on).
    """

    def __init__(self, spill: Path | None = None, *, max_in_memory: int = 1 << 21) -> None:
        self.levels: list[tuple[np.ndarray, np.ndarray]] = []
        self.max_in_memory = max_in_memory
        self._spill = spill
        self._db: sqlite3.Connection | None = None
        self.n_spilled = 0

    def add(self, keys: np.ndarray, values: np.ndarray) -> None:
        if not len(keys):
            return
        order = np.argsort(keys, kind="stable")
        self.levels.append((keys[order], values[order]))
        while len(self.levels) > 1 and len(self.levels[-2][0]) <= 2 * len(self.levels[-1][0]):
            (k1, v1), (k2, v2) = self.levels.pop(-2), self.levels.pop()
            k, v = np.concatenate([k1, k2]), np.concatenate([v1, v2])
            order = np.argsort(k, kind="stable")  # older level first: equal keys keep insertion order
            self.levels.append((k[order], v[order]))
        while self._spill is not None and sum(len(k) for k, _ in self.levels) > self.max_in_memory:
            self._to_disk(*self.levels.pop(0))  # the oldest level is the largest

    def _to_disk(self, keys: np.ndarray, values: np.ndarray) -> None:
        if self._db is None:
            assert self._spill is not None
            self._db = sqlite3.connect(self._spill)
            self._db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                                   "CREATE TABLE m (k INTEGER NOT NULL, v INTEGER NOT NULL);"
                                   "CREATE INDEX m_k ON m (k);"
                                   "CREATE TEMP TABLE q (pos INTEGER NOT NULL, k INTEGER NOT NULL);")
        signed = np.ascontiguousarray(keys, dtype=np.uint64).view(np.int64)  # SQLite integers are signed
        step = 1 << 16  # rows per batch: Python ints for a whole level would take ~100 bytes a row at once
        for a in range(0, len(keys), step):
            self._db.executemany("INSERT INTO m VALUES (?, ?)",
                                 zip(signed[a:a + step].tolist(), values[a:a + step].tolist(), strict=True))
        self.n_spilled += len(keys)

    def _on_disk(self, keys: np.ndarray, query: str) -> list[tuple[int, int]]:
        """Rows ``(position in keys, value)`` of ``query`` over the spilled table.

        The queries are ``CROSS JOIN``s, which SQLite runs in the order written: each key probes the index on
        ``m.k`` (never a scan of the spilled table).
        """
        assert self._db is not None
        signed = np.ascontiguousarray(keys, dtype=np.uint64).view(np.int64)
        self._db.execute("DELETE FROM temp.q")
        self._db.executemany("INSERT INTO temp.q VALUES (?, ?)", enumerate(signed.tolist()))
        return self._db.execute(query).fetchall()

    def first(self, keys: np.ndarray) -> np.ndarray:
        """For each key, the smallest value stored under it (the first added), or -1."""
        out = np.full(len(keys), -1, dtype=np.int64)
        for k, v in self.levels:
            i = np.searchsorted(k, keys)
            ok = i < len(k)
            ok[ok] = k[i[ok]] == keys[ok]
            hit = v[i[ok]].astype(np.int64)
            cur = out[ok]
            out[ok] = np.where((cur < 0) | (hit < cur), hit, cur)
        if self._db is not None and len(keys):
            for pos, value in self._on_disk(keys, _FIRST_QUERY):
                if out[pos] < 0 or value < out[pos]:
                    out[pos] = value
        return out

    def all(self, keys: np.ndarray) -> list[np.ndarray]:
        """For each key, every value stored under it."""
        found: list[list[np.ndarray]] = [[] for _ in keys]
        if self._db is not None and len(keys):
            by_pos: defaultdict[int, list[int]] = defaultdict(list)
            for pos, value in self._on_disk(keys, _ALL_QUERY):
                by_pos[pos].append(value)
            for pos, values in by_pos.items():
                found[pos].append(np.array(values, dtype=np.uint32))
        for k, v in self.levels:
            lo, hi = np.searchsorted(k, keys, "left"), np.searchsorted(k, keys, "right")
            for j in np.nonzero(hi > lo)[0]:
                found[j].append(v[lo[j]:hi[j]])
        return [np.concatenate(f) if f else np.empty(0, np.uint32) for f in found]

    def close(self) -> None:
        """Close the spill table (the caller deletes its file)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def nbytes(self) -> int:
        """Bytes of the in-memory levels."""
        return sum(k.nbytes + v.nbytes for k, v in self.levels)


@dataclass
class Signatures:
    """What dedupe needs of a chunk's documents: fingerprints, token counts, sorted shingle hashes (CSR)."""

    fingerprint: np.ndarray  # uint64 per document: the first 64 bits of the exact-copy fingerprint
    n_tokens: np.ndarray  # int64 per document
    offsets: np.ndarray  # int64, len n+1: document i's shingles are values[offsets[i]:offsets[i+1]]
    values: np.ndarray  # uint64, sorted within each document

    @classmethod
    def of(cls, texts: list[str], settings: DedupeSettings) -> Signatures:
        """Signatures of ``texts`` (shingles only for texts of at least ``settings.min_words`` tokens)."""
        fps = np.array([int(_fingerprint(t)[:16], 16) for t in texts], dtype=np.uint64)
        counts = np.array([len(tokens(t)) for t in texts], dtype=np.int64)
        shingles = [np.array(sorted(_shingles(t, settings.shingle_words)), dtype=np.uint64)
                    if n >= settings.min_words else np.empty(0, np.uint64) for t, n in zip(texts, counts, strict=True)]
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(s) for s in shingles])
        values = np.concatenate(shingles) if shingles else np.empty(0, np.uint64)
        return cls(fps, counts, offsets, values)

    def split(self) -> list[Signatures]:
        """One signature per document (what :meth:`join` puts back together)."""
        return [Signatures(self.fingerprint[i:i + 1], self.n_tokens[i:i + 1],
                           np.array([0, self.offsets[i + 1] - self.offsets[i]], dtype=np.int64), self.shingles(i))
                for i in range(len(self.fingerprint))]

    @classmethod
    def join(cls, parts: list[Signatures]) -> Signatures:
        """The signatures of ``parts``' documents, in order.

        >>> sig = Signatures.of(["a b c d e f g h i j k l", "x y"], DedupeSettings(min_words=3))
        >>> again = Signatures.join(sig.split())
        >>> all(np.array_equal(getattr(sig, f), getattr(again, f)) for f in ("fingerprint", "offsets", "values"))
        True
        """
        if not parts:
            return cls(np.empty(0, np.uint64), np.empty(0, np.int64), np.zeros(1, np.int64), np.empty(0, np.uint64))
        offsets = np.zeros(sum(len(p.fingerprint) for p in parts) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum(np.concatenate([np.diff(p.offsets) for p in parts]))
        return cls(np.concatenate([p.fingerprint for p in parts]), np.concatenate([p.n_tokens for p in parts]),
                   offsets, np.concatenate([p.values for p in parts]))

    def to_memo(self) -> tuple[str, str, bytes]:
        """A one-document signature as :class:`framing.build.memo.TextMemo` values (hex, count, little-endian bytes)."""
        return f"{int(self.fingerprint[0]):016x}", str(int(self.n_tokens[0])), self.values.astype("<u8").tobytes()

    @classmethod
    def from_memo(cls, values: tuple[str, str, bytes]) -> Signatures:
        """What :meth:`to_memo` stored."""
        fingerprint, n_tokens, shingles = values
        hashes = np.frombuffer(shingles or b"", dtype="<u8").astype(np.uint64)
        return cls(np.array([int(fingerprint, 16)], dtype=np.uint64), np.array([int(n_tokens)], dtype=np.int64),
                   np.array([0, len(hashes)], dtype=np.int64), hashes)

    def shingles(self, i: int) -> np.ndarray:
        """Sorted shingle hashes of document ``i``."""
        return self.values[self.offsets[i]:self.offsets[i + 1]]

    def save(self, path: Path) -> None:
        """Write the arrays to an ``.npz`` file."""
        with path.open("wb") as handle:
            np.savez(handle, fingerprint=self.fingerprint, n_tokens=self.n_tokens, offsets=self.offsets,
                     values=self.values)

    @classmethod
    def load(cls, path: Path) -> Signatures:
        """Read what :meth:`save` wrote."""
        with np.load(path) as z:
            return cls(z["fingerprint"], z["n_tokens"], z["offsets"], z["values"])


@dataclass
class DedupeDecision:
    """What the index decided for one chunk: its ``duplicate_of`` and what the chunk adds to the index.

    Replaying a stored decision with :meth:`DedupeIndex.add` on the same index state is the same as deciding again
    (a rerun reuses the decisions of the files before the first changed one: see :func:`build_chunked`).
    """

    duplicate_of: list[str | None]
    new_fingerprints: list[int]  # chunk positions whose fingerprint enters the index
    new_candidates: list[int]  # chunk positions that become near-duplicate candidates
    # [chunk position, sketch slot] of the new candidates' sketch hashes left out: each already proposes
    # ``max_per_hash`` candidates
    full_hashes: list[list[int]] = field(default_factory=list)

    def to_json(self) -> str:
        """The decision as one line of JSON."""
        return json.dumps([self.duplicate_of, self.new_fingerprints, self.new_candidates, self.full_hashes])

    @classmethod
    def from_json(cls, text: str) -> DedupeDecision:
        """Read what :meth:`to_json` wrote."""
        dup, fps, cands, *full = json.loads(text)
        return cls(dup, fps, cands, full[0] if full else [])


class DedupeIndex:
    """Every document seen so far, for :func:`framing.build.dedupe.find_duplicates`' rules, in bounded memory.

    In memory: each document's doc_id as a uint64 and, per near-duplicate candidate, its shingle-store offset
    and document ordinal (20 bytes a document in all); the newest fingerprints and sketch hashes (the candidates'
    ``sketch_size`` smallest shingle hashes), up to ``max_in_memory`` entries (12 bytes each) per map. On disk
    (``folder``): the candidates' shingle sets, read back only to check a candidate pair, and the older
    fingerprints and sketch hashes, in SQLite tables looked up by index. Exact copies are matched on the first
    64 bits of the fingerprint (a false match is about one in 10^7 at 10^6 documents … squared: negligible).
    """

    def __init__(self, folder: Path, settings: DedupeSettings = DedupeSettings(), *,
                 max_in_memory: int = 1 << 21):
        self.settings = settings
        folder.mkdir(parents=True, exist_ok=True)
        self._path = folder / "shingles.u64"
        self._store = self._path.open("w+b")
        self._offsets = np.zeros(1, dtype=np.int64)  # candidate c's shingles: store[_offsets[c]:_offsets[c + 1]]
        self._doc_ids = np.empty(0, dtype=np.uint64)  # by document ordinal
        self._spills = [folder / "fingerprints.sqlite", folder / "sketches.sqlite"]
        for path in self._spills:
            path.unlink(missing_ok=True)
        # fingerprint -> document ordinal; sketch hash -> candidate ordinal
        self._fingerprints = _SortedMultiMap(self._spills[0], max_in_memory=max_in_memory)
        self._sketches = _SortedMultiMap(self._spills[1], max_in_memory=max_in_memory)
        self._candidate_docs = np.empty(0, dtype=np.uint32)  # document ordinal of each candidate
        self._n_candidates = 0
        self._written = 0  # uint64 values in the store

    def close(self) -> None:
        """Close and delete the shingle store and the spill tables."""
        self._store.close()
        self._path.unlink(missing_ok=True)
        for table in (self._fingerprints, self._sketches):
            table.close()
        for path in self._spills:
            path.unlink(missing_ok=True)

    @property
    def n_spilled(self) -> int:
        """Fingerprints and sketch hashes moved to the SQLite tables on disk."""
        return self._fingerprints.n_spilled + self._sketches.n_spilled

    @property
    def nbytes(self) -> int:
        """Bytes of the in-memory arrays."""
        return (self._doc_ids.nbytes + self._fingerprints.nbytes + self._sketches.nbytes
                + self._offsets.nbytes + self._candidate_docs.nbytes)

    def _stored_shingles(self, start: int, end: int) -> np.ndarray:
        self._store.seek(start * 8)
        return np.frombuffer(self._store.read((end - start) * 8), dtype=np.uint64)

    def assign(self, doc_ids: list[str], sig: Signatures) -> list[str | None]:
        """``duplicate_of`` for a chunk's documents (in corpus order), then add them to the index."""
        decision = self.decide(doc_ids, sig)
        self.add(doc_ids, sig, decision)
        return decision.duplicate_of

    def decide(self, doc_ids: list[str], sig: Signatures) -> DedupeDecision:
        """What :meth:`assign` decides for a chunk, without adding it to the index."""
        s = self.settings
        n = len(doc_ids)
        exact_prior = self._fingerprints.first(sig.fingerprint)
        local_fp: dict[int, int] = {}
        sketches = [sig.shingles(i)[: s.sketch_size] for i in range(n)]
        flat = np.concatenate(sketches) if n else np.empty(0, np.uint64)
        prior = self._sketches.all(flat) if len(flat) else []
        prior_by_doc, k = [], 0
        for sk in sketches:
            prior_by_doc.append(prior[k:k + len(sk)])
            k += len(sk)
        local_sketch: dict[int, list[int]] = {}
        local_shingles: dict[int, np.ndarray] = {}
        new_fp: list[int] = []  # chunk positions of the documents whose fingerprint is new
        new_candidates: list[int] = []  # chunk positions of the documents that become candidates
        full_hashes: list[list[int]] = []  # [chunk position, sketch slot] of hashes already at max_per_hash
        out: list[str | None] = []
        for i in range(n):
            fp = int(sig.fingerprint[i])
            if exact_prior[i] >= 0:
                out.append(f"{int(self._doc_ids[exact_prior[i]]):016x}")
                continue
            if fp in local_fp:
                out.append(doc_ids[local_fp[fp]])
                continue
            local_fp[fp] = i
            new_fp.append(i)
            if sig.n_tokens[i] < s.min_words:
                out.append(None)
                continue
            sh = sig.shingles(i)
            stored = np.unique(np.concatenate(prior_by_doc[i])) if prior_by_doc[i] else np.empty(0, np.int64)
            if len(stored):  # Jaccard <= smaller / larger set: drop candidates too different in size
                sizes = self._offsets[stored + 1] - self._offsets[stored]
                stored = stored[np.minimum(sizes, len(sh)) >= s.min_jaccard * np.maximum(sizes, len(sh))]
            cands = set(stored.tolist())
            cands |= {c for h in sketches[i].tolist() for c in local_sketch.get(h, [])}
            best = self._first_similar(sh, sorted(cands), local_shingles)
            if best is not None:
                out.append(self._candidate_doc(best, doc_ids, new_candidates))
                continue
            out.append(None)
            cand = self._n_candidates + len(new_candidates)
            new_candidates.append(i)
            local_shingles[cand] = sh
            for slot, h in enumerate(sketches[i].tolist()):
                local = local_sketch.setdefault(h, [])
                if len(prior_by_doc[i][slot]) + len(local) < s.max_per_hash:
                    local.append(cand)
                else:
                    full_hashes.append([i, slot])
        return DedupeDecision(out, new_fp, new_candidates, full_hashes)

    def _first_similar(self, sh: np.ndarray, cands: list[int], local_shingles: dict[int, np.ndarray]) -> int | None:
        """The first of ``cands`` (ascending) with shingle-set Jaccard >= min_jaccard with ``sh``, or None.

        :func:`find_duplicates`' loop, with the intersections of all candidates counted at once.
        """
        t = self.settings.min_jaccard
        others = []
        kept = []
        for cand in cands:
            if cand >= self._n_candidates:
                other = local_shingles[cand]
            else:
                other = self._stored_shingles(int(self._offsets[cand]), int(self._offsets[cand + 1]))
            if min(len(other), len(sh)) < t * max(len(other), len(sh)):
                continue
            others.append(other)
            kept.append(cand)
        if not kept or not len(sh):
            return None
        lengths = np.array([len(o) for o in others], dtype=np.int64)
        flat = np.concatenate(others)
        pos = np.searchsorted(sh, flat)
        pos[pos == len(sh)] = len(sh) - 1
        hits = np.concatenate([[0], np.cumsum(sh[pos] == flat)])  # each set's values are unique
        ends = np.cumsum(lengths)
        inter = hits[ends] - hits[ends - lengths]
        similar = np.nonzero(inter / (len(sh) + lengths - inter) >= t)[0]  # the same float division as a loop's
        return kept[int(similar[0])] if len(similar) else None

    def add(self, doc_ids: list[str], sig: Signatures, decision: DedupeDecision) -> None:
        """Add a chunk to the index as ``decision`` (from :meth:`decide` on the same index state) says."""
        s = self.settings
        base = len(self._doc_ids)
        fp_pos = np.asarray(decision.new_fingerprints, dtype=np.int64)
        cands = decision.new_candidates
        full = {(int(i), int(slot)) for i, slot in decision.full_hashes}
        sk_keys, sk_vals = [], []
        for j, i in enumerate(cands):
            sketch = sig.shingles(i)[: s.sketch_size]
            keep = [slot for slot in range(len(sketch)) if (i, slot) not in full]
            sk_keys.append(sketch[keep])
            sk_vals.append(np.full(len(keep), self._n_candidates + j, dtype=np.uint32))
        self._doc_ids = np.concatenate([self._doc_ids, np.array([int(d, 16) for d in doc_ids], dtype=np.uint64)])
        self._fingerprints.add(sig.fingerprint[fp_pos].astype(np.uint64), (base + fp_pos).astype(np.uint32))
        if cands:
            self._sketches.add(np.concatenate(sk_keys).astype(np.uint64), np.concatenate(sk_vals))
            lengths = np.array([len(sig.shingles(i)) for i in cands], dtype=np.int64)
            offs = np.zeros(len(cands) + 1, dtype=np.int64)
            offs[1:] = np.cumsum(lengths)
            self._store.seek(self._written * 8)
            for i in cands:
                self._store.write(sig.shingles(i).tobytes())
            self._offsets = np.concatenate([self._offsets, offs[1:] + self._written])
            self._written += int(offs[-1])
            self._candidate_docs = np.concatenate([self._candidate_docs,
                                                   np.array([base + i for i in cands], dtype=np.uint32)])
            self._n_candidates += len(cands)

    def _candidate_doc(self, cand: int, doc_ids: list[str], new_candidates: list[int]) -> str:
        if cand >= self._n_candidates:
            return doc_ids[new_candidates[cand - self._n_candidates]]
        ordinal = int(self._candidate_docs[cand])
        return f"{int(self._doc_ids[ordinal]):016x}"
