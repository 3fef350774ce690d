import pytest

from framing.build import pipeline
from framing.ingest import read_corpus
from framing.ingest.syndication import entry_date, sniff_feed

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>teleSUR English</title>
  <link>https://www.telesurenglish.net/</link>
  <description>News from Latin America</description>
  <item>
    <title>Venezuela rejects new US sanctions on PDVSA</title>
    <link>https://www.telesurenglish.net/news/venezuela-rejects-sanctions-20190129.html</link>
    <pubDate>Tue, 29 Jan 2019 22:40:00 -0500</pubDate>
    <description>Caracas called the measures an act of economic warfare.</description>
    <content:encoded><![CDATA[<p>The Venezuelan government on Tuesday rejected the new sanctions that Washington imposed on the
      state oil company PDVSA.</p>
      <p>Foreign Minister Jorge Arreaza called the measures <b>an act of economic warfare</b> and said Venezuela
      would take the case to international courts.</p><script>trackView("SCRIPT_MARKER")</script>]]></content:encoded>
  </item>
  <item>
    <title>RT: Moscow warns against intervention</title>
    <link>https://www.rt.com/news/450123-moscow-warns-venezuela/</link>
    <pubDate>Wed, 30 Jan 2019 09:15:00 +0000</pubDate>
    <source url="https://www.rt.com/rss/">RT</source>
    <description>&lt;p&gt;Russia warned the United States against any military intervention in Venezuela.&lt;/p&gt;
      &lt;p&gt;The Kremlin said Nicolás Maduro remained the legitimate president.&lt;/p&gt;</description>
  </item>
  <item>
    <title>Photo gallery: Caracas rally</title>
    <link>https://www.telesurenglish.net/multimedia/caracas-rally-20190130.html</link>
    <pubDate>Wed, 30 Jan 2019 12:00:00 -0500</pubDate>
  </item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>The Canary</title>
  <link href="https://www.thecanary.co/"/>
  <id>https://www.thecanary.co/feed/atom</id>
  <updated>2019-04-30T20:00:00+01:00</updated>
  <entry>
    <title>Guaidó's uprising fizzles out in Caracas</title>
    <link href="https://www.thecanary.co/global/2019/04/30/guaido-uprising/"/>
    <id>tag:thecanary.co,2019:guaido-uprising</id>
    <published>2019-04-30T19:05:00+01:00</published>
    <updated>2019-04-30T19:30:00+01:00</updated>
    <summary>The attempted uprising failed.</summary>
    <content type="html">&lt;p&gt;The attempted military uprising led by Juan Guaidó failed to win over the armed
      forces.&lt;/p&gt;&lt;p&gt;By evening, the streets of Caracas were quiet again.&lt;/p&gt;</content>
  </entry>
