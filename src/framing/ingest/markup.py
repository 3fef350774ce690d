"""HTML fragments to plain text with lxml: paragraph breaks kept, scripts and styles dropped.

Used by the feed, web page and comment readers. Markup is parsed, never matched with regular expressions.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

# Elements whose content is never text a reader sees.
DROP_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math",
                       "title", "button", "select", "form"})
# Elements that open and close a paragraph: HTML blocks plus trafilatura's XML (``head`` is its heading).
_BLOCK_TAGS = frozenset({"p", "div", "section", "article", "main", "aside", "header", "footer", "blockquote",
                         "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "pre",
                         "table", "tr", "figure", "figcaption", "hr", "address", "details", "summary",
                         "body", "html", "head", "list", "item", "quote", "row", "code"})
_CELL_TAGS = frozenset({"td", "th", "cell"})
_LINE_TAGS = frozenset({"br", "lb"})
_PARA, _LINE = "\u2029", "\u2028"  # paragraph and line separators, never in parsed text as markup
_SPACE = re.compile(r"[ \t\n\r\f\v\u00a0]+")


def parse_fragment(markup: str) -> lxml_html.HtmlElement | None:
    """Parse an HTML fragment into a ``<div>`` wrapper, or None when there is nothing to parse."""
    if not markup.strip():
        return None
    try:
        return lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return None


def looks_like_html(text: str) -> bool:
    """True when ``text`` holds at least one HTML element (a parse, not a pattern match).

    >>> looks_like_html("<p>Caracas, <b>Tuesday</b></p>"), looks_like_html("prices rose 3 < 5 times")
    (True, False)
    """
    root = parse_fragment(text)
    return root is not None and len(root) > 0


def element_text(root: etree._Element) -> str:
    """The visible text of a parsed element: paragraphs joined by blank lines, ``<br>`` as a line break.

    Scripts, styles and the other :data:`DROP_TAGS` are skipped; whitespace inside a paragraph is collapsed.
    """
    pieces: list[str] = []
    _walk(root, pieces, top=True)
    paragraphs = []
    for para in "".join(pieces).split(_PARA):
        lines = [_SPACE.sub(" ", ln).strip() for ln in para.split(_LINE)]
        text = "\n".join(ln for ln in lines if ln)
        if text:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


def html_to_text(markup: str) -> str:
    """Plain text from an HTML fragment.

    >>> html_to_text("<p>Maduro spoke.</p><script>track()</script><p>Guaidó&nbsp;replied.<br>Then left.</p>")
    'Maduro spoke.\\n\\nGuaidó replied.\\nThen left.'
    >>> html_to_text("")
    ''
    """
    root = parse_fragment(markup)
    return "" if root is None else element_text(root)


def _walk(el: etree._Element, out: list[str], *, top: bool = False) -> None:
    tag = el.tag.lower() if isinstance(el.tag, str) else None  # comments and processing instructions: no tag
    if tag is not None and tag not in DROP_TAGS:
        block = tag in _BLOCK_TAGS
        if block:
            out.append(_PARA)
        elif tag in _LINE_TAGS:
            out.append(_LINE)
        elif tag in _CELL_TAGS:
            out.append(" ")
        if el.text:
            out.append(el.text)
        for child in el:
            _walk(child, out)
        if block:
            out.append(_PARA)
    if el.tail and not top:
        out.append(el.tail)
