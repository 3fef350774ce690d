"""The build: ingested records → documents (normalise, dedupe) → sentences (segment) → feature tables.

``pipeline`` holds the stages, the feature store and the cached in-memory runner; ``engine`` the chunked build
(local processes or Dask) for corpora that do not fit in memory; ``memo`` the per-text memos; ``dedupe`` the
near-duplicate detection.
"""
