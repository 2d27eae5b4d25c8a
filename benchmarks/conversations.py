"""The conversation measures (``python -m benchmarks.conversations``): how often a model's
predictions lead the assistant to ask which intent is meant, and how often the suggestions
it offers hold the true intent, on the evaluation sets; and the frustration detector's
precision and recall on its labelled messages. One JSON report on stdout.

``--held-out-folds N`` adds what the clarification ceiling trades on held-out predictions
of the training data (N models, each trained without the fold it predicts): the data the
policy's ceiling is chosen on, never the test sets.

Developer tooling, run from a checkout; every figure comes from a library call
(:func:`nlu.assistant.clarification.measure_clarification`,
:func:`nlu.assistant.frustration.measure`).
"""

__all__ = ["run", "main"]

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from nlu.assistant.clarification import (
    ClarificationPolicy,
    measure_clarification,
    sweep_ceilings,
)
from nlu.assistant.frustration import load_frustration_detector, measure, read_labelled_messages
from nlu.assistant.router import load_router
from nlu.data.readers import load_dataset
from nlu.errors import DataError, NLUError, Problem
from nlu.model.artifacts import load_model
from nlu.reports.heldout import held_out_predictions

from .server import ROOT

DEFAULT_SETS = [ROOT / "data" / "test_id.jsonl", ROOT / "data" / "test_informal_id.jsonl"]
#: Real customers' reviews (evaluation only, never copied here): measured when present.
REAL_DEV = ROOT.parent / "shared" / "benchmarks" / "real_reviews_dev" / "dev.jsonl"
DEFAULT_LABELLED = [ROOT / "data" / "frustration_dev.jsonl",
                    ROOT / "data" / "frustration_test.jsonl"]
DEFAULT_TRAIN = ROOT / "data" / "intents_id.yaml"
CEILINGS = (0.5, 0.6, 0.7, 0.8, 0.9)


def run(model_dir, sets=None, held_out_folds=0, train_path=DEFAULT_TRAIN):
    """The report: ``{"model", "policy", "clarification": {set: figures},
    "frustration": {set: figures}}``, and ``"held_out"`` (the ceiling sweep on held-out
    predictions of ``train_path``, the model's profile) when ``held_out_folds``."""
    if sets is None:
        sets = DEFAULT_SETS + ([REAL_DEV] if REAL_DEV.is_file() else [])
    # Read and checked first: the sweep comes last, after every set is measured.
    training = _training_data(train_path, held_out_folds) if held_out_folds else None
    model = load_model(model_dir)
    policy = ClarificationPolicy.for_router(
        load_router(ROOT / "data" / "routes.yaml", model.intent_routes))
    clarification = {}
    for path in sets:
        dataset = load_dataset(path, require_examples=False)
        predictions = model.predict(dataset.texts)
        clarification[str(path.name)] = measure_clarification(predictions, dataset.labels,
                                                              policy)
    detector = load_frustration_detector()
    frustration = {}
    for path in DEFAULT_LABELLED:
        result = measure(detector, read_labelled_messages(path))
        frustration[str(path.name)] = {k: v for k, v in result.items() if k != "errors"} | {
            "misjudged": [e["text"] for e in result["errors"]]}
    report = {"model": str(model_dir), "profile": model.profile,
              "thresholds": vars(model.thresholds),
              "policy": vars(policy), "clarification": clarification,
              "frustration": frustration}
    if training is not None:
        predictions, intents = held_out_predictions(training, model.profile,
                                                    folds=held_out_folds)
        report["held_out"] = {"data": str(train_path), "folds": held_out_folds,
                              "ceilings": sweep_ceilings(predictions, intents, CEILINGS,
                                                         policy)}
    return report


def _training_data(path, folds):
    """The training data at ``path``, if it can be split into ``folds`` stratified folds:
    at least one intent (out of scope counts as one) needs ``folds`` examples.

    Raises
    ------
    DataError
        The data is invalid, or no intent has ``folds`` examples.
    """
    dataset = load_dataset(path)
    most = max(Counter(dataset.labels).values())
    if folds > most:
        raise DataError([Problem(str(path), None, f"--held-out-folds {folds}: no intent has "
                                 f"that many examples (the most is {most}, out of scope "
                                 "included); choose fewer folds")])
    return dataset


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.conversations",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "current"),
                        help="the artifact to measure (default: models/current)")
    parser.add_argument("--held-out-folds", type=int, default=0, metavar="N",
                        help="also sweep the clarification ceiling on held-out predictions "
                             "of the training data (N folds; 0: skip)")
    parser.add_argument("--train", default=str(DEFAULT_TRAIN),
                        help="the training data for --held-out-folds")
    args = parser.parse_args(argv)
    if args.held_out_folds == 1 or args.held_out_folds < 0:
        parser.error("--held-out-folds: 0 (skip) or at least 2")
    try:
        report = run(args.model, held_out_folds=args.held_out_folds,
                     train_path=Path(args.train))
    except NLUError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
