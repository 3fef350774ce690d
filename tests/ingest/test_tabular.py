import json

import pandas as pd
import pytest

from framing.build import pipeline
from framing.ingest import read_corpus

ROWS = [
    {"title": "Coup in Caracas", "text": "The US-backed coup failed in Caracas.", "outlet": "RT.com", "date": "2019-01-24"},
    {"title": "Oil", "text": "Venezuela's oil reserves are the largest.", "outlet": "Russia Today", "date": "24/01/2019"},
    {"title": "Empty", "text": "", "outlet": "The Canary", "date": "2019-01-25"},
]


@pytest.mark.parametrize("kind", ["csv", "tsv", "jsonl", "parquet"])
def test_each_table_format(corpus_dir, kind):
    df = pd.DataFrame(ROWS)
    path = corpus_dir / f"export.{kind}"
    if kind == "csv":
        df.to_csv(path, index=False)
    elif kind == "tsv":
        df.to_csv(path, sep="\t", index=False)
    elif kind == "jsonl":
        path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    else:
        df.to_parquet(path, index=False)
    result = read_corpus(corpus_dir)
    assert result.files[0].reader == f"table:{kind}"
    assert len(result.records) == 2 and [r.reason for r in result.rejects] == ["row without text"]
    docs = pipeline.build(corpus_dir, progress=False, actor_mode="fast").documents
    assert set(docs["outlet"]) == {"rt"}  # "RT.com" and "Russia Today" through the alias table
    assert sorted(docs["published_date"]) == ["2019-01-24", "2019-01-24"]


def test_media_cloud_layout_and_column_mapping(corpus_dir):
    pd.DataFrame({
        "stories_id": [1, 2], "publish_date": ["2019-04-30 10:00:00", "2019-05-01 08:00:00"],
        "title": ["Uprising fails", "Guaidó calls for protests"], "url": ["https://a.example/1", "https://b.example/2"],
        "media_name": ["telesurenglish.net", "teleSUR English"], "story_text": ["Text one about Maduro.", "Text two."],
    }).to_csv(corpus_dir / "mediacloud.csv", index=False)
    pd.DataFrame({"DATE": ["20190430120000"], "SourceCommonName": ["rt.com"], "DocumentIdentifier": ["https://rt.com/x"],
                  "Body": ["A GDELT row with its text joined in."]}).to_csv(corpus_dir / "gdelt.csv", index=False)
    (corpus_dir / "manifest.yaml").write_text("files:\n  gdelt.csv:\n    columns: {text: Body}\n")
    docs = pipeline.build(corpus_dir, progress=False, actor_mode="fast").documents
    assert sorted(docs["outlet"]) == ["rt", "telesur", "telesur"]
    assert sorted(docs["published_date"]) == ["2019-04-30", "2019-04-30", "2019-05-01"]


def test_a_table_without_text_is_in_the_ledger_row_by_row(corpus_dir):
    pd.DataFrame({"DATE": ["20190430120000", "20190501"], "SourceCommonName": ["rt.com", "bbc.co.uk"],
                  "DocumentIdentifier": ["https://rt.com/x", "https://bbc.co.uk/y"]}).to_csv(corpus_dir / "gkg.csv", index=False)
    result = read_corpus(corpus_dir)
    assert result.records == [] and len(result.rejects) == 2
    assert all(r.reason.startswith("no text column") for r in result.rejects)


def test_bad_column_mapping_is_a_clear_error(corpus_dir):
    pd.DataFrame(ROWS).to_csv(corpus_dir / "x.csv", index=False)
    (corpus_dir / "manifest.yaml").write_text("files:\n  x.csv:\n    columns: {text: nope}\n")
    with pytest.raises(ValueError, match="column mapping names 'nope' for text"):
        read_corpus(corpus_dir)


def test_json_lines_with_rows_longer_than_any_prefix_are_a_table(corpus_dir):
    # regression: the sniffer read the first 4 kB only, so a long first row looked like a broken comment thread
    rows = [{"title": f"T{i}", "text": ("Maduro spoke in Caracas. " * 400).strip(), "outlet": "RT"} for i in range(3)]
    (corpus_dir / "long.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = read_corpus(corpus_dir)
    assert result.files[0].reader == "table:jsonl"
    assert len(result.records) == 3 and result.rejects == []
