import pytest

from framing.features.labels import LabelLexicon, label_mention
from framing.lexicons import LexiconError

LEX = LabelLexicon.load()


def labels(sentence, mention):
    start = sentence.index(mention)
    return label_mention(sentence, start, start + len(mention), LEX)


@pytest.mark.parametrize(
    ("sentence", "mention", "expected"),
    [
        ("However, the self-proclaimed president Juan Guaido has countermanded that order.", "Juan Guaido",
         [("self-proclaimed", "modifier"), ("president", "modifier")]),
        ("Russia has invested billions in the Maduro regime.", "Maduro", [("regime", "possessive or compound")]),
        ("Nicolas Maduro's embattled Venezuelan regime was stymied.", "Nicolas Maduro's", []),  # adjective between
        ("They oppose the regime of Nicolás Maduro.", "Nicolás Maduro", [("regime", "of-phrase")]),
        ("He is the president of Venezuela.", "Venezuela", []),  # "president of X" does not label X
        ("Maduro, an authoritarian ruler, refuses to go.", "Maduro", [("authoritarian", "apposition")]),
        ("Russia, which has invested in the Maduro regime, stands by him.", "Russia", []),  # relative clause
        ("Their US-designated leader, María Corina Machado, has gone bonkers.", "María Corina Machado",
         [("self-appointed", "apposition"), ("leader", "apposition")]),
        ("Calling it a \"disastrous dictatorship,\" the US State Department urged revolt.", "US", []),
        ("After calls for a regime change from Washington.", "Washington", []),  # a frame, not a label
        ("funds to the pretender Guaido:", "Guaido", [("pretender", "modifier")]),
        ("We fully support the democratically elected National Assembly.", "National Assembly",
         [("elected", "modifier")]),
    ],
)
def test_label_relations(sentence, mention, expected):
    assert labels(sentence, mention) == expected


def test_bad_label_lexicon_is_named(tmp_path):
    bad = tmp_path / "labels.yaml"
    bad.write_text("labels:\n  regime: {pattern: '(unclosed'}\n")
    with pytest.raises(LexiconError, match="label 'regime' needs a valid 'pattern'"):
        LabelLexicon.load(bad)


def test_labels_on_the_seed_corpus(seed_tables):
    from framing.features.labels import find_labels

    found = find_labels(seed_tables.actor_mentions, seed_tables.sentences)
    pairs = set(zip(found["actor"], found["label"], strict=True))
    assert {("guaido", "self-proclaimed"), ("guaido", "pretender"), ("trump", "regime"),
            ("maduro", "authoritarian")} <= pairs


@pytest.mark.parametrize(
    ("sentence", "mention"),
    [("US President Donald Trump's special envoy arrived.", "US"),
     ("Russia's president pledged his support.", "Russia's")],
)
def test_a_title_after_a_country_does_not_label_the_country(sentence, mention):
    assert labels(sentence, mention) == []
