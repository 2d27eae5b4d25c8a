"""Promoting a candidate model: compare it with the current one on the same test data, and
move the ``models/current`` link when it is not worse."""

__all__ = ["Promotion", "compare_models", "promote", "COMPARED"]

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..model.artifacts import load_model, point_link
from ..reports.evaluation import evaluate

#: The metrics shown side by side; ``accuracy`` (in-scope and out-of-scope) decides.
COMPARED = ("accuracy", "macro_f1", "in_scope_accuracy", "in_scope_false_reject",
            "out_of_scope_recall", "route_accuracy")


@dataclass
class Promotion:
    """The evaluation of a candidate and of the current model (None: there is none yet)."""

    candidate: object
    current: object | None
    max_drop: float

    @property
    def refusals(self):
        """Why the candidate may not replace the current model; empty when it may.

        It may when there is no current model, or when it routes wherever the current
        model does and its accuracy is at most ``max_drop`` below the current model's.
        """
        if self.current is None:
            return []
        refusals = []
        if "route_accuracy" in self.current.metrics and \
                "route_accuracy" not in self.candidate.metrics:
            refusals.append("the current model routes and the candidate cannot (it was "
                            "trained without the YAML that declares the routes)")
        candidate, current = self.candidate.metrics["accuracy"], self.current.metrics["accuracy"]
        if candidate < current - self.max_drop:
            refusals.append(f"the candidate's accuracy {candidate:.4f} is more than "
                            f"{self.max_drop:g} below the current model's {current:.4f}")
        return refusals

    @property
    def accepted(self):
        return not self.refusals

    def to_frame(self):
        """Both models' metrics side by side, with the difference (the candidate's alone
        when there is no current model)."""
        current = self.current.metrics if self.current is not None else {}
        rows = {m: (current.get(m), self.candidate.metrics.get(m))
                for m in COMPARED if m in self.candidate.metrics}
        frame = pd.DataFrame(rows, index=["current", "candidate"]).T.astype(float)
        frame["difference"] = frame.candidate - frame.current
        return frame


def compare_models(candidate_dir, current_dir, dataset, max_drop=0.01):
    """Evaluate the candidate and, when ``current_dir`` exists, the current model on
    ``dataset``; see :attr:`Promotion.refusals`.

    Raises
    ------
    ArtifactError
        Either artifact cannot be loaded (a broken candidate is never promoted).
    """
    def report(path):
        return evaluate(load_model(path), dataset, unknown_labels="wrong")

    current = report(current_dir) if Path(current_dir).exists() else None
    return Promotion(report(candidate_dir), current, max_drop)


def promote(promotion, candidate_dir, link):
    """Point ``link`` (models/current) at the candidate when it was accepted."""
    if promotion.accepted:
        point_link(link, candidate_dir)
    return promotion.accepted
