import dataclasses
import functools
import json
import math

import krippendorff
import numpy as np
import pandas as pd
import pytest

from framing import models
from framing.build import pipeline
from framing.features import actors, frames
from framing.features.issue_frames import IssueCodebook
from framing.handcoding import coding
from framing.models import artefacts

CODEBOOK = IssueCodebook.load()
HIDDEN = {"automatic", "outlet", "actor_label", "frame_present", "frame_prob", "p_negative", "p_positive", "cues",
          "flagged", "stratum", "voice", "speaker", "speaker_ref", "stance"}


@pytest.fixture(scope="module")
def tables():
    return pipeline.run("data/raw", actor_mode="fast", progress=False)


def draw(tables, **kw):
    return coding.draw_sample(tables, settings=coding.SampleSettings(**kw))


def cues(sheet):
    return ["1" if CODEBOOK.frames[f].matches(s) else "0" for f, s in zip(sheet["frame"], sheet["sentence"], strict=True)]


# ---------------------------------------------------------------- sampling

@pytest.mark.parametrize(
    ("unit", "by", "column"),
    [("issue", "frame", "frame"), ("issue", "outlet", "outlet"), ("generic", "frame", "frame"),
     ("generic", "outlet", "outlet"), ("actor", "actor", "actor"), ("actor", "outlet", "outlet"),
     ("voice", "outlet", "outlet"), ("voice", "actor", "actor"), ("stance", "frame", "frame"),
     ("stance", "outlet", "outlet")],
)
def test_sample_draws_the_same_number_from_every_stratum(tables, unit, by, column):
    sheet = draw(tables, unit=unit, by=by, per_stratum=4, seed=3)
    pool = coding.candidate_units(tables, unit)
    joined = sheet[["item_id"]].merge(pool, on="item_id", validate="one_to_one")
    assert len(joined) == len(sheet) == sheet["item_id"].nunique()
    counts = joined.groupby(column).size().to_dict()
    expected = pool.groupby(column).size().clip(upper=4).to_dict()  # every stratum, and all of a small one
    assert counts == expected == sheet.attrs["per_stratum"]
    # inside a stratum, the automatic labels take turns (flagged and unflagged, or the three sentiments)
    for stratum, part in joined.groupby(column):
        available = pool[pool[column] == stratum].groupby("automatic").size().sort_index(ascending=False)
        expected_labels = dict.fromkeys(available.index, 0)
        while sum(expected_labels.values()) < min(4, available.sum()):
            for label in available.index:
                if expected_labels[label] < available[label] and sum(expected_labels.values()) < 4:
                    expected_labels[label] += 1
        got = part.groupby("automatic").size().reindex(available.index, fill_value=0).to_dict()
        assert got == expected_labels, stratum


def test_issue_frames_by_frame_are_half_flagged(tables):
    sheet = draw(tables, unit="issue", by="frame", per_stratum=6, seed=1)
    flagged = pd.Series(cues(sheet), index=sheet["frame"]).eq("1").groupby(level=0).sum()
    assert flagged.to_dict() == dict.fromkeys(CODEBOOK.frames, 3)
    assert sheet.groupby("frame").size().eq(6).all()


