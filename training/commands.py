"""The commands of ``nlu``: each parses nothing and decides nothing, it calls the library
and prints. Errors are the library's exceptions; :func:`training.cli.main` maps them to
exit statuses."""

import json
import sys
from pathlib import Path

from nlu.errors import DataError, NLUError, OutputError, Problem

DEFAULT_PROFILE = "accurate"  # chosen by `make eval` on data/test_id.yaml (see README)
CHECKOUT = Path(__file__).resolve().parents[1]
BANKING77_DIRS = (Path("../shared/benchmarks/banking77"),
                  CHECKOUT.parent / "shared" / "benchmarks" / "banking77")

__all__ = ["UsageError", "DEFAULT_PROFILE"]


class UsageError(NLUError):
    """Bad command-line input (exit status 2)."""


def _load_data(args, require_examples=True):
    from nlu.data import readers

    dataset = readers.load_dataset(args.data, text_column=args.text_column,
                                   label_column=args.label_column,
                                   require_examples=require_examples, prefer=args.prefer)
    _print_warnings(dataset.warnings)
    return dataset


def _print_warnings(warnings, limit=20):
    for problem in warnings[:limit]:
        print(f"warning: {problem}", file=sys.stderr)
    if len(warnings) > limit:
        print(f"warning: ... and {len(warnings) - limit} more warnings", file=sys.stderr)


def train(args):
    from nlu.model import artifacts
    from nlu.model.model import train as train_model

    if Path(args.out).exists():
        raise UsageError(f"{args.out}: already exists; artifacts are never overwritten")
    artifacts.check_writable(args.out)  # now, not after the whole training run
    dataset = _load_data(args)
    fitted = train_model(dataset, profile=args.profile, embedding_model=args.embedding_model)
    path = artifacts.save_model(fitted, args.out)
    if args.link:
        artifacts.point_link(args.link, path)
    summary = {"artifact": str(path), "profile": fitted.profile, "examples": len(dataset),
               "intents": len(fitted.labels), "training_seconds": fitted.training_seconds,
               "thresholds": vars(fitted.thresholds), "cv_metrics": fitted.metrics}
    print(json.dumps(summary, indent=2))


def predict(args):
    from nlu.data import readers
    from nlu.model import artifacts

    if (args.text is None) == (args.input is None):
        raise UsageError("give either one message or --input FILE")
    if args.text is not None and not args.text.strip():
        raise UsageError("empty text")
    loaded = artifacts.load_model(args.model)
    options = dict(threshold=args.threshold, margin=args.margin)
    with_route = bool(loaded.intent_routes)
    if args.text is not None:
        prediction = loaded.predict([args.text], **options)[0]
        print(json.dumps(prediction.to_dict(with_route), ensure_ascii=False))
        return
    if args.output is None:
        raise UsageError("--input needs --output FILE (or '-' for stdout)")
    batches = readers.iter_texts(args.input, text_column=args.text_column,
                                 batch_size=args.batch_size)
    output = sys.stdout if args.output == "-" else _open_output(args.output)
    try:
        for batch in batches:
            for prediction in loaded.predict(batch, **options):
                output.write(json.dumps(prediction.to_dict(with_route), ensure_ascii=False)
                             + "\n")
    finally:
        if output is not sys.stdout:
            output.close()


def score(args):
    from nlu.scoring import score_logs

    summary = score_logs(args.model, args.input, args.output, scheduler=args.scheduler,
                         text_column=args.text_column, batch_size=args.batch_size,
                         connect_timeout=args.scheduler_timeout)
    print(json.dumps({**vars(summary), "messages_per_s": round(
        summary.rows / summary.seconds, 1) if summary.seconds else None}, indent=2))


def _open_output(path):
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None


def evaluate(args):
    from nlu.model import artifacts
    from nlu.reports import evaluation
    from nlu.reports.robustness import robustness_report

    loaded = artifacts.load_model(args.model).with_thresholds(args.threshold, args.margin)
    dataset = _load_data(args, require_examples=False)
    report = evaluation.evaluate(loaded, dataset, subsets=args.subset)
    if args.robustness:
        report.robustness = robustness_report(loaded, dataset)
    report.write(args.report)
    figures = report.to_dict()
    print(json.dumps({k: figures[k] for k in ("metrics", "subsets", "robustness")}, indent=2,
                     ensure_ascii=False))
    print(f"report written to {args.report}/report.md", file=sys.stderr)


