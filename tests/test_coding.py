import functools
import json

import krippendorff
import numpy as np
import pandas as pd
import pytest

from framing import coding, models, pipeline
from framing.features import actors, frames
from framing.features.issue_frames import IssueCodebook
from framing.models import artefacts

CODEBOOK = IssueCodebook.load()
HIDDEN = {"automatic", "outlet", "actor_label", "frame_present", "frame_prob", "p_negative", "p_positive", "cues",
          "flagged", "stratum"}


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
     ("generic", "outlet", "outlet"), ("actor", "actor", "actor"), ("actor", "outlet", "outlet")],
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
    with pytest.raises(ValueError, match="--by frame needs frame units"):
        draw(tables, unit="actor", by="frame")


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
