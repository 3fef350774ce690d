"""Publishing cache folders where several processes may build the same one at once."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from framing.safeio import private_name, publish_dir, remove_tree


def _complete(folder: Path) -> bool:
    return (folder / "COMPLETE").is_file()


def _build(folder: Path, text: str) -> Path:
    built = private_name(folder)
    built.mkdir()
    (built / "table.csv").write_text(text)
    (built / "COMPLETE").write_text("")
    return built


def test_a_whole_folder_is_kept_and_an_incomplete_one_replaced(tmp_path):
    target = tmp_path / "corpus-abc"
    publish_dir(_build(target, "first"), target, whole=_complete)
    publish_dir(_build(target, "second"), target, whole=_complete)  # another process had finished it
    assert (target / "table.csv").read_text() == "first"
    (target / "COMPLETE").unlink()  # an interrupted older writer's folder
    publish_dir(_build(target, "third"), target, whole=_complete)
    assert (target / "table.csv").read_text() == "third" and _complete(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus-abc"]  # no private folder left behind


def test_private_names_never_repeat_and_removing_a_missing_folder_is_no_error(tmp_path):
    target = tmp_path / "x"
    assert len({private_name(target) for _ in range(100)}) == 100
    remove_tree(target)
    target.mkdir()
    remove_tree(target)
    assert not target.exists() and list(tmp_path.iterdir()) == []


def _publish_many(target: str, n: int) -> None:
    for i in range(n):
        publish_dir(_build(Path(target), f"same {i}"), Path(target), whole=_complete)
        assert _complete(Path(target))


def test_processes_racing_to_publish_one_folder_all_succeed(tmp_path):
    target = tmp_path / "chunk"
    procs = [multiprocessing.get_context("fork").Process(target=_publish_many, args=(str(target), 50))
             for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert _complete(target) and sorted(p.name for p in tmp_path.iterdir()) == ["chunk"]
