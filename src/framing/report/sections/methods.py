"""Methods and validity: every measure against gold data, and the versions of the lexicons and models used."""

from __future__ import annotations

import pandas as pd

from framing.report.display import Builder
from framing.report.sections.base import section
from framing.report.study import Needs, Study

NB = "04_validation.ipynb"
NO_CORPUS = Needs(docs=0, outlets=0)  # these sections are about the measures, not the corpus


@section("validation_figures", title="Validation", notebook=NB, needs=NO_CORPUS)
def validation_figures(study: Study, show: Builder) -> None:
    """Each measure's figure on its gold data beside the published anchor."""
    from framing.analysis import validate

    figures, sources = validate.report_tables(validate.summary())
    show.table(figures, "validation", caption="Validation figures (value) beside their published anchors.")
    show.table(sources, "validation_sources", caption=(
        "Where each figure comes from (`computed`): re-scored in this run, or cross-validated by `framing train` "
        "when the shipped model was built and stored with it (`framing validate all` re-runs those from the gold "
        "files). A re-scored figure shows the stored one beside it (`stored_value`), which it must equal; the "
        "fast frames model's score on its own training file is such a check that the artefact loads as trained, "
        "not a validity figure."))
    checked = sources[sources["stored_value"].notna()]
    moved = checked[checked["value"] != checked["stored_value"]]
    if len(moved):
        show.note(f"{len(moved)} re-scored figure{'s' * (len(moved) != 1)} differ{'s' * (len(moved) == 1)} from "
                  f"the one stored with its model ({', '.join(moved['measure'].astype(str).unique()[:3])}): the "
                  "installed packages or model files are not those `framing train` used; `framing validate all` "
                  "says which.")


@section("lexicon_versions", title="Lexicons and models in this run", notebook=NB, needs=NO_CORPUS)
def lexicon_versions(study: Study, show: Builder) -> None:
    """The version and hash of every lexicon and codebook file the measures used."""
    from framing.build import pipeline
    from framing.lexicons import file_hash, lexicon_path, load_yaml

    rows = []
    for name in pipeline.LEXICON_FILES:
        path = lexicon_path(name)
        version = load_yaml(path).get("version") if path.suffix == ".yaml" else "as shipped (see its SOURCE file)"
        rows.append({"file": path.name, "version": version, "sha256": file_hash(path)[:12]})
    from framing import models

    for kind in models.KINDS:
        path = models.SHIPPED_DIR / f"{kind}.json"
        meta = models.metadata(kind)
        rows.append({"file": f"models/shipped/{path.name}", "version": f"{kind} model v{meta['model_version']} "
                     f"(framing {meta['framing_version']})", "sha256": file_hash(path)[:12]})
    show.table(pd.DataFrame(rows), caption="Lexicon, codebook and model files used by this run (SHA-256, first "
                                           "12 characters).")


@section("model_tuning", title="How the actor-sentiment models were tuned", notebook=NB, needs=NO_CORPUS)
def model_tuning(study: Study, show: Builder) -> None:
    """Cross-validated macro-F1 per candidate setting of the actor models (NewsMTSC train only)."""
    from framing import models

    chosen = models.validation("accurate")["chosen"]["epochs"]
    rows = [{"model": "accurate", "setting": k, "how": "10% hold-out of train", "macro_f1": round(v, 4),
             "chosen": k == f"epoch={chosen}"} for k, v in models.validation("accurate")["holdout_macro_f1"].items()]
    fast = models.validation("fast")
    best = max(fast["cv_macro_f1"], key=fast["cv_macro_f1"].get)
    rows += [{"model": "fast", "setting": k, "how": "5-fold CV on train", "macro_f1": round(v, 4),
              "chosen": k == best} for k, v in fast["cv_macro_f1"].items()]
    show.table(pd.DataFrame(rows), caption="Macro-F1 on NewsMTSC train per candidate setting: the accurate model "
                                           "(MiniLM fine-tuned with LoRA) after each epoch, on a seeded 10% hold-out "
                                           "it was not trained on; the fast model by 5-fold cross-validation. "
                                           "devtest_rw played no part in either choice.")
