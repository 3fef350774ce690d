"""The build in worker processes gives the tables it gives in one process, byte for byte."""

import pandas as pd

from framing import synthetic
from framing.build import pipeline
from framing.build.engine import EngineSettings


def test_two_workers_give_the_serial_tables(tmp_path):
    synthetic.write_corpus(tmp_path / "corpus", 60, seed=7)
    # chunks of 7 documents, so that both workers get some
    serial = pipeline.build(tmp_path / "corpus", progress=False, actor_mode="fast",
                            settings=EngineSettings(workers=0, chunk_docs=7))
    parallel = pipeline.build(tmp_path / "corpus", progress=False, actor_mode="fast",
                              settings=EngineSettings(workers=2, chunk_docs=7))
    assert serial.meta["computed_docs"] == parallel.meta["computed_docs"] == 60
    for name in pipeline.StudyTables.TABLES:
        pd.testing.assert_frame_equal(getattr(serial, name), getattr(parallel, name), obj=name)
    serial.save(tmp_path / "a")
    parallel.save(tmp_path / "b")
    for path in sorted((tmp_path / "a").glob("*.csv")):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
