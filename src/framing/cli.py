"""The ``framing`` command: the whole study (``run``), or its stages one by one."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from framing.config import DEFAULT_PARAMS
from framing.safeio import MIN_FREE_MB, OutputError, describe_os_error


def _run(args: argparse.Namespace) -> int:
    from framing.report import REPORT_NOTEBOOKS, run_study

    notebooks = tuple(n for n in (args.notebooks or "").split(",") if n) or REPORT_NOTEBOOKS
    unknown = sorted(set(notebooks) - set(REPORT_NOTEBOOKS))
    if unknown:
        raise ValueError(f"unknown notebooks {unknown}; the report has {list(REPORT_NOTEBOOKS)}")
    engine = None
    if any(v is not None for v in (args.engine, args.scheduler, args.build_workers, args.chunk_docs)):
        from framing.build.engine import engine_settings

        engine = engine_settings(engine=args.engine, scheduler=args.scheduler, workers=args.build_workers,
                                 chunk_docs=args.chunk_docs)
    run = run_study(corpus_dir=args.corpus, out_dir=args.out, params_file=args.params, progress=not args.quiet,
                    min_free_mb=args.min_free_mb, notebooks=notebooks, workers=args.workers,
                    cache_notebooks=not args.no_cache_validation, engine=engine)
    print(run / "report.html")
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from framing.build import pipeline

    tables = pipeline.run(args.corpus, actor_mode=args.actor_mode, use_cache=not args.no_cache,
                          progress=not args.quiet)
    out = Path(args.out)
    tables.save(out)
    docs = tables.documents
    summary = {
        "documents": int(len(docs)),
        "unique_documents": int(docs["duplicate_of"].isna().sum()),
        "sentences": int(len(tables.sentences)),
        "rejects": int(len(tables.rejects)),
        "per_outlet": {k: int(v) for k, v in docs.groupby("outlet").size().items()},
        "tables": str(out),
    }
    print(json.dumps(summary, indent=2))
    return 0


def _build(args: argparse.Namespace) -> int:
    from framing.build.engine import build_chunked, engine_settings

    settings = engine_settings(Path(args.config) if args.config else None, engine=args.engine,
                               scheduler=args.scheduler, workers=args.workers, chunk_docs=args.chunk_docs)
    summary = build_chunked(Path(args.corpus), Path(args.out), actor_mode=args.actor_mode, settings=settings,
                            cache_dir=Path(args.cache_dir) if args.cache_dir else None, use_cache=not args.no_cache,
                            features=not args.segment_only, progress=not args.quiet)
    print(json.dumps(summary.as_dict(), indent=2))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from framing.analysis import validate

    if args.measure == "all":
        table = validate.summary(recompute=True, out=Path(args.out) if args.out else None, skip=tuple(args.skip))
        print(table.to_string(index=False))
        differs = table["stored_value"].notna() & (table["stored_value"] != table["value"])
        if differs.any():
            print(f"{int(differs.sum())} figures differ from those stored with the models: run `framing train`",
                  file=sys.stderr)
            return 1
        return 0
    if args.measure == "sentiment":
        result = validate.validate_sentence_sentiment(Path(args.gold) if args.gold else validate.NYT_SNIPPETS)
    elif args.measure == "frames":
        if args.gold and not Path(args.gold).is_file():
            raise FileNotFoundError(f"gold file not found: {args.gold}")
        result = validate.validate_generic_frames(Path(args.gold) if args.gold else None, mode=args.mode)
    else:
        gold = Path(args.gold) if args.gold else validate.NEWSMTSC_DEVTEST_RW
        if not gold.is_file():
            raise FileNotFoundError(f"gold file not found: {gold}")
        result = validate.validate_actor_sentiment(gold, mode=args.mode)
    print(json.dumps(result, sort_keys=True))
    return 0


def _diff(args: argparse.Namespace) -> int:
    from framing.config import resolve
    from framing.report.runs import diff_runs, format_diff

    base = resolve(args.reports)
    runs = []
    for name in (args.run_a, args.run_b):
        path = Path(name) if Path(name).is_dir() else base / name
        if not path.is_dir():
            raise FileNotFoundError(f"run not found: {name} (give a run folder or a run id under {base})")
        runs.append(path.resolve())
    result = diff_runs(runs[0], runs[1])
    print(json.dumps(result, indent=2, default=str) if args.json else format_diff(result))
    return 0


def _sample(args: argparse.Namespace) -> int:
    from framing.build import pipeline
    from framing.handcoding import coding

    tables = pipeline.run(args.corpus, actor_mode=args.actor_mode, progress=not args.quiet)
    settings = coding.SampleSettings(unit=args.unit, by=args.by, per_stratum=args.per_stratum, seed=args.seed)
    sheet = coding.draw_sample(tables, settings=settings)
    written = coding.write_sheet(sheet, Path(args.out), unit=args.unit)
    about = sheet.attrs["sample"]
    print(f"{len(sheet)} {args.unit} units, stratified by {about['by']}, in {written[0]}"
          + (f" (codebook: {written[1]})" if len(written) > 1 else " (codebook: worksheet 'codebook')"))
    print(f"per stratum: {json.dumps(sheet.attrs['per_stratum'])}")
    print(f"coders: {coding.UNIT_SPECS[args.unit].instruction}")
    return 0


def _agreement(args: argparse.Namespace) -> int:
    from framing.build import pipeline
    from framing.handcoding import coding

    sheets = coding.read_coded(args.sheets, sample=args.sample)
    tables = None
    if args.by_outlet or sheets[0].unit in coding.FROM_TABLES:
        if args.tables:
            if not Path(args.tables).is_dir():
                raise FileNotFoundError(f"tables folder not found: {args.tables}")
            tables = pipeline.StudyTables.load(Path(args.tables))
        elif args.corpus:
            tables = pipeline.run(args.corpus, actor_mode=args.actor_mode, progress=not args.quiet)
        else:
            why = "--by-outlet looks the outlets up" if args.by_outlet else f"{sheets[0].unit} sheets are scored"
            raise ValueError(f"{why} in the study's tables: give the corpus the sheet was drawn from (--corpus DIR) "
                             "or a run's tables (--tables DIR)")
    measures = [m for m in (args.measures or "").split(",") if m] or None
    automatic = coding.automatic_codes(sheets[0].table, measures=measures, tables=tables)
    settings = coding.AgreementSettings(n_resamples=args.resamples, seed=args.seed)
    scores = coding.agreement(sheets, automatic=automatic, settings=settings)
    by_outlet = (coding.outlet_scores(sheets, automatic=automatic, documents=tables.documents)
                 if args.by_outlet and tables is not None else None)
    if args.json:
        print(json.dumps(coding.summary(scores) if by_outlet is None else
                         {"agreement": coding.summary(scores), "by_outlet": coding.summary(by_outlet)}, indent=2))
    else:
        print(scores.round(3).to_string(index=False))
        if by_outlet is not None:
            print("\nper outlet: precision, recall and F1 against the coders' consensus")
            print(by_outlet.round(3).to_string(index=False))
    return 0


def _train(args: argparse.Namespace) -> int:
    from framing import models

    names = list(models.KINDS) if args.model == "all" else [args.model]
    summary: dict[str, Any] = {}
    if not args.coded:
        out = Path(args.out) if args.out else models.SHIPPED_DIR
        for name in names:
            path = models.train(name, out)
            summary[name] = {"artefact": str(path), "validation": models.metadata(name, out)["validation"]}
        print(json.dumps(summary, indent=2, sort_keys=True))
        return 0
    from framing.features.actors import extra_digest
    from framing.handcoding import coding

    sheets = coding.read_coded(args.coded, same_items=False)
    trainable = coding.models_for(sheets)
    if args.model == "all":
        names = [n for n in models.KINDS if n in trainable]
    elif args.model not in trainable:
        rules = {"issue": "issue-frame codes score the cue lexicon", "voice": "voice codes score the attribution "
                 "rules", "stance": "stance codes score the issue-frame detector's stance rules"}
        raise ValueError(f"{sheets[0].unit} sheets cannot train the {args.model} model"
                         + (f"; they train {list(trainable)}" if trainable else
                            f" ({rules.get(sheets[0].unit, 'not trainable')}, which is not trained)"))
    extra = coding.training_data(sheets)
    for name in names:
        default = models.get(name)
        model = models.coded(name, extra)
        summary[name] = {"cv_scores_default": getattr(default, "cv_scores", {}),
                         "cv_scores": getattr(model, "cv_scores", {}),
                         "coded_units": int(extra.attrs["items"]), "coded_ties_left_out": int(extra.attrs["ties"]),
                         "coded_rows": int(len(extra)), "coded_digest": extra_digest(extra)[:12],
                         "model_file": str(models.coded_path(name, extra))}
    print(json.dumps(summary, indent=2, sort_keys=True))
    return 0


def _features(args: argparse.Namespace) -> int:
    from framing.features import registry

    if args.markdown:
        print(registry.markdown())
    else:
        listing = registry.describe()
        short = ["feature", "table", "english_only", "inputs", "measures", "validated_by"]
        print(listing.to_string(index=False) if args.wide else listing[short].to_string(index=False))
    return 0


def _notebook_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, default=None,
                        help="notebooks run at once, each in a process of its own (default: $FRAMING_WORKERS, else "
                             "one per core; 1: one after another). The run's files are the same for any number")
    parser.add_argument("--no-cache-validation", action="store_true",
                        help="execute 04_validation.ipynb even if data/interim/validation/ holds it executed with "
                             "the same code, gold data, notebook, parameters and package versions, and replace "
                             "that copy (by default it is reused, and the manifest's cached_notebooks says from "
                             "which run)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and documentation)."""
    parser = argparse.ArgumentParser(prog="framing", description=__doc__)
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv: debug)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output (stage lines, progress bars)")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="the whole study on a corpus folder: tables, notebooks, report.html")
    run.add_argument("--corpus", default=None, help="folder of raw files (default: the params file's corpus_dir)")
    run.add_argument("--out", default=None, help="folder for runs (default: reports/)")
    run.add_argument("--params", default=None,
                     help="YAML of notebook parameters (default: none, the corpus-neutral defaults; the bundled "
                          "study's are notebooks/params/default.yaml)")
    run.add_argument("--min-free-mb", type=float, default=MIN_FREE_MB,
                     help=f"free space (MiB) the output and cache folders need to start (default {MIN_FREE_MB:g})")
    run.add_argument("--notebooks", default=None,
                     help="comma-separated report notebooks to run, e.g. 01_corpus.ipynb,02_sentiment.ipynb "
                          "(default: all)")
    run.add_argument("--engine", default=None, choices=["local", "dask"],
                     help="where the build runs its chunks: local processes, or a Dask cluster (default: in this "
                          "process for corpora under 4 MB, else local processes); the tables are the same")
    run.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with "
                                                       "--engine dask; default: a LocalCluster)")
    run.add_argument("--build-workers", type=int, default=None,
                     help="processes of the local engine, or of the LocalCluster (0: the build in this process)")
    run.add_argument("--chunk-docs", type=int, default=None, help="documents per chunk of the build (default 1000)")
    _notebook_options(run)
    run.set_defaults(func=_run)

    report = sub.add_parser("report", help="the bundled study: data/raw with notebooks/params/default.yaml")
    report.add_argument("--params", default=str(DEFAULT_PARAMS), help="YAML of notebook parameters")
    _notebook_options(report)
    report.set_defaults(func=_run, corpus=None, out=None, min_free_mb=MIN_FREE_MB, notebooks=None, engine=None,
                        scheduler=None, build_workers=None, chunk_docs=None)

    ingest = sub.add_parser("ingest", help="read a corpus folder and write documents/sentences/rejects CSVs")
    ingest.add_argument("--corpus", default="data/raw", help="folder of raw files")
    ingest.add_argument("--out", default="data/processed", help="folder for the tables")
    ingest.add_argument("--no-cache", action="store_true", help="recompute even if cached")
    ingest.add_argument("--actor-mode", default="accurate", choices=["accurate", "fast"],
                        help="model for sentiment toward actors")
    ingest.set_defaults(func=_ingest)

    build = sub.add_parser("build", help="every table as Parquet parts, a chunk of documents at a time, on local "
                                         "processes or a Dask cluster (corpora of 10^5-10^7 documents)")
    build.add_argument("--corpus", default="data/raw", help="folder of raw files")
    build.add_argument("--out", default="data/processed/parts", help="folder for <table>/part-NNNNN.parquet")
    build.add_argument("--config", default=None,
                       help="YAML with engine, scheduler, workers, chunk_docs (the flags below win over it)")
    build.add_argument("--engine", default=None, choices=["local", "dask"],
                       help="local processes (default) or a Dask cluster")
    build.add_argument("--scheduler", default=None,
                       help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster)")
    build.add_argument("--workers", type=int, default=None,
                       help="local processes, or LocalCluster workers (default 2; 0: in this process)")
    build.add_argument("--chunk-docs", type=int, default=None, help="documents per chunk (default 1000)")
    build.add_argument("--actor-mode", default="accurate", choices=["accurate", "fast"])
    build.add_argument("--cache-dir", default=None,
                       help="cache of parsed files and chunks (default data/interim/engine)")
    build.add_argument("--no-cache", action="store_true", help="compute every chunk, read and write no cache")
    build.add_argument("--segment-only", action="store_true",
                       help="documents, sentences, rejects and files only (no feature tables)")
    build.set_defaults(func=_build)

    val = sub.add_parser("validate", help="score a measure against gold data; prints one JSON object ('all': "
                                          "every figure of the report's validation table, recomputed)")
    val.add_argument("measure", choices=["sentiment", "actors", "frames", "all"],
                     help="sentence sentiment, sentiment toward actors, generic frames, or all: every model retrained "
                          "and cross-validated again from the gold files (minutes), beside the stored figures")
    val.add_argument("--gold", default=None,
                     help="gold file: VADER ground-truth TSV, NewsMTSC-format JSONL, or a TSV like articles_dev.tsv")
    val.add_argument("--mode", default="accurate", choices=["accurate", "fast"],
                     help="model: actor sentiment, or generic frames (fast: TF-IDF + cues, no MiniLM)")
    val.add_argument("--out", default=None, metavar="DIR",
                     help="with 'all': keep the retrained artefacts in DIR (to compare with the shipped ones)")
    val.add_argument("--skip", nargs="+", default=[], metavar="MODEL",
                     help="with 'all': models not retrained, their stored figures shown (accurate: about 15 "
                          "minutes of CPU to fine-tune)")
    val.set_defaults(func=_validate)

    diff = sub.add_parser("diff", help="what changed between two runs: documents, measures beyond CIs, findings")
    diff.add_argument("run_a", help="the earlier run (folder, or run id under --reports)")
    diff.add_argument("run_b", help="the later run (folder, run id, or 'latest')")
    diff.add_argument("--reports", default="reports", help="folder of runs (default: reports/)")
    diff.add_argument("--json", action="store_true", help="print JSON instead of text")
    diff.set_defaults(func=_diff)

    feats = sub.add_parser("features", help="the registered features: their tables, inputs and the measures they "
                           "offer to comparisons (FRAMING_FEATURES and framing.features entry points included)")
    feats.add_argument("--markdown", action="store_true", help="the README's feature-table listing, as Markdown")
    feats.add_argument("--wide", action="store_true", help="every column: columns, sort keys, versions")
    feats.set_defaults(func=_features)

    sample = sub.add_parser("sample", help="a blind, seeded, stratified coding sheet (CSV or XLSX) with its codebook")
    sample.add_argument("--corpus", default="data/raw", help="folder of raw files")
    sample.add_argument("--out", default="coding_sheet.csv",
                        help="sheet to write: .xlsx (codebook in a second worksheet) or .csv (codebook beside it)")
    sample.add_argument("--unit", default="issue", choices=["issue", "generic", "actor", "voice", "stance"],
                        help="what is coded: issue frames of sentences (1/0), generic frames of documents (1/0), "
                             "sentiment toward actor mentions (negative/neutral/positive), who says the words about "
                             "an actor mention (voice: author/quoted/reported), or the stance of an issue-frame hit "
                             "(stance: used/reported/rebutted/error)")
    sample.add_argument("--by", default=None, choices=["outlet", "frame", "actor"],
                        help="strata drawn equally (default: frame for issue, generic and stance units, actor for "
                             "actor units, outlet for voice units)")
    sample.add_argument("--per-stratum", "--per-frame", dest="per_stratum", type=int, default=20,
                        help="units per stratum, split evenly across the automatic labels (default 20)")
    sample.add_argument("--seed", type=int, default=20190123)
    sample.add_argument("--actor-mode", default="accurate", choices=["accurate", "fast"])
    sample.set_defaults(func=_sample)

    agreement = sub.add_parser("agreement", help="Krippendorff's alpha with bootstrap CIs, precision and recall, "
                                                 "from coded sheets")
    agreement.add_argument("sheets", nargs="+", help="coded copies of a sheet from `framing sample`, one per coder")
    agreement.add_argument("--sample", default=None, help="the blank sheet they were copied from (checks the ids)")
    agreement.add_argument("--measures", default=None,
                           help="automatic measures, comma-separated (issue: cues; generic: model; actor: "
                                "accurate,fast,vader; voice: attribution; stance: stance; default: cues, model, "
                                "accurate,fast, attribution, stance)")
    agreement.add_argument("--by-outlet", action="store_true",
                           help="also precision, recall and F1 of each measure against the consensus per outlet "
                                "(looked up from doc_id in the study's tables: give --corpus or --tables)")
    agreement.add_argument("--corpus", default=None,
                           help="folder of raw files the sheet was drawn from (its tables are built or read from "
                                "the cache); needed for --by-outlet and for voice and stance sheets")
    agreement.add_argument("--tables", default=None, metavar="DIR",
                           help="a run's tables folder (as `framing ingest` or `framing run` writes it), instead "
                                "of --corpus")
    agreement.add_argument("--actor-mode", default="accurate", choices=["accurate", "fast"],
                           help="with --corpus: the tables' actor mode (as given to `framing sample`; the voice "
                                "and stance codes are the same in both)")
    agreement.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples of units")
    agreement.add_argument("--seed", type=int, default=20190123, help="seed of the bootstrap")
    agreement.add_argument("--json", action="store_true")
    agreement.set_defaults(func=_agreement)

    train = sub.add_parser("train", help="rebuild the shipped model artefacts from data/external (fixed seeds); "
                                          "prints their validation figures")
    train.add_argument("model", nargs="?", default="all", choices=["all", "accurate", "fast", "roles", "frames",
                                                                     "frames-fast"])
    train.add_argument("--out", default=None, metavar="DIR",
                       help="where to write the artefacts (default: the package's framing/models/shipped/)")
    train.add_argument("--coded", nargs="+", default=None, metavar="SHEET",
                       help="coded sheets to add to the gold training data (actor sheets: fast, accurate; generic "
                            "sheets: frames); the model is cached in data/interim/models, the shipped one is left "
                            "as it is; prints CV scores without and with them")
    train.set_defaults(func=_train)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``framing`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except OutputError as exc:  # found before any work: an output folder that cannot be used
        print(f"framing: error: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, PermissionError, ValueError) as exc:
        print(f"framing: error: {describe_os_error(exc) if isinstance(exc, OSError) else exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a write that failed during the run: disk full, file too large, read-only
        print(f"framing: run failed: {describe_os_error(exc)}", file=sys.stderr)
        return 1
    except RuntimeError as exc:
        print(f"framing: run failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
