"""The build: ingested records → documents (normalise, dedupe) → sentences (segment) → feature tables.

``engine`` is the one build: a chunk of documents at a time, in this process, in local worker processes or on
Dask, into a Parquet store, with a cache of parsed files, dedupe decisions and each feature's tables of each
chunk. ``pipeline`` holds the stages as functions from tables to tables, :class:`~framing.build.pipeline.StudyTables`
and the cached runner that reads a small corpus's store into memory; ``dedupe`` the near-duplicate detection.
"""
