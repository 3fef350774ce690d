"""Canonical outlet slugs and the alias table that maps raw names onto them."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from framing.lexicons import LexiconError, lexicon_path, load_yaml

UNKNOWN = "unknown"
_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")
_SLUG_MAX = 64


def slugify(name: str) -> str:
    """A safe slug: lower-case ASCII letters, digits and single hyphens, at most 64 characters, never empty.

    Slugs become file names and figure labels, so nothing else survives: no path separators, dots or
    shell metacharacters. Accents are dropped (``Telesúr`` is ``telesur``). A name with letters or digits but
    none in ASCII (``Первый канал``), or one longer than the slug, ends in a short hash of the name, so that two
    such outlets never share a slug; a name without any letter or digit is ``unknown``.

    >>> slugify("Hans Thoolen on Human Rights Defenders")
    'hans-thoolen-on-human-rights-defenders'
    >>> slugify("../../etc/passwd; rm -rf")
    'etc-passwd-rm-rf'
    >>> slugify("   "), slugify("!!!")
    ('unknown', 'unknown')
    >>> slugify("Первый канал")
    'x-b29ffa71'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    slug = _SLUG_UNSAFE.sub("-", ascii_name).strip("-")
    if len(slug) > _SLUG_MAX or (not slug and any(ch.isalnum() for ch in name)):
        digest = hashlib.sha256(name.strip().encode("utf-8", "surrogatepass")).hexdigest()[:8]
        slug = f"{slug[:_SLUG_MAX - 9].strip('-') or 'x'}-{digest}"
    return slug or UNKNOWN


def _key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"^(latest\s*[-–]\s*|the\s+)", "", text.strip())
    return re.sub(r"[^a-z0-9]+", "", text)


@dataclass(frozen=True)
class Outlet:
    """One canonical outlet."""

    slug: str
    name: str
    kind: str


class OutletRegistry:
    """Maps raw outlet names to canonical :class:`Outlet` records.

    >>> reg = OutletRegistry.default()
    >>> reg.lookup("PopularResistance.Org").slug
    'popular-resistance'
    >>> reg.lookup("Latest – Truthout").slug
    'truthout'
    >>> reg.lookup("Some New Blog").slug
    'some-new-blog'
    """

    def __init__(self, outlets: dict[str, Outlet], aliases: dict[str, str]):
        self.outlets = outlets
        self.aliases = aliases  # raw alias as written -> slug
        self._keys = {_key(alias): slug for alias, slug in aliases.items()}

    @classmethod
    def from_file(cls, path: Path) -> OutletRegistry:
        """Load an alias table in the format of ``lexicons/outlets.yaml``."""
        data = load_yaml(path)
        entries = data.get("outlets")
        if not isinstance(entries, dict):
            raise LexiconError(f"{path}: expected an 'outlets' mapping")
        outlets: dict[str, Outlet] = {}
        aliases: dict[str, str] = {}
        for raw_slug, entry in entries.items():
            slug = slugify(str(raw_slug))
            if slug != raw_slug:
                raise LexiconError(f"{path}: outlet slug {raw_slug!r} is not a clean slug (try {slug!r})")
            if not isinstance(entry, dict) or "name" not in entry:
                raise LexiconError(f"{path}: outlet {slug!r} needs at least a 'name'")
            outlets[slug] = Outlet(slug=slug, name=str(entry["name"]), kind=str(entry.get("kind", "news")))
            for alias in [slug, entry["name"], *entry.get("aliases", [])]:
                aliases[str(alias)] = slug
        return cls(outlets, aliases)

    @classmethod
    def default(cls) -> OutletRegistry:
        """The registry shipped with the package."""
        return _default_registry()

    def find(self, name: str | None) -> Outlet | None:
        """The known outlet for ``name``, or None."""
        if not name:
            return None
        slug = self._keys.get(_key(name))
        return self.outlets[slug] if slug else None

    def lookup(self, name: str | None) -> Outlet:
        """The outlet for ``name``; unknown names get a slug of their own, missing ones ``unknown``."""
        found = self.find(name)
        if found:
            return found
        if not name or not name.strip():
            return Outlet(UNKNOWN, "Unknown outlet", "news")
        return Outlet(slugify(name), name.strip(), "news")

    def mentioned_in(self, text: str) -> Outlet | None:
        """The first known outlet whose alias appears in ``text`` as whole words, or None."""
        best: tuple[int, str] | None = None
        for alias, slug in self.aliases.items():
            if len(alias) < 3 or alias == slug:  # bare slugs such as "forum" are ordinary words
                continue
            m = re.search(rf"(?<![\w]){re.escape(alias)}(?![\w])", text)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), slug)
        return self.outlets[best[1]] if best else None


@lru_cache(maxsize=1)
def _default_registry() -> OutletRegistry:
    return OutletRegistry.from_file(lexicon_path("outlets"))
