"""Scoring a model on labelled data: the evaluation report."""

__all__ = ["EvaluationReport", "evaluate"]

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from ..errors import DataError, OutputError, Problem
from ..model.scores import scope_scores
from ..vocabulary import NONE, OUT_OF_SCOPE, intent_label


@dataclass
class EvaluationReport:
    """Metrics of one model on one dataset, with per-intent scores and the mistakes."""

    metrics: dict
    per_intent: pd.DataFrame
    confusion: pd.DataFrame
    by_language: pd.DataFrame
    misclassified: pd.DataFrame
    predictions: pd.DataFrame = field(repr=False)
    #: ``{flag: metrics}`` of the examples with that flag (e.g. the ``sure`` subset).
    subsets: dict = field(default_factory=dict)
    #: From :func:`nlu.reports.robustness.robustness_report`, when asked for.
    robustness: pd.DataFrame | None = None

    def to_frame(self):
        """Per-intent precision, recall, F1 and support (one row per intent)."""
        return self.per_intent.copy()

    def to_dict(self):
        return {
            "metrics": self.metrics,
            "per_intent": _records(self.per_intent.reset_index()),
            "by_language": _records(self.by_language.reset_index()),
            "confusion_matrix": {"labels": list(self.confusion.columns),
                                 "matrix": self.confusion.values.tolist()},
            "misclassified": _records(self.misclassified),
            "subsets": self.subsets,
            "robustness": None if self.robustness is None else _records(self.robustness),
        }

    def write(self, directory):
        """Write report.json, report.md and confusion_matrix.png into ``directory``."""
        directory = Path(directory)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            (directory / "report.json").write_text(
                json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", "utf-8")
            (directory / "report.md").write_text(self.to_markdown(), "utf-8")
            import matplotlib.pyplot as plt

            figure = self.plot_confusion().figure
            figure.savefig(directory / "confusion_matrix.png", dpi=110, bbox_inches="tight")
            plt.close(figure)
        except OSError as exc:
            raise OutputError(f"{directory}: cannot write the report: {exc.strerror}") from exc
        return directory

    def to_markdown(self):
        m = self.metrics
        lines = ["# Evaluation report", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {_fmt(v)} |" for k, v in m.items()]
        for name, metrics in self.subsets.items():
            lines += ["", f"## Subset: {name} ({metrics['n_examples']} examples)", "",
                      "| metric | value |", "|---|---|"]
            lines += [f"| {k} | {_fmt(v)} |" for k, v in metrics.items()]
        if self.robustness is not None:
            lines += ["", "## Robustness (in-scope messages rewritten)", "",
                      _table(self.robustness)]
        lines += ["", "## Per language", "", _table(self.by_language.reset_index()),
                  "", "## Per intent", "", _table(self.per_intent.reset_index()),
                  "", "## Confusion matrix (rows: expected, columns: predicted)", "",
                  _table(self.confusion.reset_index().rename(columns={"index": "expected"})),
                  "", f"## Misclassified ({len(self.misclassified)})", ""]
        if len(self.misclassified):
            lines.append(_table(self.misclassified))
        return "\n".join(lines) + "\n"

    def plot_confusion(self, ax=None):
        """A heatmap of the confusion matrix (matplotlib Axes)."""
        import matplotlib.pyplot as plt

        if ax is None:
            size = 3 + 0.45 * len(self.confusion)
            _, ax = plt.subplots(figsize=(size + 1, size))
        values = self.confusion.values
        image = ax.imshow(values, cmap="Blues")
        ax.set_xticks(range(len(values)), self.confusion.columns, rotation=90)
        ax.set_yticks(range(len(values)), self.confusion.index)
        ax.set_xlabel("predicted")
        ax.set_ylabel("expected")
        for (i, j), count in np.ndenumerate(values):
            if count:
                ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                        color="white" if count > values.max() / 2 else "black")
        ax.figure.colorbar(image, ax=ax, fraction=0.046)
        return ax


def evaluate(model, dataset, batch_size=256, unknown_labels="error", subsets=()):
    """Predict every example of ``dataset`` and score the predictions.

    Out-of-scope examples (label None) count as right when the model gives no intent.
    Route accuracy is reported when the model or the data defines routes.

    Parameters
    ----------
    unknown_labels : "error" or "wrong"
        A label the model does not know is a data error (a typo, the wrong column), or,
        comparing models with different intents, simply a message it gets wrong.
    subsets : sequence of str
        Flags (true columns of a table file, e.g. ``sure``) whose examples are also
        scored apart, in :attr:`EvaluationReport.subsets`.

    Raises
    ------
    DataError
        Listing the examples whose label the model does not know.
    """
    if not len(dataset):
        raise DataError([Problem("<data>", None, "no examples to evaluate")])
    known = set(model.labels)
    unknown = [Problem(e.path or "<data>", e.line, f"label {e.intent!r} is not an intent of "
                       "the model") for e in dataset.examples
               if e.intent is not None and e.intent not in known]
    if unknown and unknown_labels == "error":
        raise DataError(unknown)
    missing = [flag for flag in subsets if not any(flag in e.flags for e in dataset.examples)]
    if missing:
        raise DataError([Problem(dataset.examples[0].path or "<data>", None,
                                 f"no example is flagged {flag!r} (a column that is true)")
                         for flag in missing])
    texts = dataset.texts
    predictions = []
    for start in range(0, len(texts), batch_size):
        predictions += model.predict(texts[start:start + batch_size])
    routes = {**model.intent_routes, **dataset.intent_routes}
    frame = pd.DataFrame({
        "text": texts,
        "expected": [intent_label(e.intent) for e in dataset.examples],
        "predicted": [intent_label(p.intent) for p in predictions],
        "top_intent": [p.ranking[0].intent for p in predictions],
        "confidence": [p.confidence for p in predictions],
        "fallback": [p.fallback for p in predictions],
        "lang": [e.lang or p.lang for e, p in zip(dataset.examples, predictions)],
        "expected_route": [e.route or routes.get(e.intent) for e in dataset.examples],
        "predicted_route": [p.route for p in predictions],
    })
    frame["correct"] = frame.expected == frame.predicted
    return EvaluationReport(
        metrics=_metrics(frame, has_routes=bool(routes)),
        per_intent=_per_intent(frame),
        confusion=_confusion(frame),
        by_language=_by_language(frame),
        misclassified=frame.loc[~frame.correct, ["text", "expected", "predicted", "confidence",
                                                  "fallback", "lang"]].reset_index(drop=True),
        predictions=frame,
        subsets={flag: _metrics(frame[[flag in e.flags for e in dataset.examples]],
                                has_routes=bool(routes)) for flag in subsets},
    )


def _metrics(frame, has_routes):
    in_scope = frame.expected != OUT_OF_SCOPE
    labels = sorted(set(frame.expected) | set(frame.predicted))
    _, _, f1, _ = precision_recall_fscore_support(frame.expected, frame.predicted, labels=labels,
                                                  average="macro", zero_division=0)
    metrics = {
        "n_examples": int(len(frame)),
        "n_in_scope": int(in_scope.sum()),
        "n_out_of_scope": int((~in_scope).sum()),
        "accuracy": float(frame.correct.mean()),
        "macro_f1": float(f1),
        **_scope(frame),
    }
    if has_routes:
        expected = frame.expected_route.fillna(NONE)
        metrics["route_accuracy"] = float((expected == frame.predicted_route.fillna(NONE))
                                          .mean())
    return metrics


def _scope(frame):
    scores = scope_scores(frame.expected, frame.predicted, frame.top_intent)
    order = ("in_scope_accuracy", "in_scope_top1_accuracy", "in_scope_false_reject",
             "out_of_scope_recall")
    return {name: scores[name] for name in order}


def _per_intent(frame):
    labels = sorted(set(frame.expected) | set(frame.predicted))
    p, r, f, s = precision_recall_fscore_support(frame.expected, frame.predicted, labels=labels,
                                                 zero_division=0)
    table = pd.DataFrame({"precision": p, "recall": r, "f1": f, "support": s},
                         index=pd.Index(labels, name="intent"))
    return table.round(4)


def _confusion(frame):
    labels = sorted(set(frame.expected) | set(frame.predicted))
    matrix = confusion_matrix(frame.expected, frame.predicted, labels=labels)
    return pd.DataFrame(matrix, index=labels, columns=labels)


def _by_language(frame):
    rows = []
    for lang, group in frame.groupby("lang"):
        scores = _scope(group)
        rows.append({"lang": lang, "n": len(group), "accuracy": group.correct.mean(),
                     "in_scope_accuracy": scores["in_scope_accuracy"],
                     "out_of_scope_recall": scores["out_of_scope_recall"]})
    return pd.DataFrame(rows).set_index("lang").round(4)


def _records(frame):
    """Rows as dicts with missing values as None: JSON has no NaN."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def _fmt(value):
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _table(frame):
    columns = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in frame.itertuples(index=False):
        cells = [_fmt(v).replace("|", "\\|").replace("\n", " ") for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
