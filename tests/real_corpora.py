"""Real corpora nobody on the project wrote, exported the way a researcher would have them (data/external/corpora).

- ``narrative_frames_mediacloud/stories.csv``: the 306 Narrative Frames dev articles (climate-change news from about
  40 outlets, 2017-2019) as a Media Cloud story export: ``stories_id, publish_date, title, url, media_name,
  story_text``, dates as Media Cloud writes them (``2019-12-02 00:00:00``), outlet names as the dataset gives them.
- ``nyt_editorials/editorials.csv``: the VADER NYT editorial snippets (Hutto & Gilbert 2014) joined back into their
  498 editorials, one outlet, no dates: ``id, outlet, title, text``.

:func:`derive` rebuilds both from the gold files; a test checks that the committed files are what it gives.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from framing.config import EXTERNAL_DIR

CORPORA = EXTERNAL_DIR / "corpora"
MEDIACLOUD = CORPORA / "narrative_frames_mediacloud"
NYT = CORPORA / "nyt_editorials"


def mediacloud_stories(articles: Path = EXTERNAL_DIR / "narrative_frames" / "articles_dev.tsv") -> str:
    """The Narrative Frames dev articles as a Media Cloud story export (CSV text)."""
    df = pd.read_csv(articles, sep="\t", dtype=str, keep_default_na=False)
    out = pd.DataFrame({"stories_id": df["ID"], "publish_date": df["date"].where(df["date"] == "", df["date"] + " 00:00:00"),
                        "title": "", "url": "", "media_name": df["source"], "story_text": df["text"]})
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return buffer.getvalue()


def nyt_editorials(snippets: Path = EXTERNAL_DIR / "vader_icwsm2014" / "nytEditorialSnippets_GroundTruth.txt") -> str:
    """The NYT editorial snippets joined into their editorials, one outlet (CSV text)."""
    rows = [line.rstrip("\r\n").split("\t", 2) for line in snippets.read_text(encoding="latin-1").splitlines() if line]
    df = pd.DataFrame(rows, columns=["id", "rating", "text"])
    df["article"] = df["id"].str.split("_").str[0].astype(int)
    df["part"] = df["id"].str.split("_").str[1].astype(int)
    joined = (df.sort_values(["article", "part"]).groupby("article")["text"].apply(" ".join).reset_index())
    out = pd.DataFrame({"id": joined["article"], "outlet": "The New York Times", "title": "",
                        "text": joined["text"]})
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def derive() -> dict[Path, str]:
    """Each committed corpus file and the text :func:`mediacloud_stories` / :func:`nyt_editorials` give for it."""
    return {MEDIACLOUD / "stories.csv": mediacloud_stories(), NYT / "editorials.csv": nyt_editorials()}


if __name__ == "__main__":  # pragma: no cover - writes the files
    for path, text in derive().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path, len(text))
