"""A folder of plain-text articles with a manifest giving each file's outlet, date and title."""

import pytest

from framing.build import pipeline
from framing.ingest import ManifestError, read_corpus

ARTICLES = {
    "rt-2019-01-24.txt": "Russia has warned Washington against any military intervention in Venezuela.\n\n"
                         "The Kremlin said Nicolás Maduro remains the country's legitimate president.\n",
    "telesur-2019-01-25.txt": "Thousands of Venezuelans marched in Caracas in support of President Maduro.\n\n"
                              "Marchers rejected what they called a coup backed by the United States.\n",
    "canary-2019-04-30.txt": "The attempted uprising led by Juan Guaidó collapsed within hours on Tuesday.\n",
}
MANIFEST = """files:
  articles/rt-2019-01-24.txt:
    outlet: RT
    published_date: 2019-01-24
    title: Moscow warns against intervention
  articles/telesur-2019-01-25.txt:
    outlet: teleSUR English
    published_date: 2019-01-25
    title: March for Maduro in Caracas
  articles/canary-2019-04-30.txt:
    outlet: The Canary
    published_date: 2019-04-30
    title: Guaidó's uprising collapses
"""


@pytest.fixture()
def article_folder(corpus_dir):
    (corpus_dir / "articles").mkdir()
    for name, text in ARTICLES.items():
        (corpus_dir / "articles" / name).write_text(text, encoding="utf-8")
    return corpus_dir


def expected_rows():
    return [["the-canary", "2019-04-30", "Guaidó's uprising collapses"],
            ["rt", "2019-01-24", "Moscow warns against intervention"],
            ["telesur", "2019-01-25", "March for Maduro in Caracas"]]


def test_top_level_manifest_names_files_in_subfolders(article_folder):
    (article_folder / "manifest.yaml").write_text(MANIFEST, encoding="utf-8")
    result = read_corpus(article_folder)
    assert {f.reader for f in result.files} == {"plain_article"} and result.rejects == []
    docs = pipeline.normalise(result.records)
    assert docs[["outlet", "published_date", "title"]].values.tolist() == expected_rows()
    assert sorted(docs["source_file"]) == sorted(f"articles/{name}" for name in ARTICLES)


def test_manifest_inside_the_subfolder(article_folder):
    (article_folder / "articles" / "manifest.yaml").write_text(MANIFEST.replace("articles/", ""), encoding="utf-8")
    (article_folder / "manifest.yaml").write_text(  # the subfolder's own manifest wins for its files
        "files:\n  articles/rt-2019-01-24.txt:\n    outlet: Sputnik\n    title: Overridden\n", encoding="utf-8")
    result = read_corpus(article_folder)
    assert len(result.files) == 3  # the subfolder's manifest.yaml is not read as an article
    docs = pipeline.normalise(result.records)
    assert docs[["outlet", "published_date", "title"]].values.tolist() == expected_rows()


def test_unknown_reader_in_manifest_is_a_clear_error(article_folder):
    (article_folder / "manifest.yaml").write_text("files:\n  articles/rt-2019-01-24.txt:\n    reader: atom\n")
    with pytest.raises(ManifestError, match=r"unknown reader 'atom'; choose one of .*'comments', 'html', 'rss'"):
        read_corpus(article_folder)
