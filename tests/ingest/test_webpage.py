import pytest

from framing.build import pipeline
from framing.ingest import read_corpus
from framing.ingest.webpage import sniff_page

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Maduro defiant as Guaidó calls for uprising | The Canary</title>
  <meta property="og:title" content="Maduro defiant as Guaidó calls for uprising">
  <meta property="og:site_name" content="The Canary">
  <meta property="article:published_time" content="2019-04-30T18:22:00+01:00">
  <link rel="canonical" href="https://www.thecanary.co/global/2019/04/30/maduro-defiant/">
  <style>body { color: #333 } .STYLE_MARKER { display: none }</style>
  <script>window.dataLayer = ["SCRIPT_MARKER"];</script>
</head>
<body>
  <nav><a href="/">Home</a> <a href="/global">Global</a> <a href="/uk">UK</a> NAV_MARKER</nav>
  <article>
    <h1>Maduro defiant as Guaidó calls for uprising</h1>
    <p>Venezuelan opposition leader Juan Guaidó appeared outside a military base in Caracas on Tuesday and called
    on the armed forces to rise up against President Nicolás Maduro.</p>
    <p>Within hours, the government said it had put down what it called a small coup attempt by a handful of
    military traitors. Defence minister Vladimir Padrino López said the armed forces remained loyal.</p>
    <script>document.write("INLINE_SCRIPT_MARKER")</script>
    <p>Officials in Washington welcomed the move, while Russia and Cuba denounced it as a violation of Venezuela's
    sovereignty. The United States has backed Guaidó since January.</p>
  </article>
  <noscript>Please enable JavaScript NOSCRIPT_MARKER</noscript>
</body>
</html>
"""

RT_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Kremlin: Venezuela must solve its own crisis</title>
<meta property="og:url" content="https://www.rt.com/news/458123-kremlin-venezuela-crisis/">
<meta name="date" content="2019-05-01"></head><body><div class="article">
<h1>Kremlin: Venezuela must solve its own crisis</h1>
<div class="article__text"><p>The Kremlin said on Wednesday that Venezuelans alone must decide their country's future,
warning Washington against any use of force.</p><p>Spokesman Dmitry Peskov said Moscow was watching the situation in
Caracas closely and remained in contact with the legitimate government.</p></div></div></body></html>
"""


def test_article_page_becomes_one_document(corpus_dir, no_network):
    (corpus_dir / "canary.html").write_text(PAGE, encoding="utf-8")
    result = read_corpus(corpus_dir)
    assert result.files[0].reader == "html" and result.rejects == []
    (record,) = result.records
    assert record.lines == [1]
    assert record.title == "Maduro defiant as Guaidó calls for uprising"
    assert record.published_date == "2019-04-30"
    assert record.outlet == "The Canary"
    assert record.extra["url"] == "https://www.thecanary.co/global/2019/04/30/maduro-defiant/"
    assert record.text.startswith("Venezuelan opposition leader Juan Guaidó")  # the headline is the title only
    assert record.text.count("\n\n") == 2  # three paragraphs
    for marker in ("SCRIPT_MARKER", "STYLE_MARKER", "NAV_MARKER", "NOSCRIPT_MARKER", "<", "{"):
        assert marker not in record.text


def test_outlet_from_the_host_name(corpus_dir, no_network):
    (corpus_dir / "rt.htm").write_text(RT_PAGE, encoding="utf-8")
    docs = pipeline.normalise(read_corpus(corpus_dir).records)
    assert docs[["outlet", "published_date", "title"]].values.tolist() == [
        ["rt", "2019-05-01", "Kremlin: Venezuela must solve its own crisis"]]


def test_windows_1252_page_is_decoded(corpus_dir, no_network):
    (corpus_dir / "cp.html").write_bytes(RT_PAGE.replace("utf-8", "windows-1252")
                                         .replace("Peskov", "Peskóv").encode("cp1252"))
    (record,) = read_corpus(corpus_dir).records
    assert "Peskóv" in record.text


@pytest.mark.parametrize(
    "page",
    [
        "<!DOCTYPE html><html><head><title>Subscribe</title></head><body><nav><a href='/'>Home</a> <a href='/w'>World"
        " news</a> <a href='/c'>Contact us</a></nav><script>render('app')</script></body></html>",
        "<html><head><title>Loading…</title></head><body><noscript>You need to enable JavaScript to run this app."
        "</noscript><div id='root'></div><script src='/static/main.js'></script></body></html>",
        "<!DOCTYPE html><html><head><title>Empty</title></head><body></body></html>",
    ],
    ids=["navigation-only", "javascript-app", "empty-body"],
)
def test_page_without_article_text_is_rejected(corpus_dir, no_network, page):
    (corpus_dir / "page.html").write_text(page, encoding="utf-8")
    result = read_corpus(corpus_dir)
    assert result.records == []
    assert [(r.lines, r.reason) for r in result.rejects] == [([1], "no article text found in HTML")]


def test_manifest_fills_what_the_page_lacks(corpus_dir, no_network):
    page = ("<html><body><div><p>Caracas was calm on Wednesday after the failed uprising, and shops reopened across "
            "the capital.</p><p>Buses ran as usual.</p></div></body></html>")
    (corpus_dir / "saved.html").write_text(page, encoding="utf-8")
    (corpus_dir / "manifest.yaml").write_text(
        "files:\n  saved.html:\n    outlet: teleSUR\n    published_date: 2019-05-01\n    title: Calm in Caracas\n",
        encoding="utf-8")
    (record,) = read_corpus(corpus_dir).records
    assert (record.outlet, record.published_date, record.title) == ("teleSUR", "2019-05-01", "Calm in Caracas")
    assert record.text == ("Caracas was calm on Wednesday after the failed uprising, and shops reopened across the "
                           "capital.\n\nBuses ran as usual.")


@pytest.mark.parametrize(
    ("head", "suffix", "score"),
    [
        (b"<!DOCTYPE html>\n<html>", "", 1.0),
        (b"<!-- saved from url=(0042)https://www.rt.com/ -->\n<html lang='en'>", "", 1.0),
        (b"<div><p>fragment</p></div>", ".html", 0.5),
        (b"<div><p>fragment</p></div>", ".txt", 0.0),
        (b"Hostile page\n\nMaduro said <html> things", ".html", 0.0),
    ],
)
def test_sniff_page(head, suffix, score):
    assert sniff_page(head, suffix=suffix) == score