def test_sample_is_seeded_and_blind(tables):
    a = draw(tables, unit="actor", per_stratum=3, seed=7)
    b = draw(tables, unit="actor", per_stratum=3, seed=7)
    c = draw(tables, unit="actor", per_stratum=3, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert set(a["item_id"]) != set(c["item_id"])
    assert not HIDDEN & set(a.columns)
    assert a[["code", "coder", "notes"]].eq("").all().all()
    for marked, start, end, mention in a[["sentence", "char_start", "char_end", "mention"]].itertuples(index=False):
        assert coding.unmark_target(marked, start, end)[start:end] == mention  # the target is marked


def test_frame_strata_need_frame_units(tables):
    for unit in ("actor", "voice"):
        with pytest.raises(ValueError, match="--by frame needs frame units"):
            draw(tables, unit=unit, by="frame")


@pytest.mark.parametrize(("unit", "default_by", "key"),
                         [("voice", "outlet", ["doc_id", "sent_idx", "char_start", "char_end"]),
                          ("stance", "frame", ["doc_id", "sent_idx", "frame"])])
def test_voice_and_stance_sheets_are_blind_seeded_and_stratified(tables, unit, default_by, key):
    spec = coding.UNIT_SPECS[unit]
    a = draw(tables, unit=unit, per_stratum=3, seed=7)
    pd.testing.assert_frame_equal(a, draw(tables, unit=unit, per_stratum=3, seed=7))
    assert set(a["item_id"]) != set(draw(tables, unit=unit, per_stratum=3, seed=8)["item_id"])
    assert a.attrs["sample"]["by"] == default_by
    assert list(a.columns) == ["item_id", *spec.columns, "code", "coder", "notes"] and not HIDDEN & set(a.columns)
    assert a[["code", "coder", "notes"]].eq("").all().all() and a["item_id"].str.startswith(f"{unit}-").all()
    pool = coding.candidate_units(tables, unit)
    joined = a[["item_id"]].merge(pool, on="item_id", validate="one_to_one")
    assert joined[default_by].value_counts().le(3).all() and joined[default_by].nunique() == pool[default_by].nunique()
    assert set(pool["automatic"]) <= set(spec.codes) - {"error"}  # the detector never says it is wrong
    if unit == "voice":  # the sentence marks the mention, as on actor sheets
        assert all(coding.unmark_target(m, s, e)[s:e] == t for m, s, e, t in a[["sentence", "char_start", "char_end",
                                                                                 "mention"]].itertuples(index=False))
    else:  # only detector hits, each (sentence, frame) once
        hits = tables.issue_frame_sentences.astype({"doc_id": str})
        assert len(a.merge(hits, on=key)) == len(a)
        assert not a[["sentence", "frame"]].duplicated().any()


# ---------------------------------------------------------------- sheets: XLSX and CSV

@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_sheet_round_trip_with_codebook(tables, tmp_path, suffix):
    from openpyxl import load_workbook

    sheet = draw(tables, unit="issue", per_stratum=2, seed=5)
    path = tmp_path / f"sheet{suffix}"
    written = coding.write_sheet(sheet, path)
    back = coding.read_sheet(path)
    assert list(back.columns) == list(sheet.columns)
    assert (back.to_numpy() == sheet.astype(str).to_numpy()).all()
    if suffix == ".xlsx":
        assert written == [path]
        wb = load_workbook(path)
        assert wb.sheetnames == ["coding", "codebook"]
        book = pd.DataFrame(list(wb["codebook"].values)[1:], columns=next(wb["codebook"].values))
        assert wb["coding"].data_validations.dataValidation[0].formula1 == '"0,1"'  # a drop-down of the codes
    else:
        assert written == [path, tmp_path / "sheet.codebook.csv"]
        book = pd.read_csv(written[1], dtype=str, keep_default_na=False)
    entries = set(book["entry"])
    assert {"instructions", "code 1", "code 0", "sample"} <= entries
    assert {f"frame {slug}" for slug in CODEBOOK.frames} <= entries
    rules = book.set_index("entry").loc["frame coup-regime-change"]
    assert rules["definition"] == CODEBOOK.frames["coup-regime-change"].definition and rules["exclude"]


def test_actor_codebook_uses_the_newsmtsc_codes():
    book = coding.codebook_table("actor")
    assert [e for e in book["entry"] if e.startswith("code")] == ["code negative", "code neutral", "code positive"]


@pytest.mark.parametrize(("unit", "codes"), [("voice", ["author", "quoted", "reported"]),
                                             ("stance", ["used", "reported", "rebutted", "error"])])
def test_voice_and_stance_codebooks_define_every_code_with_an_example(tables, tmp_path, unit, codes):
    from openpyxl import load_workbook

    book = coding.codebook_table(unit)
    rows = book[book["entry"].str.startswith("code ")]
    assert rows["name"].tolist() == codes == list(coding.UNIT_SPECS[unit].codes)
    assert rows["definition"].str.len().gt(40).all() and rows["include"].ne("").all()
    assert rows["examples"].str.match(r"^\+ [^;]+$").all()  # one example each
    if unit == "voice":
        assert rows["examples"].str.contains(r"\[\[\w+\]\]").all()  # the target marked as on the sheet
    else:
        assert {f"frame {slug}" for slug in CODEBOOK.frames} <= set(book["entry"])  # the frames' own rules too
    assert all(c in book.set_index("entry").at["instructions", "definition"] for c in codes)
    path = tmp_path / f"{unit}.xlsx"
    coding.write_sheet(draw(tables, unit=unit, per_stratum=1), path)
    assert load_workbook(path)["coding"].data_validations.dataValidation[0].formula1 == '"' + ",".join(codes) + '"'


# ---------------------------------------------------------------- agreement

def code_sheet(sheet, codes, coder, path):
    coded = sheet.assign(code=list(codes), coder=coder)
    coding.write_sheet(coded, path)
    return path


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_alpha_round_trip_matches_a_hand_computed_value(tables, tmp_path, suffix):
    sheet = draw(tables, unit="generic", by="frame", per_stratum=2, seed=11)
    assert len(sheet) == 10
    blank = tmp_path / f"blank{suffix}"
    coding.write_sheet(sheet, blank)
    one = ["1"] * 5 + ["0"] * 5
    two = ["1"] * 4 + ["0"] * 5 + ["1"]  # disagrees on the fifth and the tenth unit
    paths = [code_sheet(sheet, one, "ana", tmp_path / f"ana{suffix}"),
             code_sheet(sheet, two, "ben", tmp_path / f"ben{suffix}")]
    sheets = coding.read_coded(paths, sample=blank)
    assert [s.coder for s in sheets] == ["ana", "ben"]
    scores = coding.agreement(sheets).set_index(["scope", "comparison"])
    row = scores.loc[("all", "coders")]
    # by hand: coincidences o11 = o00 = 8 (four agreed units each, two pairs per unit), o01 = o10 = 2;
    # n0 = n1 = 10, n = 20; alpha = 1 - (n - 1) * (o01 + o10) / (2 * n0 * n1) = 1 - 19 * 4 / 200
    assert row["alpha"] == pytest.approx(0.62)
    assert row["alpha"] == pytest.approx(krippendorff.alpha(
        reliability_data=np.array([one, two], dtype=float), level_of_measurement="nominal"))
    assert row["n_units"] == 10 and row["n_coders"] == 2
    assert row["alpha_ci_low"] < 0.62 < row["alpha_ci_high"] <= 1.0
    again = coding.agreement(coding.read_coded(paths)).set_index(["scope", "comparison"])
    assert again.loc[("all", "coders"), "alpha_ci_low"] == row["alpha_ci_low"]  # seeded bootstrap


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bootstrap_alpha_formula_matches_the_package(seed):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 3, size=(3, 30)).astype(float)
    data[rng.random(data.shape) < 0.2] = np.nan  # missing codes
    index = np.where(np.isnan(data), -1, data).astype(int)
    per_unit = coding._unit_coincidences(index, 3)
    mine = coding._alpha_from_coincidences(per_unit.sum(0, keepdims=True), 3)[0]
    assert mine == pytest.approx(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    r = coding.alpha_with_ci(data, settings=coding.AgreementSettings(n_resamples=500, seed=seed))
    assert r["alpha_ci_low"] <= r["alpha"] <= r["alpha_ci_high"]


def test_issue_agreement_against_the_cue_detector(tables, tmp_path):
    sheet = draw(tables, unit="issue", by="frame", per_stratum=4, seed=2)
    detector = cues(sheet)
    flip = sheet.assign(d=detector).reset_index().groupby("frame")["index"].first()  # one item per frame
    other = [("1" if c == "0" else "0") if i in set(flip) else c for i, c in enumerate(detector)]
    paths = [code_sheet(sheet, detector, "ana", tmp_path / "ana.csv"),
             code_sheet(sheet, other, "ben", tmp_path / "ben.csv")]
    sheets = coding.read_coded(paths)
    scores = coding.agreement(sheets, automatic=coding.automatic_codes(sheets[0].table))
    s = scores.set_index(["scope", "comparison"])
    assert s.loc[("all", "ana vs cues"), "alpha"] == 1.0
    assert s.loc[("all", "ana vs cues"), ["precision", "recall"]].tolist() == [1.0, 1.0]
    assert s.loc[("all", "coders"), "alpha"] < 1.0
    assert s.loc[("all", "consensus vs cues"), "n_units"] == len(sheet) - len(flip)  # ties have no consensus
    assert set(scores["scope"]) == {"all", *CODEBOOK.frames}
    assert scores[["alpha_ci_low", "alpha_ci_high"]].notna().any(axis=None)


def test_actor_agreement_with_the_fast_model(tables, tmp_path):
    sheet = draw(tables, unit="actor", by="outlet", per_stratum=3, seed=4)
    auto = coding.automatic_codes(sheet, measures=["fast", "vader"])
    path = code_sheet(sheet, auto["fast"].tolist(), "ana", tmp_path / "ana.xlsx")
    scores = coding.agreement(coding.read_coded([path]), automatic=auto,
                              settings=coding.AgreementSettings(n_resamples=200))
    s = scores.set_index(["scope", "comparison"])
    assert s.loc[("all", "consensus vs fast"), ["alpha", "precision", "recall"]].tolist() == [1.0, 1.0, 1.0]
    assert s.loc[("all", "consensus vs vader"), "alpha"] < 1.0
    assert "coders" not in set(scores["comparison"])  # one coder


# ---------------------------------------------------------------- bad sheets

@pytest.fixture()
def issue_sheet(tables, tmp_path):
    sheet = draw(tables, unit="issue", by="frame", per_stratum=2, seed=9)
    blank = tmp_path / "blank.csv"
    coding.write_sheet(sheet, blank)
    return sheet, blank


def test_codes_outside_the_set_are_listed_by_row(issue_sheet, tmp_path):
    sheet, blank = issue_sheet
    codes = cues(sheet)
    codes[1], codes[3] = "2", "yes"
    path = code_sheet(sheet, codes, "ana", tmp_path / "ana.csv")
    with pytest.raises(ValueError, match=r"ana.csv: codes outside the allowed set \['0', '1'\] in 2 row\(s\): "
                                         r"row 3 \(issue-\w+: '2'\), row 5 \(issue-\w+: 'yes'\)"):
        coding.read_coded([path], sample=blank)


def test_empty_code_column_says_what_to_fill_in(issue_sheet, tables, tmp_path):
    sheet, blank = issue_sheet
    with pytest.raises(ValueError, match="the 'code' column is empty. For each row, write 1 in 'code' if the sentence"):
        coding.read_coded([blank])
    actor = draw(tables, unit="actor", per_stratum=1)
    coding.write_sheet(actor, tmp_path / "actor.csv")
    with pytest.raises(ValueError, match="write negative, neutral or positive"):
        coding.read_coded([tmp_path / "actor.csv"])


def test_ids_must_match_the_sample(issue_sheet, tables, tmp_path):
    sheet, blank = issue_sheet
    codes = cues(sheet)
    short = code_sheet(sheet.iloc[1:], codes[1:], "ana", tmp_path / "short.csv")
    with pytest.raises(ValueError, match=r"short.csv: the item ids do not match the sample: 1 sample item\(s\) missing"):
        coding.read_coded([short], sample=blank)
    full = code_sheet(sheet, codes, "ana", tmp_path / "full.csv")
    with pytest.raises(ValueError, match="do not match the sample"):  # against the first sheet when no sample
        coding.read_coded([full, short])
    edited = sheet.copy()
    edited.loc[2, "sent_idx"] = edited.loc[2, "sent_idx"] + 1
    bad = code_sheet(edited, codes, "ana", tmp_path / "edited.csv")
    with pytest.raises(ValueError, match=r"item_id does not match the row's \['doc_id', 'sent_idx', 'frame'\] in row 4"):
        coding.read_coded([bad], sample=blank)
    other = draw(tables, unit="issue", per_stratum=2, seed=10)
    with pytest.raises(ValueError, match="not in the sample"):
        coding.read_coded([code_sheet(other, cues(other), "ana", tmp_path / "other.csv")], sample=blank)


def test_excel_style_numbers_and_case_are_accepted(issue_sheet, tmp_path):
    sheet, blank = issue_sheet
    codes = [f"{c}.0" for c in cues(sheet)]  # what a spreadsheet may write for 1 and 0
    path = tmp_path / "excel.csv"
    sheet.assign(code=codes).to_csv(path, index=False, sep=";", encoding="utf-8-sig")
    (checked,) = coding.read_coded([path], sample=blank)
    assert checked.table["code"].tolist() == cues(sheet) and checked.coder == "excel"


# ---------------------------------------------------------------- coded sheets as training data

@pytest.fixture()
def actor_coded(tables, tmp_path):
    sheet = draw(tables, unit="actor", by="outlet", per_stratum=3, seed=6)
    labels = ["negative", "neutral", "positive"] * (len(sheet) // 3) + ["neutral"] * (len(sheet) % 3)
    return coding.read_coded([code_sheet(sheet, labels, "ana", tmp_path / "actors.xlsx")], same_items=False)


def test_training_rows_from_coded_sheets(actor_coded, tables, tmp_path):
    extra = coding.training_data(actor_coded)
    assert list(extra.columns) == ["text", "start", "end", "label"] and len(extra) == len(actor_coded[0].table)
    by_id = actor_coded[0].table.set_index("item_id")
    spans = [t[a:b] for t, a, b in extra[["text", "start", "end"]].itertuples(index=False)]
    assert sorted(spans) == sorted(by_id["mention"])
    pd.testing.assert_frame_equal(extra, coding.training_data(actor_coded))  # same codes, same rows, same hash
    generic = draw(tables, unit="generic", by="frame", per_stratum=2, seed=1)
    path = code_sheet(generic, ["1", "0"] * 5, "ana", tmp_path / "generic.csv")
    docs = coding.training_data(coding.read_coded([path]))
    assert list(docs.columns) == ["ID", "text", *frames.FRAMES] and docs["ID"].is_unique
    assert docs[list(frames.FRAMES)].isna().any(axis=None)  # frames a document was not coded for stay unknown
    issue = draw(tables, unit="issue", per_stratum=1)
    with pytest.raises(ValueError, match="cue lexicon, which is not trained"):
        coding.training_data(coding.read_coded([code_sheet(issue, cues(issue), "a", tmp_path / "i.csv")]))


def test_the_shipped_fast_model_records_the_pinned_training_file():
    meta = models.metadata("fast")
    assert meta["inputs"]["data/external/newsmtsc/train.jsonl"] == (
        "fb80ff05993dd59016c36abefaa7bd00d77cb0cb38a781c1f9edd9ad7c61471e")


@pytest.fixture()
def small_train(tmp_path):
    path = tmp_path / "train.jsonl"
    lines = actors.NEWSMTSC_TRAIN.read_text(encoding="utf-8").splitlines()[:250]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return functools.partial(actors.train_fast, path, folds=2, grid=(1.0,))


def test_retraining_with_coded_units_gets_its_own_model(actor_coded, small_train, tmp_path, monkeypatch):
    monkeypatch.setattr(actors, "train_fast", small_train)  # a small model: the test is about the cache
    extra = coding.training_data(actor_coded)
    cache = tmp_path / "models"
    shipped = {p.name: p.read_bytes() for p in models.SHIPPED_DIR.iterdir()}
    coded = actors.fast_model(extra=extra, cache_dir=cache)
    coded_file = models.coded_path("fast", extra, cache_dir=cache)
    assert "-coded-" in coded_file.name and coded_file.is_file() and coded_file.with_suffix(".npz").is_file()
    assert not list(cache.glob("*.pkl"))  # an artefact like the shipped ones, not a pickle
    assert {p.name: p.read_bytes() for p in models.SHIPPED_DIR.iterdir()} == shipped  # the shipped model is untouched
    assert artefacts.read_metadata(coded_file)["extra"] == {"rows": len(extra), "sha256": actors.extra_digest(extra)}
    again = actors.fast_model(extra=extra, cache_dir=cache)  # the second call loads the cache
    probe = pd.DataFrame({"text": extra["text"], "start": extra["start"], "end": extra["end"]})
    assert np.array_equal(coded.predict_proba(probe), again.predict_proba(probe))
    other = extra.assign(label=extra["label"].iloc[::-1].to_numpy())
    assert models.coded_path("fast", other, cache_dir=cache) != coded_file  # other codes, other key
    assert not np.allclose(actors.fast_model().predict_proba(probe), coded.predict_proba(probe))
    assert set(coded.cv_scores) == set(small_train()[0].cv_scores)  # scored on the same gold folds


def test_generic_cv_keeps_coded_documents_out_of_test_folds(tables, tmp_path, monkeypatch):
    full = frames.load_frames_gold()
    rare = [full[full[c]].head(9) for c in ("HI", "MO", "EC")]  # enough of each frame for the inner folds
    gold = pd.concat([full.head(8), *rare]).drop_duplicates("ID").reset_index(drop=True)
    sheet = draw(tables, unit="generic", by="frame", per_stratum=2, seed=1)
    extra = coding.training_data(coding.read_coded([code_sheet(sheet, ["1", "0"] * 5, "a", tmp_path / "g.csv")]))
    rng = np.random.default_rng(0)  # stand-in features: the test is about the folds, not the encoder
    X, X_extra = rng.normal(size=(len(gold), 12)), rng.normal(size=(len(extra), 12))
    fitted = []
    fit = frames.GenericFrameModel.fit
    monkeypatch.setattr(frames.GenericFrameModel, "fit", lambda self, X, labels: fitted.append(len(X)) or fit(self, X, labels))
    scores = frames.cross_validate_generic(gold, folds=2, X=X, extra=extra, X_extra=X_extra)
    assert scores["n"] == len(gold)  # figures on gold articles only
    half = [len(gold) - len(gold) // 2, len(gold) // 2]
    assert sorted(fitted) == sorted(h + len(extra) for h in half)  # coded documents join every training fold
    assert extra[list(frames.FRAMES)].isna().any(axis=None)  # and frames they were not coded for are left out


def test_cli_sample_agreement_and_train(tables, tmp_path, capsys, monkeypatch, small_train):
    from framing.cli import main

    out = tmp_path / "actors.xlsx"
    assert main(["-q", "sample", "--unit", "actor", "--by", "outlet", "--per-stratum", "2", "--actor-mode", "fast",
                 "--out", str(out)]) == 0
    assert "stratified by outlet" in capsys.readouterr().out
    sheet = coding.read_sheet(out)
    fast = coding.automatic_codes(sheet, measures=["fast"])["fast"]
    code_sheet(sheet, fast.tolist(), "ana", tmp_path / "ana.xlsx")
    assert main(["agreement", str(tmp_path / "ana.xlsx"), "--sample", str(out), "--measures", "fast",
                 "--resamples", "100", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores[0]["comparison"] == "consensus vs fast" and scores[0]["alpha"] == 1.0
    monkeypatch.setattr(models, "INTERIM_DIR", tmp_path)
    monkeypatch.setattr(actors, "train_fast", small_train)
    assert main(["train", "fast", "--coded", str(tmp_path / "ana.xlsx")]) == 0
    summary = json.loads(capsys.readouterr().out)["fast"]
    assert summary["cv_scores_default"] == models.get("fast").cv_scores  # the shipped model, beside the coded one
    assert summary["cv_scores"].keys() == small_train()[0].cv_scores.keys()
    assert "-coded-" in summary["model_file"] and summary["coded_units"] == len(sheet)
    assert main(["train", "roles", "--coded", str(tmp_path / "ana.xlsx")]) == 2
    assert "cannot train the roles model" in capsys.readouterr().err


# ---------------------------------------------------------------- voice and stance units on hand-made tables

# rt: d1, d2; sott: d3, d4 (d4 a quoted document, a quoted block); d5 a copy of d1. One mention per sentence:
# key → (actor, the attribution voice in the table, ana's code, ben's code)
MENTIONS = {
    ("d1", 0): ("maduro", "author", "author", "author"),
    ("d1", 1): ("putin", "author", "quoted", "quoted"),
    ("d2", 0): ("lavrov", "quoted", "quoted", "quoted"),
    ("d2", 1): ("pompeo", "reported", "reported", "author"),  # the coders tie: no consensus
    ("d3", 0): ("maduro", "author", "author", "author"),
    ("d3", 1): ("trump", "reported", "reported", "reported"),
    ("d4", 0): ("bolton", "reported", "author", "author"),
    ("d4", 1): ("rubio", "quoted", "quoted", "quoted"),
}


def handmade_tables(*, voice=True, stance=True):
    docs = [("d1", "rt", "author", None), ("d2", "rt", "author", None), ("d3", "sott", "author", None),
            ("d4", "sott", "quoted", None), ("d5", "rt", "author", "d1")]
    documents = pd.DataFrame([{"doc_id": d, "outlet": o, "voice": v, "duplicate_of": dup, "title": f"Title {d}",
                               "text": "..."} for d, o, v, dup in docs])
    names = actors.ActorRegistry.load().names
    sentences, mentions = [], []
    for d, _, _, _ in docs:
        for i in (0, 1):
            actor, own, _, _ = MENTIONS[("d1" if d == "d5" else d, i)]
            name = names[actor].split()[-1]
            sentences.append({"doc_id": d, "sent_idx": i, "text": f"On day {i}, {name} spoke about {d}."})
            start = len(f"On day {i}, ")
            mentions.append({"doc_id": d, "sent_idx": i, "char_start": start, "char_end": start + len(name),
                             "actor": actor, "mention": name, "actor_label": "neutral", "voice": own})
    hits = pd.DataFrame({"doc_id": ["d1", "d1", "d3", "d4", "d5"], "sent_idx": [0, 1, 0, 1, 0],
                         "frame": ["coup-regime-change", "oil-resources", "coup-regime-change", "economic-war-sanctions",
                                   "coup-regime-change"], "cues": "x",
                         "stance": pd.array(["used", "reported", "rebutted", None, "used"], dtype="string")})
    mentions = pd.DataFrame(mentions).astype({"voice": "string"})
    return dataclasses.replace(pipeline.empty_tables(), documents=documents, sentences=pd.DataFrame(sentences),
                               actor_mentions=mentions if voice else mentions.drop(columns="voice"),
                               issue_frame_sentences=hits if stance else hits.drop(columns="stance"))


def by_key(pool, *cols):
    return {(d, int(i)): v for d, i, v in pool[["doc_id", "sent_idx", *cols]].itertuples(index=False)}


def test_voice_and_stance_fall_back_when_the_tables_lack_the_columns():
    with_cols = handmade_tables()
    pool = coding.candidate_units(with_cols, "voice")
    assert "d5" not in set(pool["doc_id"])  # a copy is not coded twice
    own = {k: v[1] for k, v in MENTIONS.items()}
    assert by_key(pool, "automatic") == own  # the mention's own voice (d4's quoted and reported kept)
    # no voice column (tables written before the attribution layer): the document's voice
    bare = coding.candidate_units(handmade_tables(voice=False), "voice")
    assert by_key(bare, "automatic") == {k: "quoted" if k[0] == "d4" else "author" for k in MENTIONS}
    # an empty voice takes the document's; the author's voice of a quoted document is the quoted source's
    mentions = with_cols.actor_mentions.copy()
    mentions.loc[[0, 6], "voice"] = pd.NA  # d1 s0, d4 s0
    mentions.loc[7, "voice"] = "author"  # d4 s1
    voices = coding.mention_voices(dataclasses.replace(with_cols, actor_mentions=mentions))
    assert voices.tolist()[:8] == ["author", "author", "quoted", "reported", "author", "reported", "quoted", "quoted"]
    # stance: an empty one, or no column at all, is "used"
    assert coding.hit_stances(with_cols).tolist() == ["used", "reported", "rebutted", "used", "used"]
    assert coding.hit_stances(handmade_tables(stance=False)).tolist() == ["used"] * 5
    stance = coding.candidate_units(handmade_tables(stance=False), "stance")
    assert len(stance) == 4 and set(stance["automatic"]) == {"used"}  # the copy d5 left out
    assert by_key(coding.candidate_units(with_cols, "stance"), "automatic") == {
        ("d1", 0): "used", ("d1", 1): "reported", ("d3", 0): "rebutted", ("d4", 1): "used"}


def code_by_key(sheet, pick):
    return [pick[(d, int(i))] for d, i in sheet[["doc_id", "sent_idx"]].itertuples(index=False)]


def test_voice_agreement_per_outlet_matches_a_hand_computation(tmp_path):
    tables = handmade_tables()
    sheet = draw(tables, unit="voice", per_stratum=10, seed=1)
    assert len(sheet) == 8 and sheet.attrs["per_stratum"] == {"rt": 4, "sott": 4} and "outlet" not in sheet
    paths = [code_sheet(sheet, code_by_key(sheet, {k: v[2] for k, v in MENTIONS.items()}), "ana", tmp_path / "a.csv"),
             code_sheet(sheet, code_by_key(sheet, {k: v[3] for k, v in MENTIONS.items()}), "ben", tmp_path / "b.csv")]
    sheets = coding.read_coded(paths)
    automatic = coding.automatic_codes(sheets[0].table, tables=tables)
    assert list(automatic) == ["attribution"]
    scores = coding.agreement(sheets, automatic=automatic).set_index(["scope", "comparison"])
    # coders: one disagreement (d2 s1: reported/author) in 8 units; 16 values: author 7, quoted 6, reported 3;
    # alpha = 1 - (n - 1) * (o_ar + o_ra) / (n^2 - sum n_c^2)
    assert scores.loc[("all", "coders"), "alpha"] == pytest.approx(1 - 15 * 2 / (16 ** 2 - (7 ** 2 + 6 ** 2 + 3 ** 2)))
    by = coding.outlet_scores(sheets, automatic=automatic, documents=tables.documents)
    assert list(by.columns) == list(coding.OUTLET_COLUMNS)
    assert by["outlet"].unique().tolist() == ["all", "rt", "sott"]  # looked up from doc_id: the sheet is blind
    got = by.set_index(["outlet", "code"])
    nan = float("nan")
    # consensus vs attribution, ties left out. rt (3 units): d1 s0 author/author, d1 s1 quoted/author, d2 s0
    # quoted/quoted; sott (4): author/author, reported/reported, author/reported, quoted/quoted
    expected = {
        ("rt", "author"): (3, 1, 2, 1 / 2, 1, 2 / 3), ("rt", "quoted"): (3, 2, 1, 1, 1 / 2, 2 / 3),
        ("rt", "reported"): (3, 0, 0, nan, nan, nan),
        ("sott", "author"): (4, 2, 1, 1, 1 / 2, 2 / 3), ("sott", "quoted"): (4, 1, 1, 1, 1, 1),
        ("sott", "reported"): (4, 1, 2, 1 / 2, 1, 2 / 3),
        ("all", "author"): (7, 3, 3, 2 / 3, 2 / 3, 2 / 3), ("all", "quoted"): (7, 3, 2, 1, 2 / 3, 4 / 5),
        ("all", "reported"): (7, 1, 2, 1 / 2, 1, 2 / 3),
        ("rt", "macro"): (3, 3, 3, 3 / 4, 3 / 4, 2 / 3),  # reported, absent on both sides, is left out
        ("sott", "macro"): (4, 4, 4, 5 / 6, 5 / 6, (2 / 3 + 1 + 2 / 3) / 3),
        ("all", "macro"): (7, 7, 7, (2 / 3 + 1 + 1 / 2) / 3, (2 / 3 + 2 / 3 + 1) / 3, (2 / 3 + 4 / 5 + 2 / 3) / 3),
    }
    for key, values in expected.items():
        row = got.loc[key, ["n_units", "n_consensus", "n_automatic", "precision", "recall", "f1"]].tolist()
        assert row == pytest.approx(list(values), nan_ok=True), key
    pooled = scores.loc[("all", "consensus vs attribution")]
    assert [pooled["n_units"], pooled["precision"], pooled["recall"], pooled["f1"]] == pytest.approx(
        [7, *expected[("all", "macro")][3:]])


def test_stance_scores_count_detector_errors_against_it(tmp_path):
    tables = handmade_tables()
    sheet = draw(tables, unit="stance", per_stratum=10, seed=2)
    assert len(sheet) == 4 and set(sheet["frame"]) == {"coup-regime-change", "oil-resources", "economic-war-sanctions"}
    coded = {("d1", 0): "used", ("d1", 1): "error", ("d3", 0): "Used", ("d4", 1): "reported"}  # case is forgiven
    (checked,) = coding.read_coded([code_sheet(sheet, code_by_key(sheet, coded), "ana", tmp_path / "s.xlsx")])
    automatic = coding.automatic_codes(checked.table, tables=tables)  # used, reported, rebutted, used (empty → used)
    by = coding.outlet_scores([checked], automatic=automatic, documents=tables.documents).set_index(["outlet", "code"])
    nan = float("nan")
    # all: used: predicted d1 s0, d4 s1, coded d1 s0, d3 s0: 1 of 2 each; reported: predicted d1 s1 (coded error),
    # coded d4 s1; rebutted: predicted d3 s0, never coded; error: coded once, never predicted
    expected = {"used": (2, 2, 1 / 2, 1 / 2, 1 / 2), "reported": (1, 1, 0, 0, 0), "rebutted": (0, 1, 0, nan, 0),
                "error": (1, 0, nan, 0, 0)}
    for code, values in expected.items():
        row = by.loc[("all", code), ["n_consensus", "n_automatic", "precision", "recall", "f1"]].tolist()
        assert row == pytest.approx(list(values), nan_ok=True), code
    assert by.loc[("all", "macro"), ["precision", "recall", "f1"]].tolist() == pytest.approx([1 / 6, 1 / 6, 1 / 8])
    assert by.loc[("rt", "macro"), "n_units"] == 2 and by.loc[("sott", "macro"), "n_units"] == 2
    assert math.isnan(by.loc[("sott", "error"), "f1"])  # no error in sott, on either side


def test_voice_and_stance_sheets_reject_bad_codes_by_row(tmp_path):
    tables = handmade_tables()
    sheet = draw(tables, unit="voice", per_stratum=10, seed=1)
    codes = ["Author"] * len(sheet)
    codes[1], codes[4] = "speaker", "1"
    path = code_sheet(sheet, codes, "ana", tmp_path / "ana.csv")
    with pytest.raises(ValueError, match=r"ana.csv: codes outside the allowed set \['author', 'quoted', 'reported'\] "
                                         r"in 2 row\(s\): row 3 \(voice-\w+: 'speaker'\), row 6 \(voice-\w+: '1'\)"):
        coding.read_coded([path])
    stance = draw(tables, unit="stance", per_stratum=10, seed=2)
    path = code_sheet(stance, ["used", "wrong", "used", "used"], "ben", tmp_path / "ben.xlsx")
    with pytest.raises(ValueError, match=r"ben.xlsx: codes outside the allowed set \['used', 'reported', 'rebutted', "
                                         r"'error'\] in 1 row\(s\): row 3 \(stance-\w+: 'wrong'\)"):
        coding.read_coded([path])
    ok = coding.read_coded([code_sheet(sheet, ["quoted"] * len(sheet), "ana", tmp_path / "ok.csv")])
    with pytest.raises(ValueError, match="voice sheets are scored against the study's tables"):
        coding.automatic_codes(ok[0].table)
    with pytest.raises(ValueError, match="voice sheets score the attribution rules, which is not trained"):
        coding.training_data(ok)


def test_cli_voice_sheet_scored_by_outlet(tables, tmp_path, capsys):
    from framing.cli import main

    out = tmp_path / "voice.xlsx"
    assert main(["-q", "sample", "--unit", "voice", "--per-stratum", "3", "--actor-mode", "fast",
                 "--out", str(out)]) == 0
    assert "stratified by outlet" in capsys.readouterr().out
    sheet = coding.read_sheet(out)
    truth = coding.automatic_codes(sheet, tables=tables)["attribution"]
    code_sheet(sheet, truth.tolist(), "ana", tmp_path / "ana.xlsx")
    assert main(["agreement", str(tmp_path / "ana.xlsx"), "--sample", str(out)]) == 2
    assert "give the corpus the sheet was drawn from (--corpus DIR)" in capsys.readouterr().err
    assert main(["-q", "agreement", str(tmp_path / "ana.xlsx"), "--sample", str(out), "--by-outlet", "--corpus",
                 "data/raw", "--actor-mode", "fast", "--resamples", "100", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["agreement"][0]["comparison"] == "consensus vs attribution"
    by = pd.DataFrame(result["by_outlet"])
    pool = coding.candidate_units(tables, "voice")
    n = sheet[["item_id"]].merge(pool, on="item_id").groupby("outlet").size()
    macro = by[by["code"] == "macro"].set_index("outlet")
    assert macro.loc["all", "n_units"] == len(sheet) and macro["n_units"].drop("all").to_dict() == n.to_dict()
    assert macro["f1"].eq(1.0).all()  # coded as the tables say
    tables.save(tmp_path / "tables")  # a run's tables instead of the corpus: the same figures
    assert main(["agreement", str(tmp_path / "ana.xlsx"), "--by-outlet", "--tables", str(tmp_path / "tables"),
                 "--resamples", "100", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == result
    assert main(["-q", "agreement", str(tmp_path / "ana.xlsx"), "--by-outlet", "--corpus", "data/raw",
                 "--actor-mode", "fast", "--resamples", "50"]) == 0
    text = capsys.readouterr().out
    assert "per outlet: precision, recall and F1" in text and all(o in text for o in n.index)


def test_headline_only_stubs_are_not_drawn_for_coders():
    """A stub (is_stub: the text is only its headline) is in no comparison, so no coding sheet draws it."""
    plain = handmade_tables()
    stubbed = dataclasses.replace(plain, documents=plain.documents.assign(
        is_stub=pd.array([False, False, True, False, False], dtype="boolean")))  # d3
    for unit in ("voice", "actor", "stance"):
        assert "d3" in set(coding.candidate_units(plain, unit)["doc_id"])  # no is_stub column: no stub
        pool = coding.candidate_units(stubbed, unit)
        assert "d3" not in set(pool["doc_id"]) and "d1" in set(pool["doc_id"])


@pytest.mark.parametrize("by,balance", [("frame", True), ("outlet", True), ("frame", False)])
def test_the_issue_draw_without_the_sentence_by_frame_pool_draws_the_sheet_the_pool_draws(seed_tables, by, balance):
    settings = coding.SampleSettings(unit="issue", by=by, per_stratum=7, seed=11, balance_automatic=balance)
    lean = coding._issue_draw(seed_tables, settings, by)
    full = coding._pool_draw(seed_tables, settings, coding.UNIT_SPECS["issue"], by)
    assert len(lean) > 20 and lean.attrs == full.attrs
    pd.testing.assert_frame_equal(lean, full)
    assert lean.to_csv(index=False) == full.to_csv(index=False)
    assert coding.draw_sample(seed_tables, settings=settings).equals(lean)
