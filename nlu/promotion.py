"""Promoting a candidate model: compare it with the current one on the same test data."""

__all__ = ["Promotion", "compare_models", "promote"]

from dataclasses import dataclass

import pandas as pd

from .artifacts import load_model, point_link
from .evaluation import evaluate

#: The metrics shown side by side; ``accuracy`` (in-scope and out-of-scope) decides.
COMPARED = ("accuracy", "macro_f1", "in_scope_accuracy", "in_scope_false_reject",
            "out_of_scope_recall", "route_accuracy")


@dataclass
class Promotion:
    candidate: object
    current: object
    max_drop: float

    @property
    def accepted(self):
        """The candidate is not worse than the current model by more than ``max_drop``,
        and routes wherever the current model does."""
        if "route_accuracy" in self.current.metrics and \
                "route_accuracy" not in self.candidate.metrics:
            return False
        return self.candidate.metrics["accuracy"] >= self.current.metrics["accuracy"] \
            - self.max_drop

    def to_frame(self):
        """Both models' metrics side by side, with the difference."""
        rows = {m: (self.current.metrics.get(m), self.candidate.metrics.get(m))
                for m in COMPARED if m in self.candidate.metrics}
        frame = pd.DataFrame(rows, index=["current", "candidate"]).T
        frame["difference"] = frame.candidate - frame.current
        return frame


def compare_models(candidate_dir, current_dir, dataset, max_drop=0.01):
    """Evaluate both artifacts on ``dataset``; see :attr:`Promotion.accepted`."""
    return Promotion(evaluate(load_model(candidate_dir), dataset, unknown_labels="wrong"),
                     evaluate(load_model(current_dir), dataset, unknown_labels="wrong"), max_drop)


def promote(promotion, candidate_dir, link):
    """Point ``link`` (models/current) at the candidate when it was accepted."""
    if promotion.accepted:
        point_link(link, candidate_dir)
    return promotion.accepted
