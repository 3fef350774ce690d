"""The hostile corpus and the one executed study that the end-to-end report tests read.

One real run (every report notebook, the corpus-neutral defaults, the accurate models) on the bundled corpus plus
files whose text, titles, outlet names, URLs and folder name carry markup, script, Markdown, MathJax, ANSI and
template syntax. tests/notebooks/test_hostile_text.py opens its pages in headless Chromium; test_report.py checks
what was published. One run serves both: it is the most expensive fixture of the suite.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import yaml

from framing.outlets import slugify

from ..conftest import RAW

# name -> text; every payload that could run sets window.__pwned to its number
PAYLOADS = {
    "script": "<script>window.__pwned=1</script>",
    "img": '<img src=x onerror="window.__pwned=2">',
    "a-href": '<a href="javascript:window.__pwned=3">link3</a>',
    "md-link": "[click4](javascript:window.__pwned=4)",
    "md-bold": "**bold5** __under5__ # notaheading5",
    "table": "</td></tr></table><script>window.__pwned=6</script>",
    "comment": "<!-- hidden7",
    "style": "<style>body{display:none}</style>",
    "iframe": '<iframe srcdoc="<script>parent.__pwned=9</script>"></iframe>',
    "svg": '<svg onload="window.__pwned=10">',
    "mime": '{"text/html": "<script>window.__pwned=11</script>", "application/javascript": "window.__pwned=11"}',
    "mathjax": r"$\require{enclose}\href{javascript:window.__pwned=12}{math12}$",
    "ansi": "\x1b[31mansi13\x1b[0m",
    "template": "{{ 7*7 }} {% raw %}tpl14",
    "entity": "&lt;script&gt;window.__pwned=15&lt;/script&gt;",
    "placeholder": "%DATA% %SCRIPT% %TITLE% %CSP%",
    "meta": '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=17">',
    "base": '<base href="javascript:window.__pwned=18//">',
    "object": '<object data="javascript:window.__pwned=19"></object>',
    "mathml": "<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=20>",
}
# what a reader must see on the page: the text as written (ANSI escapes are removed at ingest, by ftfy)
VISIBLE = {name: text for name, text in PAYLOADS.items() if name != "ansi"} | {"ansi": "ansi13"}
OUTLET_ALL = "../../etc/passwd $(touch {marker}) `touch {marker}` <img src=x onerror=window.__pwned=30> $\\frac{{$"
OUTLET_ROWS = "Evil <b>Wire</b> $\\frac{$ `rm -rf` a;b|c&d"
TITLE_ALL = "<script>window.__pwned=31</script> [title32](javascript:window.__pwned=32)"
FOLDER = "corpus <img src=x onerror=window.__pwned=40> $x$ {{ x }}"
# the same payloads as read back from a field without a literal "<": ftfy unescapes HTML entities at ingest
INGESTED = VISIBLE | {"entity": "<script>window.__pwned=15</script>"}
SLUG_ROWS = slugify(OUTLET_ROWS)
SAFE_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


HOSTILE_TXT = ("Hostile page\n\nMaduro said <script>window.__pwned = 1</script> the coup failed badly. "
               "<img src=x onerror=alert(1)> Guaidó was furious and sad.\n")


def files_under(root: Path) -> set[Path]:
    """Every path under ``root``."""
    return set(root.rglob("*"))


def write_hostile_corpus(corpus: Path, marker: Path) -> Path:
    """The bundled corpus plus the hostile files, in ``corpus`` (created)."""
    corpus.mkdir(parents=True)
    for f in RAW.iterdir():
        shutil.copy(f, corpus / f.name)
    (corpus / "zz_hostile.txt").write_text(HOSTILE_TXT, encoding="utf-8")
    # one article (its outlet's only document) holding every payload in one sentence: shown whole in the report
    (corpus / "zz_all.txt").write_text(
        "Terrible awful disaster, Maduro failed " + " ; ".join(f"zqxhostile {p}" for p in PAYLOADS.values()) + "\n",
        encoding="utf-8")
    manifest = yaml.safe_load((RAW / "manifest.yaml").read_text(encoding="utf-8"))
    manifest["files"]["zz_all.txt"] = {"reader": "plain_article", "outlet": OUTLET_ALL.format(marker=marker),
                                       "title": TITLE_ALL, "published_date": "2019-01-30"}
    (corpus / "manifest.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    # one row per payload, in title, text and url, from an outlet with enough documents for its own figure
    with open(corpus / "zz_rows.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["title", "outlet", "date", "url", "text"])
        for i, p in enumerate(PAYLOADS.values()):
            w.writerow([f"{p} title", OUTLET_ROWS, f"2019-01-{i + 1:02d}", f"javascript:window.__pwned=5{i}",
                        f"The coup was a terrible disaster. Zqxhostile wrote {p} about Maduro and Guaidó."])
    return corpus
