"""Word choice: the labels an outlet attaches to each actor ("Maduro's regime", "self-proclaimed president Guaidó").

A label counts for a mention when it stands in one of four grammatical relations to it, found with patterns on
the sentence (no parser): a pre-modifier within the few words before the mention ("self-proclaimed president
Juan Guaidó"); a possessive or compound after it ("Maduro's regime", "the Maduro government"); "the LABEL of X";
or an apposition ("Juan Guaidó, the opposition leader,"). Labels and their stances are in
``lexicons/labels.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from framing.features.registry import Feature, Inputs, Table
from framing.lexicons import LexiconError, lexicon_path, load_yaml

PRE_WORDS = 4  # words before a mention searched for pre-modifiers


@dataclass(frozen=True)
class LabelLexicon:
    """Label → compiled pattern and stance."""

    patterns: dict[str, re.Pattern[str]]
    stances: dict[str, str]
    institution: frozenset[str]

    @classmethod
    def load(cls, path: Path | None = None) -> LabelLexicon:
        """Load ``labels.yaml`` (or a file in its format)."""
        path = path or lexicon_path("labels")
        entries = load_yaml(path).get("labels")
        if not isinstance(entries, dict) or not entries:
            raise LexiconError(f"{path}: expected a non-empty 'labels' mapping")
        patterns, stances, institution = {}, {}, set()
        for label, entry in entries.items():
            try:
                patterns[label] = re.compile(rf"(?<![\w-])(?:{entry['pattern']})(?![\w-])", re.IGNORECASE)
            except (re.error, KeyError, TypeError) as exc:
                raise LexiconError(f"{path}: label {label!r} needs a valid 'pattern' ({exc})") from exc
            stances[label] = str(entry.get("stance", "neutral"))
            if entry.get("institution"):
                institution.add(label)
        return cls(patterns, stances, frozenset(institution))


def _labels_in(text: str, lexicon: LabelLexicon) -> list[str]:
    found = []
    for label, pattern in lexicon.patterns.items():
        if pattern.search(text):
            found.append(label)
    # "interim president" also matches "president", "opposition leader" also "leader": keep the specific one
    if "interim-president" in found and "president" in found and len(lexicon.patterns["president"].findall(text)) == 1:
        found.remove("president")
    if "opposition-leader" in found and "leader" in found and len(lexicon.patterns["leader"].findall(text)) == 1:
        found.remove("leader")
    return found


# ", the opposition leader," — a noun phrase, not a relative clause (", which has invested …")
_APPOSITION_AFTER = re.compile(r"^,\s+((?:the|a|an|his|her|its|their|[A-Z][\w'’-]*)\b[^,;.()]{0,80})[,;.)]")
# "the self-proclaimed 'interim president' of Venezuela, Juan Guaidó" — a label phrase just before the mention
_APPOSITION_BEFORE = re.compile(r"(?:^|[,;:(]\s*)((?:the|a|an|[A-Z][\w'’-]*)\b[^,;.()]{0,80}),\s*$")
_LINK_WORD = re.compile(r"^(?:[A-Z][\w.'’-]*|[\"'“”‘’]+|of|the)$")


def _premodifiers(left: str, lexicon: LabelLexicon) -> list[str]:
    """Labels among the few words right before a mention, with only names or titles in between."""
    words = re.split(r"[.;:!?,()\[\]]", left)[-1].split()[-PRE_WORDS:]
    found: list[str] = []
    for i in range(len(words) - 1, -1, -1):
        labels = _labels_in(words[i].strip("\"'“”‘’"), lexicon)
        if labels:
            found = [*labels, *found]
        elif not _LINK_WORD.match(words[i]) or words[i] in {"of", "the"}:
            break
    return found


def label_mention(sentence: str, start: int, end: int, lexicon: LabelLexicon) -> list[tuple[str, str]]:
    """Labels attached to the mention at ``sentence[start:end]``, as ``(label, relation)`` pairs.

    >>> lex = LabelLexicon.load()
    >>> label_mention("The self-proclaimed president Juan Guaidó spoke.", 30, 41, lex)
    [('self-proclaimed', 'modifier'), ('president', 'modifier')]
    >>> label_mention("Maduro's regime fell.", 0, 8, lex)
    [('regime', 'possessive or compound')]
    >>> label_mention("the regime of Nicolás Maduro", 14, 28, lex)
    [('regime', 'of-phrase')]
    >>> label_mention("Juan Guaido, the opposition leader, spoke.", 0, 11, lex)
    [('opposition-leader', 'apposition')]
    >>> label_mention("did the Trump Regime give the UN its death knell", 30, 32, lex)
    []
    """
    left, right = sentence[:start], sentence[end:]
    out: list[tuple[str, str]] = []
    if m := re.search(r"\b([\w-]+(?:\s[\w-]+)?)\s+of\s+(?:the\s+)?$", left):
        # "the regime of X": only nouns of rule label X ("the president of Venezuela" does not)
        out += [(label, "of-phrase") for label in _labels_in(m.group(1), lexicon) if label in lexicon.institution]
    else:
        out += [(label, "modifier") for label in _premodifiers(left, lexicon)]
    if m := re.match(r"^(?:'s)?\s+([\w-]+)(?:\s+([\w-]+))?", right):
        first = _labels_in(m.group(1), lexicon)
        second = _labels_in(m.group(2), lexicon) if first and m.group(2) else []  # "Maduro socialist regime"
        if any(label in lexicon.institution for label in [*first, *second]):  # "US President X" labels X, not US
            out += [(label, "possessive or compound") for label in [*first, *second]]
    if m := re.match(_APPOSITION_AFTER, right):
        out += [(label, "apposition") for label in _labels_in(m.group(1), lexicon)]
    if m := re.search(_APPOSITION_BEFORE, left):
        out += [(label, "apposition") for label in _labels_in(m.group(1), lexicon)]
    seen: set[str] = set()
    unique = []
    for label, rel in out:
        if label not in seen:
            seen.add(label)
            unique.append((label, rel))
    return unique


def find_labels(mentions: pd.DataFrame, sentences: pd.DataFrame, *, lexicon: LabelLexicon | None = None
                ) -> pd.DataFrame:
    """One row per (mention, label): the labels attached to each actor mention.

    Returns:
        Columns ``doc_id``, ``sent_idx``, ``actor``, ``mention``, ``char_start``, ``label``, ``stance``,
        ``relation``.
    """
    lexicon = lexicon or LabelLexicon.load()
    text = sentences.set_index(["doc_id", "sent_idx"])["text"]
    rows = []
    cols = ["doc_id", "sent_idx", "actor", "mention", "char_start", "char_end"]
    for doc_id, sent_idx, actor, mention, start, end in mentions[cols].itertuples(index=False, name=None):
        sentence = str(text[(doc_id, sent_idx)])
        for label, relation in label_mention(sentence, int(start), int(end), lexicon):
            rows.append((doc_id, sent_idx, actor, mention, int(start), label, lexicon.stances[label], relation))
    return pd.DataFrame(rows, columns=["doc_id", "sent_idx", "actor", "mention", "char_start", "label", "stance",
                                       "relation"])


def _compute(inputs: Inputs) -> dict[str, pd.DataFrame]:
    return {"actor_labels": find_labels(inputs.tables["actor_mentions"], inputs.sentences)}


FEATURE = Feature(
    name="labels", compute=_compute, requires=("actors",), lexicons=("labels",),
    tables=(Table("actor_labels", {"doc_id": "string", "sent_idx": "int64", "actor": "string", "mention": "string",
                                   "char_start": "int64", "label": "string", "stance": "string",
                                   "relation": "string"},
                  ("doc_id", "sent_idx", "char_start", "label"), per_sentence=True),))
