"""Generated corpora of unusual shapes, for the report's corpus-shape matrix (tests/report/test_shapes.py).

Each :class:`Shape` writes a small corpus folder (CSV exports, JSON comment threads, plain text, broken files) and
names the report parameters it is meant to be run with. ``units`` is the number of input units written (table rows,
comments, text files), where it is known, so a test can check that every unit is a document or a ledger row.

``python -m tests.shapes [FOLDER]`` writes every shape under FOLDER and prints what each report section did with it
(the closing note's table).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

SEED = 20190123

VENEZUELA = [
    "President Nicolás Maduro spoke to thousands of supporters in Caracas on Saturday.",
    "Juan Guaidó called on the army to abandon the government and join the protests.",
    "The United States imposed new sanctions on Venezuela's state oil company.",
    "Russia said it would defend Venezuela's sovereignty against any foreign intervention.",
    "Hospitals in Venezuela report terrible shortages of medicine and food.",
    "Critics describe the Maduro regime as a brutal dictatorship.",
    "Supporters call the opposition's plan an attempted coup backed by Washington.",
    "Thousands of Venezuelans marched in the capital to defend the constitution.",
    "The economic war against Venezuela has hurt ordinary families the most.",
    "Putin praised Maduro as the legitimate president of a sovereign country.",
]
# no alias of lexicons/actors.yaml, no cue of the Venezuela topic
PLAIN = [
    "The city council approved a new budget for schools and libraries.",
    "Farmers said the dry summer had ruined much of the harvest.",
    "The new railway line will open to passengers next spring.",
    "Teachers welcomed the plan but warned that it was badly funded.",
    "Residents were furious about the rising cost of heating this winter.",
    "A local charity opened a second shelter for homeless families.",
    "The football club sacked its manager after a terrible season.",
    "Scientists found that the river was much cleaner than a decade ago.",
    "The museum will display paintings that have never been shown before.",
    "Volunteers planted two thousand trees along the old canal.",
    "Nurses went on strike over pay and dangerous working conditions.",
    "The mayor promised to fix the broken street lights by the end of the month.",
]
NEUTRAL = ["The meeting is on Tuesday.", "The report has twelve pages.", "The office opens at nine.",
           "The train leaves from platform four.", "The committee met in the morning."]
SPANISH = [
    "El presidente habló ante miles de simpatizantes en la plaza central el sábado por la tarde.",
    "Los agricultores dijeron que la sequía del verano arruinó gran parte de la cosecha de este año.",
    "Los hospitales informan de una grave escasez de medicamentos y de alimentos básicos.",
    "El consejo municipal aprobó un nuevo presupuesto para las escuelas y las bibliotecas públicas.",
    "Miles de personas marcharon por las calles de la ciudad para defender la constitución.",
    "Los maestros recibieron el plan con alegría, pero advirtieron que no tiene suficiente dinero.",
    "La nueva línea de tren abrirá a los pasajeros durante la próxima primavera.",
    "Los vecinos están furiosos por el aumento del precio de la calefacción en invierno.",
]
SPANISH_HEADLINES = [
    "El gobierno anuncia nuevas medidas económicas para frenar la inflación",
    "Miles de personas protestan en la capital contra la reforma de las pensiones",
    "La oposición denuncia irregularidades en el recuento de los votos",
    "Los hospitales públicos sufren una grave escasez de medicamentos esenciales",
    "El banco central sube los tipos de interés por tercera vez este año",
    "Los agricultores bloquean las carreteras en protesta por los precios del gasóleo",
    "La selección nacional gana el partido decisivo y se clasifica para el mundial",
    "Un incendio forestal obliga a evacuar a cientos de vecinos de la sierra",
]
RUSSIAN = [
    "Президент выступил перед тысячами сторонников на центральной площади в субботу.",
    "Фермеры сообщили, что засуха этим летом уничтожила большую часть урожая.",
    "Больницы сообщают о серьёзной нехватке лекарств и продуктов питания.",
    "Городской совет утвердил новый бюджет для школ и библиотек.",
    "Тысячи людей вышли на улицы города, чтобы защитить конституцию.",
    "Новая железнодорожная линия откроется для пассажиров следующей весной.",
]


def _text(rng: random.Random, pool: list[str], n: int) -> str:
    return " ".join(rng.choice(pool) for _ in range(n))


def _table(folder: Path, rows: list[dict[str, Any]], name: str = "export.csv") -> int:
    pd.DataFrame(rows).to_csv(folder / name, index=False)
    return len(rows)


def _articles(rng: random.Random, outlets: list[str], per_outlet: int | list[int], pool: list[str], *,
              dates: list[str | None] | None = None, sentences: tuple[int, int] = (3, 7)) -> list[dict[str, Any]]:
    counts = per_outlet if isinstance(per_outlet, list) else [per_outlet] * len(outlets)
    rows = []
    for outlet, k in zip(outlets, counts, strict=True):
        for i in range(k):
            date = (dates[(len(rows)) % len(dates)] if dates else f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}")
            rows.append({"title": f"{outlet} story {i + 1}", "outlet": outlet, "date": date,
                         "text": _text(rng, pool, rng.randint(*sentences))})
    return rows


def _comments(rng: random.Random, n: int, pool: list[str], *, words: int | None = None) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        body = _text(rng, pool, 1) if words is None else " ".join(rng.choice(pool).split()[:words])
        out.append({"id": f"c{i}", "author": f"user{i % 7}", "body": body,
                    "replies": [{"id": f"c{i}r", "author": "replier", "body": _text(rng, pool, 1)}] if i % 3 == 0
                    else []})
    return out


@dataclass(frozen=True)
class Shape:
    """A corpus shape: what it is, how to write it, the parameters to run it with."""

    name: str
    description: str
    write: Callable[[Path, random.Random], int | None]  # returns the input units written, where known
    params: dict[str, Any] = field(default_factory=dict)
    error: bool = False  # the run must fail with a clear message (no document at all)


def _one(folder: Path, rng: random.Random) -> int:
    return _table(folder, _articles(rng, ["Daily Example"], 1, PLAIN))


def _two(folder: Path, rng: random.Random) -> int:
    return _table(folder, _articles(rng, ["Daily Example", "Weekly Sample"], 1, PLAIN + VENEZUELA))


def _three(folder: Path, rng: random.Random) -> int:
    return _table(folder, _articles(rng, ["Daily Example", "Weekly Sample"], [2, 1], PLAIN + VENEZUELA))


def _three_and_broken(folder: Path, rng: random.Random) -> None:
    for i in range(3):
        (folder / f"article{i}.txt").write_text(f"Story {i}\n\n{_text(rng, VENEZUELA, 4)}\n", encoding="utf-8")
    (folder / "image.bin").write_bytes(bytes(range(256)) * 4)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "bad_utf16.txt").write_bytes(b"\xff\xfeh\x00i\x00\x00\xd8")  # BOM, then a lone surrogate
    (folder / "broken.csv").write_text('title,text\n"Unclosed,the quote never ends\nnext,row\n', encoding="utf-8")


def _one_outlet(folder: Path, rng: random.Random) -> int:
    return _table(folder, _articles(rng, ["Only Outlet"], 40, PLAIN + VENEZUELA))


def _lopsided(folder: Path, rng: random.Random) -> int:
    return _table(folder, _articles(rng, ["Tiny Outlet", "Huge Outlet"], [1, 500], PLAIN + VENEZUELA,
                                    sentences=(2, 4)))


def _no_dates(folder: Path, rng: random.Random) -> int:
    rows = _articles(rng, ["Alpha News", "Beta Post", "Gamma Times"], 10, PLAIN + VENEZUELA)
    for r in rows:
        del r["date"]
    return _table(folder, rows)


def _same_date(folder: Path, rng: random.Random) -> int:
    return _table(folder, _articles(rng, ["Alpha News", "Beta Post"], 12, PLAIN + VENEZUELA, dates=["2021-06-01"]))


def _no_focus(folder: Path, rng: random.Random) -> int:
    return _table(folder, _articles(rng, ["Alpha News", "Beta Post", "Gamma Times"], 8, PLAIN))


def _quoted_only(folder: Path, rng: random.Random) -> int:
    (folder / "manifest.yaml").write_text("files:\n  export.csv:\n    override:\n      voice: quoted\n"
                                          "      source_kind: quoted\n", encoding="utf-8")
    return _table(folder, _articles(rng, ["Alpha News", "Beta Post"], 8, VENEZUELA))


def _forum_only(folder: Path, rng: random.Random) -> int:
    n = 0
    for site, k in (("Reader Forum", 12), ("Other Board", 9)):
        thread = {"title": f"Comments on {site}", "site": site, "comments": _comments(rng, k, PLAIN + VENEZUELA)}
        (folder / f"{site.split()[0].lower()}.json").write_text(json.dumps(thread), encoding="utf-8")
        n += k + len([i for i in range(k) if i % 3 == 0])
    return n


def _all_copies(folder: Path, rng: random.Random) -> int:
    text = _text(rng, VENEZUELA, 6)
    rows = [{"title": "The same story", "outlet": o, "date": "2019-05-01", "text": text}
            for o in ["Alpha News", "Beta Post", "Gamma Times"] for _ in range(4)]
    return _table(folder, rows)


def _spanish(folder: Path, rng: random.Random) -> int:
    return _table(folder, _articles(rng, ["El Diario", "La Gaceta", "El Correo"], 6, SPANISH))


def _spanish_headlines(folder: Path, rng: random.Random) -> int:
    outlets = [f"Medio {i}" for i in range(10)]
    rows = [{"title": "", "outlet": outlets[i % 10], "date": f"2024-03-{1 + i % 28:02d}",
             "text": SPANISH_HEADLINES[i % len(SPANISH_HEADLINES)]} for i in range(25)]
    return _table(folder, rows)


def _mixed(folder: Path, rng: random.Random) -> int:
    rows = (_articles(rng, ["English Daily"], 8, PLAIN + VENEZUELA) + _articles(rng, ["El Diario"], 8, SPANISH)
            + _articles(rng, ["Russkaya Gazeta"], 6, RUSSIAN))
    return _table(folder, rows)


def _one_word(folder: Path, rng: random.Random) -> int:
    words = ["Outrageous", "Lovely", "Maduro", "Sanctions", "Yes", "Terrible", "Caracas", "Fine"]
    rows = [{"title": "", "outlet": ["Alpha News", "Beta Post"][i % 2], "date": "2020-01-01", "text": w}
            for i, w in enumerate(words * 3)]
    return _table(folder, rows)


def _long(folder: Path, rng: random.Random) -> int:
    rows = [{"title": f"Long read {i}", "outlet": ["Alpha News", "Beta Post", "Gamma Times"][i], "date": "2020-02-02",
             "text": "\n\n".join(_text(rng, PLAIN + VENEZUELA, 10) for _ in range(150))} for i in range(3)]
    return _table(folder, rows)


def _fifty(folder: Path, rng: random.Random) -> int:
    return _table(folder, _articles(rng, [f"Outlet {i:02d}" for i in range(50)], 2, PLAIN + VENEZUELA))


def _hostile_names(folder: Path, rng: random.Random) -> int:
    names = ["<script>alert(1)</script> News", "Первый канал", "新华社", "$Money$ Times", "Ünïcödé & Co <b>",
             "../../etc/passwd"]
    return _table(folder, _articles(rng, names, 6, PLAIN + VENEZUELA))


def _focus_one_outlet(folder: Path, rng: random.Random) -> int:
    return _table(folder, _articles(rng, ["Alpha News"], 8, VENEZUELA) + _articles(rng, ["Beta Post"], 8, PLAIN))


def _windows_empty(folder: Path, rng: random.Random) -> int:
    return _table(folder, _articles(rng, ["Alpha News", "Beta Post"], 8, PLAIN + VENEZUELA))


def _russian(folder: Path, rng: random.Random) -> int:
    return _table(folder, _articles(rng, ["Russkaya Gazeta", "Novaya Pravda"], 6, RUSSIAN))


def _neutral(folder: Path, rng: random.Random) -> int:
    return _table(folder, _articles(rng, ["Alpha News", "Beta Post"], 8, NEUTRAL))


def _comments_one_site(folder: Path, rng: random.Random) -> int:
    comments = _comments(rng, 15, PLAIN, words=4)
    (folder / "thread.json").write_text(json.dumps(comments), encoding="utf-8")
    return 15 + 5


def _syndicated(folder: Path, rng: random.Random) -> int:
    story = _text(rng, VENEZUELA, 12)
    rows = [{"title": "Syndicated", "outlet": o, "date": "2019-04-30", "text": story}
            for o in ["Alpha News", "Beta Post", "Gamma Times", "Delta Daily", "Epsilon Wire"]]
    return _table(folder, rows + _articles(rng, ["Alpha News", "Beta Post"], 6, PLAIN + VENEZUELA))


def _nothing_readable(folder: Path, rng: random.Random) -> int:
    pd.DataFrame({"title": ["A", "B"], "outlet": ["Alpha", "Beta"], "text": ["", ""]}).to_csv(folder / "meta.csv",
                                                                                           index=False)
    (folder / "blank.txt").write_bytes(b"")
    return 3


def _typical(folder: Path, rng: random.Random) -> int:
    return _table(folder, _articles(rng, ["Alpha News", "Beta Post", "Gamma Times"], 25, PLAIN + VENEZUELA))


SHAPES: dict[str, Shape] = {s.name: s for s in [
    Shape("one_document", "one document", _one),
    Shape("two_documents", "two documents from two outlets", _two),
    Shape("three_documents", "three documents from two outlets", _three),
    Shape("three_documents_and_broken_files", "three text files plus a binary, an empty, a bad UTF-16 file and a "
          "CSV with an unclosed quote", _three_and_broken),
    Shape("one_outlet", "40 documents of one outlet", _one_outlet),
    Shape("lopsided_outlets", "two outlets with 1 and 500 documents", _lopsided),
    Shape("no_dates", "three outlets, no date column", _no_dates),
    Shape("same_date", "every document on the same day", _same_date, {"windows": {"that day": ["2021-06-01",
                                                                                               "2021-06-01"]}}),
    Shape("no_focus_documents", "no document about the focus topic", _no_focus, {"focus_topic": "venezuela"}),
    Shape("no_actor_mentions", "no actor of actors.yaml is named", _no_focus),
    Shape("only_quoted_voice", "every document quoted text", _quoted_only, {"voice": "quoted"}),
    Shape("only_forum_comments", "two comment threads, nothing else", _forum_only),
    Shape("all_copies_of_one", "twelve copies of one text in three outlets", _all_copies),
    Shape("only_spanish", "Spanish articles from three outlets", _spanish),
    Shape("spanish_headlines", "25 Spanish headlines from ten outlets", _spanish_headlines),
    Shape("mixed_languages", "English, Spanish and Russian outlets", _mixed),
    Shape("one_word_texts", "every text one word", _one_word),
    Shape("very_long_documents", "three documents of about 15,000 words", _long),
    Shape("fifty_outlets", "50 outlets of two documents each", _fifty),
    Shape("hostile_outlet_names", "outlet names with HTML, dollars, path parts and non-Latin scripts",
          _hostile_names),
    Shape("focus_in_one_outlet", "the focus topic in one outlet only", _focus_one_outlet,
          {"focus_topic": "venezuela"}),
    Shape("windows_without_documents", "event windows that no document falls in", _windows_empty,
          {"windows": {"1990s": ["1990-01-01", "1999-12-31"]}}),
    Shape("min_docs_above_every_group", "min_docs larger than every outlet", _typical, {"min_docs": 1000}),
    Shape("only_russian", "Russian (Cyrillic) articles only", _russian),
    Shape("identical_tone", "every sentence neutral (no variation to test)", _neutral),
    Shape("short_comments_one_site", "four-word comments of one site, undated", _comments_one_site),
    Shape("syndicated_story", "one story syndicated by five outlets, plus originals", _syndicated),
    Shape("typical_small_study", "three outlets of 25 documents, with a focus topic and a window", _typical,
          {"focus_topic": "venezuela", "windows": {"2020": ["2020-01-01", "2020-12-31"]}}),
    Shape("nothing_readable", "files that give no document at all", _nothing_readable, error=True),
]}


def write_shape(shape: Shape, folder: Path) -> int | None:
    """Write ``shape`` into ``folder`` (created); returns its input units where known."""
    folder.mkdir(parents=True, exist_ok=True)
    return shape.write(folder, random.Random(f"{SEED}-{shape.name}"))


def matrix(base: Path, *, actor_mode: str = "fast", n_resamples: int = 200) -> pd.DataFrame:
    """What each section did with each shape: ``shape``, ``section``, ``status`` (rendered/reason), ``reason``."""
    from framing.report import open_report, sections

    rows = []
    for shape in SHAPES.values():
        folder = base / shape.name
        if not folder.exists():
            write_shape(shape, folder)
        study = open_report(folder, output_dir=str(base / "out" / shape.name), actor_mode=actor_mode,
                            n_resamples=n_resamples, **shape.params)
        for name, sec in sections.SECTIONS.items():
            if sec.notebook == "04_validation.ipynb":
                continue
            shown = sec(study)
            rows.append({"shape": shape.name, "section": name,
                         "status": "rendered" if shown.rendered else "reason",
                         "reason": shown.reason or "; ".join(shown.notes)})
    return pd.DataFrame(rows)


if __name__ == "__main__":  # pragma: no cover
    import sys
    import tempfile

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="framing-shapes-"))
    table = matrix(out)
    wide = table.assign(mark=table["status"].map({"rendered": "✓", "reason": "·"})).pivot(
        index="section", columns="shape", values="mark")
    print(wide.to_string())
    table.to_csv(out / "matrix.csv", index=False)
    print(f"\n{out / 'matrix.csv'}")
