from framing.build import pipeline

from ..conftest import RAW, SOTT


def sott_docs(seed_tables):
    return seed_tables.documents[seed_tables.documents["source_file"] == SOTT]


def test_ten_rt_updates_dated_with_headlines(seed_tables):
    rt = sott_docs(seed_tables).query("outlet == 'rt'")
    assert len(rt) == 10
    assert set(rt["published_date"]) == {"2019-01-24"}
    assert set(rt["via"]) == {"sott"}
    assert rt["title"].notna().all()
    assert "Lavrov: US interfering in Venezuela? No need to ask Mueller to determine that" in set(rt["title"])
    assert "Britain claims Maduro 'not legitimate leader' of Venezuela" in set(rt["title"])


def test_telesur_update_is_a_telesur_document(seed_tables):
    tele = sott_docs(seed_tables).query("outlet == 'telesur'")
    assert len(tele) == 1
    assert tele["text"].iloc[0].startswith("Venezuelan Foreign Minister Jorge Arreaza")


def test_sott_editorial_comments(seed_tables):
    docs = sott_docs(seed_tables)
    editorial = docs.query("source_kind == 'editorial_comment'")
    assert (editorial["outlet"] == "sott").all()
    starts = sorted(t[:40] for t in editorial["text"])
    assert any(s.startswith("Israel is rapidly exhausting") for s in starts)
    assert any(s.startswith("Granted Maduro isn't perfect") for s in starts)
    update = editorial[editorial["text"].str.startswith("Venezuela's defense minister Vladimir Padrino")]
    assert update["published_date"].tolist() == ["2019-01-26"]
    assert not editorial["text"].str.startswith("See also").any()


def test_stubs_and_captions_are_not_content(seed_tables):
    docs = sott_docs(seed_tables)
    assert not docs["text"].str.contains("©").any()
    assert not docs["text"].str.contains("See also:").any()
    ledger = seed_tables.rejects.query("source_file == @SOTT")
    assert (ledger["reason"] == "link stub").sum() >= 5
    assert "© REUTERS / Stringer" in set(ledger["excerpt"])


def test_mojibake_repaired_in_documents_and_ledger(seed_tables):
    text = " ".join(sott_docs(seed_tables)["text"])
    assert "Guaidó" in text and "Nicolás Maduro" in text
    assert "รณ" not in text and "รก" not in text
    assert any("•" in e for e in seed_tables.rejects["excerpt"])


def test_colon_variant_of_update_marker(corpus_dir):
    text = (RAW / SOTT).read_text(encoding="utf-8").replace("UPDATE RT, 1/24/2019: Britain", "UPDATE RT: 1/24/2019: Britain")
    (corpus_dir / "sott.txt").write_text(text, encoding="utf-8")
    docs = pipeline.build(corpus_dir, actor_mode="fast", progress=False).documents
    assert (docs["outlet"] == "rt").sum() == 10
