import json

import pandas as pd
import pytest

from framing.build import pipeline
from framing.ingest import read_corpus
from framing.ingest.comments import comment_date, sniff_comments

THREAD = {
    "title": "Venezuela: Guaidó's uprising fails",
    "site": "The Canary",
    "url": "https://www.thecanary.co/global/2019/04/30/guaido-uprising/",
    "comments": [
        {"id": "c1", "author": "caracas_watcher", "created_utc": 1556668800,
         "body": "Another coup attempt that collapsed within hours. The army stayed loyal to Maduro.",
         "replies": [
             {"id": "c2", "author": "oilman", "created_utc": 1556672400,
              "body": "Loyal for now. The sanctions are hurting ordinary soldiers too.",
              "replies": [{"id": "c3", "author": "caracas_watcher", "created_utc": "2019-05-01T02:10:00Z",
                           "body": "Which is exactly what Washington wants."}]},
             {"id": "c4", "author": "[deleted]", "body": "[deleted]",
              "replies": [{"id": "c5", "author": "lurker", "body": "Whatever they said, I agree with the reply above."}]},
         ]},
        {"author": "newcomer", "date": "2019-05-02", "text": "<p>Where is the <b>evidence</b> of a coup?</p><p>Asking.</p>"},
        {"id": "c7", "author": "moderator", "body": "[removed]"},
        {"id": "c8", "author": "quiet", "body": "   "},
    ],
}


def write(corpus_dir, value, name="thread.json"):
    (corpus_dir / name).write_text(json.dumps(value, ensure_ascii=False, indent=2), encoding="utf-8")


def test_nested_thread_gives_one_document_per_comment(corpus_dir):
    write(corpus_dir, THREAD)
    result = read_corpus(corpus_dir)
    assert result.files[0].reader == "comments"
    by_id = {r.extra["comment_id"]: r for r in result.records}
    assert list(by_id) == ["c1", "c2", "c3", "c5", "#2"]  # depth-first; a missing id is its path in the tree
    assert [(r.extra["parent_id"], r.extra["depth"]) for r in by_id.values()] == [
        (None, 0), ("c1", 1), ("c2", 2), ("c4", 2), (None, 0)]
    assert [r.lines for r in result.records] == [[1], [2], [3], [5], [6]]
    assert by_id["c1"].published_date == "2019-05-01" and by_id["c3"].published_date == "2019-05-01"
    assert by_id["#2"].text == "Where is the evidence of a coup?\n\nAsking."
    assert all(r.source_kind == "forum_comment" and r.voice == "author" for r in result.records)
    assert {r.outlet for r in result.records} == {"The Canary"}
    assert {r.title for r in result.records} == {"Venezuela: Guaidó's uprising fails"}
    assert [(r.lines, r.reason) for r in result.rejects] == [
        ([4], "deleted or removed comment"), ([7], "deleted or removed comment"), ([8], "comment without text")]


def test_documents_point_at_their_parents_doc_id(corpus_dir):
    write(corpus_dir, THREAD)
    docs = pipeline.normalise(read_corpus(corpus_dir).records).set_index("source_lines")
    assert set(docs["outlet"]) == {"the-canary"}
    assert docs.loc["2", "parent_id"] == docs.loc["1", "doc_id"]
    assert docs.loc["3", "parent_id"] == docs.loc["2", "doc_id"]
    assert docs["depth"].tolist() == [0, 1, 2, 2, 0]
    assert pd.isna(docs.loc["5", "parent_id"])  # its parent (item 4) was deleted: in the ledger, not a document


def test_flat_list_with_parent_ids_and_disqus_fields(corpus_dir):
    comments = [
        {"id": 101, "parent": None, "author": {"name": "Ana", "username": "ana_ve"}, "createdAt": "2019-01-24T10:00:00",
         "message": "<p>The self-proclamation was planned in Washington.</p>", "isDeleted": False},
        {"id": 102, "parent": 101, "author": {"name": "Ben"}, "createdAt": "2019-01-24T11:00:00",
         "message": "<p>Source?</p>", "isDeleted": False},
        {"id": 103, "parent": 102, "author": {"name": "Ana"}, "createdAt": "2019-01-24T12:00:00",
         "message": "<p>Pence called him the night before.</p>", "isDeleted": False},
        {"id": 104, "parent": 101, "author": {"name": "Cy"}, "createdAt": "2019-01-25T08:00:00",
         "message": "", "isDeleted": True},
        {"id": 105, "parent": 999, "author": {"name": "Dee"}, "createdAt": 1548410400000,
         "message": "Replying to a comment that is not in this export.", "isDeleted": False},
    ]
    write(corpus_dir, comments, name="disqus.json")
    result = read_corpus(corpus_dir)
    assert [(r.extra["comment_id"], r.extra["parent_id"], r.extra["depth"], r.extra["author"])
            for r in result.records] == [("101", None, 0, "Ana"), ("102", "101", 1, "Ben"), ("103", "102", 2, "Ana"),
                                         ("105", None, 0, "Dee")]
    assert result.records[3].published_date == "2019-01-25"  # epoch milliseconds
    assert [(r.lines, r.reason) for r in result.rejects] == [([4], "deleted or removed comment")]