def benchmark_banking77(args):
    from nlu.reports import benchmark

    folder = Path(args.dir) if args.dir else next(
        (d for d in BANKING77_DIRS if (d / "train.csv").is_file()), None)
    if folder is None or not (folder / "train.csv").is_file():
        raise DataError([Problem(str(folder or BANKING77_DIRS[0]), None,
                                 "no train.csv/test.csv for banking77 (use --dir)")])
    results = benchmark.run_benchmark(folder / "train.csv", folder / "test.csv",
                                      profiles=args.profile or ("fast", "accurate"),
                                      label_column="category")
    print(json.dumps({"benchmark": "banking77", "profiles": results}, indent=2))


def benchmark_http(args):
    """The checkout's HTTP benchmark (benchmarks/http.py): developer tooling, not installed."""
    if not (CHECKOUT / "benchmarks" / "http.py").is_file():
        raise UsageError("the HTTP benchmark is developer tooling in the repository's "
                         "benchmarks/ folder; run `make bench` from a checkout")
    if str(CHECKOUT) not in sys.path:
        sys.path.insert(0, str(CHECKOUT))
    from benchmarks.http import main

    return main(args.options)


def serve(args):
    from serve.launch import run_server

    options = {"model_dir": args.model, "domain_dir": args.domain, "host": args.host,
               "port": args.port, "workers": args.workers}
    run_server({k: v for k, v in options.items() if v is not None})


def _open_store(url, must_exist=False):
    from nlu.feedback.store import Store

    if must_exist and url.startswith("sqlite:///") and \
            not Path(url.removeprefix("sqlite:///")).exists():
        raise UsageError(f"--db {url}: no such database file")
    store = Store(url)
    store.migrate()
    return store


def add_lead(args):
    from nlu.feedback.store import check_lead_name

    name = check_lead_name(args.name)  # before the database is opened; as stored: stripped
    token = _open_store(args.db).add_lead(name)
    print(f"lead {name!r} created; their token (shown once, stored hashed):\n{token}")


def list_leads(args):
    leads = _open_store(args.db, must_exist=True).list_leads()
    if not leads:
        print("no leads yet (nlu review add-lead NAME)")
        return
    import pandas as pd

    frame = pd.DataFrame(leads).set_index("name")
    # From the dicts: in the frame a missing revoked_at is NaT, which is not None.
    frame["status"] = ["active" if lead["revoked_at"] is None else "revoked" for lead in leads]
    columns = ["status", "created_at", "rotated_at", "revoked_at", "decisions", "last_decision"]
    print(frame[columns].to_string(na_rep="-"))


def revoke_lead(args):
    _open_store(args.db, must_exist=True).revoke_lead(args.name)
    print(f"lead {args.name!r} revoked: their token no longer signs in; their decisions stay")


def rotate_lead(args):
    token = _open_store(args.db, must_exist=True).rotate_lead(args.name)
    print(f"lead {args.name!r} has a new token (the old one no longer signs in; shown once, "
          f"stored hashed):\n{token}")


def review_export(args):
    from nlu.data import writers
    from nlu.feedback.exports import export_reviewed
    from nlu.feedback.queue import ReviewQueue

    queue = ReviewQueue(_open_store(args.db, must_exist=True), labels=(), intent_routes={})
    rendered = export_reviewed(queue, args.format)
    _print_warnings(rendered.warnings)
    writers.write_text(args.out, rendered.text)
    print(f"wrote {rendered.count} reviewed messages to {args.out}", file=sys.stderr)


def promote(args):
    from nlu.data import readers
    from nlu.feedback.promotion import compare_models
    from nlu.feedback.promotion import promote as move_link

    test = readers.load_dataset(args.test, require_examples=False)
    comparison = compare_models(args.candidate, args.current, test, args.max_drop)
    if comparison.current is not None:
        print(comparison.to_frame().to_string(float_format=lambda v: f"{v:.4f}"))
    if not move_link(comparison, args.candidate, args.current):
        for refusal in comparison.refusals:
            print(f"not promoted: {refusal}", file=sys.stderr)
        return 3
    first = " (there was no current model)" if comparison.current is None else ""
    print(f"promoted{first}: {args.current} -> {args.candidate} (reload the server: "
          "POST /v1/admin/reload)")


def validate(args):
    dataset = _load_data(args)
    print(f"ok: {len(dataset)} examples, {len(dataset.intents)} declared intents")
    if len(dataset):
        print(dataset.summary().to_string())


def export(args):
    from nlu.data import writers

    writers.export_dataset(_load_data(args), args.out, args.format)
    print(f"wrote {args.out}", file=sys.stderr)
