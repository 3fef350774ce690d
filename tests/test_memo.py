"""The per-text memo: results by text hash, append-only parts, compaction, and keys that follow the code."""

import logging

from framing.build import memo
from framing.build.memo import TextMemo, memo_key, text_hash


def test_results_come_back_by_text_and_missing_values_stay_missing(tmp_path):
    m = TextMemo(tmp_path / "m", ["text", "lang"])
    assert m.get([text_hash("a")]) == {}
    m.put({text_hash("a"): ("A", None), text_hash("b"): ("B", "en")})
    again = TextMemo(tmp_path / "m", ["text", "lang"])  # another run reads what this one wrote
    assert again.get([text_hash("b"), text_hash("a"), text_hash("c")]) == {text_hash("a"): ("A", None),
                                                                         text_hash("b"): ("B", "en")}


def test_parts_are_compacted_and_nothing_is_lost(tmp_path, monkeypatch):
    monkeypatch.setattr(memo, "MAX_PARTS", 3)
    m = TextMemo(tmp_path / "m", ["v"])
    for i in range(7):
        m.put({text_hash(str(i)): (str(i * i),)})
    assert len(list((tmp_path / "m").glob("part-*.parquet"))) <= 3
    got = TextMemo(tmp_path / "m", ["v"]).get([text_hash(str(i)) for i in range(7)])
    assert got == {text_hash(str(i)): (str(i * i),) for i in range(7)}


def test_a_damaged_part_is_a_miss_with_a_warning_not_an_error(tmp_path, caplog):
    m = TextMemo(tmp_path / "m", ["v"])
    m.put({text_hash("a"): ("1",)})
    (tmp_path / "m" / "part-zzz.parquet").write_bytes(b"not parquet")
    with caplog.at_level(logging.WARNING):
        assert TextMemo(tmp_path / "m", ["v"]).get([text_hash("a")]) == {text_hash("a"): ("1",)}
    assert "not read" in caplog.text


def test_keys_change_with_the_parts_and_the_code():
    assert memo_key("split", "1.4") != memo_key("split", "1.5")
    assert memo_key("x", modules=["framing.text"]) != memo_key("x", modules=["framing.language"])
