import pytest

from framing.ingest.markup import html_to_text, looks_like_html


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>One.</p><p>Two.</p>", "One.\n\nTwo."),
        ("Line one<br/>line two", "Line one\nline two"),
        ("<div>Caracas <script>var x = '<p>no</p>';</script>was <em>calm</em>.</div><style>p{}</style>",
         "Caracas was calm."),
        ("<ul><li>Oil</li><li>Gold</li></ul>", "Oil\n\nGold"),
        ("<table><tr><td>Maduro</td><td>52%</td></tr></table>", "Maduro 52%"),
        ("<p>A  long\n   paragraph\twith   spaces</p>", "A long paragraph with spaces"),
        ("<!-- a comment --><p>Kept&nbsp;&amp; decoded</p>", "Kept & decoded"),
        ("Unclosed <b>bold and <i>italic", "Unclosed bold and italic"),
        ("   ", ""),
    ],
)
def test_html_to_text(markup, text):
    assert html_to_text(markup) == text


@pytest.mark.parametrize(("text", "expected"), [("<p>x</p>", True), ("3 < 5 and 7 > 2", False),
                                                 ("plain\n\nparagraphs", False), ("", False)])
def test_looks_like_html(text, expected):
    assert looks_like_html(text) is expected