def test_reddit_style_children_and_t1_parents(corpus_dir):
    comments = [{"id": "k1", "author": "a", "created_utc": 1548320000.0, "body": "Top comment about the coup.",
                 "children": [{"id": "k2", "author": "b", "body": "A reply in children."}]},
                {"id": "k3", "parent_id": "t1_k2", "author": "c", "body": "A flat reply naming t1_k2."},
                {"id": "k4", "parent_id": "t1_k4", "author": "d", "body": "Names itself as parent."}]
    write(corpus_dir, comments)
    got = [(r.extra["comment_id"], r.extra["parent_id"], r.extra["depth"]) for r in read_corpus(corpus_dir).records]
    assert got == [("k1", None, 0), ("k2", "k1", 1), ("k3", "k2", 2), ("k4", None, 0)]


def test_cycle_of_parents_does_not_hang(corpus_dir):
    write(corpus_dir, [{"id": "a", "parent_id": "b", "author": "x", "body": "One."},
                       {"id": "b", "parent_id": "a", "author": "y", "body": "Two."}])
    got = sorted((r.extra["comment_id"], r.extra["parent_id"], r.extra["depth"]) for r in read_corpus(corpus_dir).records)
    assert got in ([("a", "b", 1), ("b", None, 0)], [("a", None, 0), ("b", "a", 1)])


def test_duplicate_ids_are_made_unique(corpus_dir):
    write(corpus_dir, [{"id": "x", "author": "a", "body": "First.", "replies": [{"id": "x", "author": "b", "body": "Second."}]}])
    assert [(r.extra["comment_id"], r.extra["parent_id"]) for r in read_corpus(corpus_dir).records] == [
        ("x", None), ("x#1.1", "x")]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('[\n  {"id": "c1", "author": "a", "body": "Cut off mid-comm', "invalid JSON: Unterminated string"),
        ('{"comments": [{"id": 1, "body": "x"}', "invalid JSON: Expecting"),
        ('{\n "data": {"posts": []}\n}', "not a comment thread: JSON object without a 'comments' list"),
        ('[\n {"title": "An article", "text": "Some text.", "author": "A. Writer"}\n]',
         "not a comment thread: JSON list of objects with titles but no replies or parents"),
        ('[\n 1, 2, 3\n]', "not a comment thread: JSON list without comment objects"),
        ('[\n {"id": 1, "score": 5}\n]', "not a comment thread: JSON objects without a comment text field"),
        ('{\n "title": "Quiet thread", "comments": []\n}', "comment thread without comments"),
        ("[" * 100_000 + "]" * 100_000, "invalid JSON: nested too deeply"),
    ],
    ids=["truncated", "unclosed", "other-object", "articles", "numbers", "no-text-field", "empty", "too-deep"],
)
def test_json_that_is_not_a_thread_is_one_reject(corpus_dir, content, reason):
    (corpus_dir / "thread.json").write_text(content, encoding="utf-8")
    result = read_corpus(corpus_dir)
    assert result.records == []
    (rej,) = result.rejects
    assert rej.reason.startswith(reason) and rej.lines == []
    assert result.files[0].reader == "comments"


def test_items_that_are_not_objects_and_unreadable_replies(corpus_dir):
    write(corpus_dir, [{"id": "a", "author": "x", "body": "Fine comment.", "replies": 42}, "stray string", None])
    result = read_corpus(corpus_dir)
    assert [r.lines for r in result.records] == [[1]]
    assert sorted((r.lines, r.reason) for r in result.rejects) == [
        ([], "replies of comment a unreadable (expected a list)"), ([2], "not a comment object (str)"),
        ([3], "not a comment object (NoneType)")]


def test_comment_thread_in_a_subfolder_with_manifest_hints(corpus_dir):
    (corpus_dir / "threads").mkdir()
    write(corpus_dir / "threads", [{"id": 1, "author": "x", "body": "Maduro will not step down."}], name="rt.json")
    (corpus_dir / "manifest.yaml").write_text(
        "files:\n  threads/rt.json:\n    outlet: RT\n    title: Comments under an RT article\n", encoding="utf-8")
    (record,) = read_corpus(corpus_dir).records
    assert (record.outlet, record.title, record.source_file) == ("RT", "Comments under an RT article", "threads/rt.json")


def test_json_lines_stay_tables():
    data = b'{"title": "A", "text": "Row one.", "outlet": "RT"}\n{"title": "B", "text": "Row two.", "outlet": "RT"}\n'
    assert sniff_comments(data) == 0.0
    one_line_thread = b'{"comments": [{"id": 1, "author": "a", "body": "Hi"}]}'
    assert sniff_comments(one_line_thread) == 1.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1556668800, "2019-05-01"), (1556668800.5, "2019-05-01"), ("1556668800", "2019-05-01"),
     (1556668800000, "2019-05-01"), ("2019-05-01 09:00:00", "2019-05-01"), ("2019-05-01T23:30:00-04:00", "2019-05-01"),
     (None, None), (True, None), ("last week", None), (10**20, None)],
)
def test_comment_date(value, expected):
    assert comment_date(value) == expected
