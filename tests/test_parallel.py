"""The per-document features in worker processes give the same tables as in one process."""

import pandas as pd

from framing import synthetic
from framing.build import pipeline


def test_two_workers_give_the_serial_tables(tmp_path, monkeypatch):
    synthetic.write_corpus(tmp_path / "corpus", 60, seed=7)
    monkeypatch.setattr(pipeline, "FEATURE_BATCH_DOCS", 7)  # several batches, so both workers get some
    # normalise and segment also split 60 documents into chunks for the workers
    serial = pipeline.build(tmp_path / "corpus", progress=False, actor_mode="fast", workers=1)
    parallel = pipeline.build(tmp_path / "corpus", progress=False, actor_mode="fast", workers=2)
    for name in pipeline.StudyTables.TABLES:
        pd.testing.assert_frame_equal(getattr(serial, name), getattr(parallel, name), obj=name)
    serial.save(tmp_path / "a")
    parallel.save(tmp_path / "b")
    for path in sorted((tmp_path / "a").glob("*.csv")):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
