"""Lines that are page furniture rather than content: credits, captions, bylines, link stubs.

Each pattern has a reason that goes into the rejects ledger, so a reader can see what was left out and why.
"""

from __future__ import annotations

import re

# A name of one to four capitalised words (particles such as "van der" allowed); a byline may join several.
_NAME = r"[A-Z][\w.'’-]*(?:\s+(?:(?:de|da|del|der|den|van|von|la|le|al|bin|ibn)\s+)*[A-Z][\w.'’-]*){0,3}"
_NAMES = rf"(?P<name>{_NAME}(?:\s*(?:,|\band\b|&)\s*{_NAME}){{0,3}})"
_BYLINE = re.compile(rf"^By\s+{_NAMES}\s*$")

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("image credit or caption", re.compile(
        r"©|\bCredit:\s*\S[^.]*\.?\s*$|^(Featured )?(image|photo|picture)\b.*\bvia\b", re.IGNORECASE)),
    ("byline", _BYLINE),
    ("link stub", re.compile(r"^(Comment:\s*)?((See also|Also see|Also check out|Read more|Related)\b.*:?\s*$)",
                             re.IGNORECASE)),
    ("bare link", re.compile(r"^(See also:\s*)?https?://\S+\s*$", re.IGNORECASE)),
    ("source stub", re.compile(r"^(Source|Sources|Link)\s*:?\s*$", re.IGNORECASE)),
    ("embedded post preview", re.compile(r"\bRead full story\s*$")),
]


def boilerplate_reason(line: str) -> str | None:
    """The reason ``line`` is boilerplate, or None if it is content.

    >>> boilerplate_reason("Featured image via YouTube screenshot/Sky News")
    'image credit or caption'
    >>> boilerplate_reason("© REUTERS / Stringer")
    'image credit or caption'
    >>> boilerplate_reason("By Joe Glenton")
    'byline'
    >>> boilerplate_reason("Comment: See also:")
    'link stub'
    >>> boilerplate_reason("By contrast, the hypothesis of a negotiated exit is plausible.") is None
    True
    """
    text = line.strip()
    if not text:
        return None
    for reason, pattern in _PATTERNS:
        if pattern.search(text):
            # a long line that merely contains "©" or "via" mid-sentence is content, not a caption
            if reason == "image credit or caption" and len(text.split()) > 40:
                continue
            if reason == "link stub" and len(text.split()) > 12:
                continue
            return reason
    return None


def byline_name(line: str) -> str | None:
    """The name a byline line gives, as written and without "By"; None if the line is no byline.

    Readers keep bylines as the ``author`` of the document they belong to, not in the ledger.

    >>> byline_name("By Skwawkbox"), byline_name("  By Jane Doe and John van der Berg ")
    ('Skwawkbox', 'Jane Doe and John van der Berg')
    >>> byline_name("By contrast, the hypothesis of a negotiated exit is plausible.") is None
    True
    """
    m = _BYLINE.match(line.strip())
    return m["name"].strip() if m else None