</feed>
"""


def test_rss_items_become_documents(corpus_dir, no_network):
    (corpus_dir / "telesur.xml").write_text(RSS, encoding="utf-8")
    result = read_corpus(corpus_dir)
    assert result.files[0].reader == "rss"
    first, second = result.records
    assert first.lines == [1] and second.lines == [2]
    assert first.title == "Venezuela rejects new US sanctions on PDVSA"
    assert first.published_date == "2019-01-29"  # the publisher's date, not UTC (it is 2019-01-30 03:40 UTC)
    assert first.extra["url"].endswith("venezuela-rejects-sanctions-20190129.html")
    assert first.text.startswith("The Venezuelan government on Tuesday rejected")
    assert "\n\nForeign Minister Jorge Arreaza called the measures an act of economic warfare" in first.text
    assert "SCRIPT_MARKER" not in first.text and "<" not in first.text
    assert second.text == ("Russia warned the United States against any military intervention in Venezuela.\n\n"
                           "The Kremlin said Nicolás Maduro remained the legitimate president.")
    assert [(r.lines, r.reason, r.excerpt) for r in result.rejects] == [
        ([3], "feed item without text", "Photo gallery: Caracas rally")]
    docs = pipeline.normalise(result.records)
    assert list(docs["outlet"]) == ["telesur", "rt"]  # the item's <source> wins over the feed title
    assert docs["source_lines"].tolist() == ["1", "2"]


def test_atom_entries_use_content_over_summary(corpus_dir, no_network):
    (corpus_dir / "canary.atom").write_text(ATOM, encoding="utf-8")
    result = read_corpus(corpus_dir)
    (record,) = result.records
    assert result.files[0].reader == "rss" and result.rejects == []
    assert record.text.startswith("The attempted military uprising led by Juan Guaidó")
    assert record.published_date == "2019-04-30" and record.outlet == "The Canary"


def test_outlet_falls_back_to_the_link_domain(corpus_dir, no_network):
    feed = RSS.replace("<title>teleSUR English</title>", "<title>Latest headlines</title>")
    (corpus_dir / "feed.rss").write_text(feed, encoding="utf-8")
    docs = pipeline.normalise(read_corpus(corpus_dir).records)
    assert list(docs["outlet"]) == ["telesur", "rt"]  # telesurenglish.net through the alias table


def test_truncated_feed_keeps_complete_items(corpus_dir, no_network):
    cut = RSS.index("<title>Photo gallery")
    (corpus_dir / "cut.xml").write_text(RSS[:cut] + "<title>Photo gal", encoding="utf-8")
    result = read_corpus(corpus_dir)
    assert [r.lines for r in result.records] == [[1], [2]]
    (rej,) = result.rejects
    assert rej.lines == [3] and rej.reason.startswith("feed item cut off (feed truncated:")


def test_feed_cut_mid_text_rejects_the_item_not_a_fragment(corpus_dir, no_network):
    cut = RSS.index("Russia warned the United States") + 20
    (corpus_dir / "cut.xml").write_text(RSS[:cut], encoding="utf-8")
    result = read_corpus(corpus_dir)
    assert [r.lines for r in result.records] == [[1]]
    assert [(r.lines, r.reason.split(" (")[0]) for r in result.rejects] == [([2], "feed item cut off")]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Empty</title></channel></rss>', "feed without items"),
        ('<?xml version="1.0"?>\n<rss version="2.0"><chann', "unreadable feed: "),
        ("<rss>\x00\x01 garbage &bogus; <<<", "unreadable feed: "),
    ],
)
def test_unreadable_or_empty_feeds_are_one_reject(corpus_dir, no_network, content, reason):
    (corpus_dir / "bad.xml").write_text(content, encoding="utf-8")
    result = read_corpus(corpus_dir)
    assert result.records == []
    (rej,) = result.rejects
    assert rej.reason.startswith(reason) and rej.lines == []
    assert result.files[0].reader == "rss"


def test_manifest_can_force_the_reader(corpus_dir, no_network):
    (corpus_dir / "notes.txt").write_text("Not a feed at all, just notes.\n", encoding="utf-8")
    (corpus_dir / "manifest.yaml").write_text("files:\n  notes.txt:\n    reader: rss\n", encoding="utf-8")
    result = read_corpus(corpus_dir)
    assert result.files[0].reader == "rss"
    assert result.rejects[0].reason.startswith("unreadable feed")


@pytest.mark.parametrize(
    ("head", "suffix", "score"),
    [
        (b'<?xml version="1.0"?>\n<!-- saved --><rss version="2.0">', "", 1.0),
        (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">', "", 1.0),
        (b"\xef\xbb\xbf  <feed xmlns='http://www.w3.org/2005/Atom'>", "", 1.0),
        (b"<!DOCTYPE html><html><body>An RSS <rss> example</body></html>", ".xml", 0.0),
        (b"<channel/>", ".xml", 0.5),
        (b"Text mentioning <rss> feeds", ".txt", 0.0),
    ],
)
def test_sniff_feed(head, suffix, score):
    assert sniff_feed(head, suffix=suffix) == score


def test_entry_date_prefers_the_written_date():
    assert entry_date({"published": "2019-01-24 10:31:00"}) == "2019-01-24"
    assert entry_date({"published": "not a date"}) is None
