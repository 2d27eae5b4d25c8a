"""The figures every report gives, defined once: how a model does in scope and out of scope.

The classifier gives them on its held-out predictions at training time
(``cv_metrics_``), evaluation reports on test data, the threshold sweep per threshold.
"""

__all__ = ["scope_scores"]

import numpy as np

from ..vocabulary import intent_from_label


def scope_scores(expected, predicted, top=None):
    """In-scope and out-of-scope figures of predictions against labels.

    Parameters
    ----------
    expected, predicted : sequences of str or None
        The right intent and the answered intent of each message; no intent (an
        out-of-scope label, or a prediction that fell back) is None, NaN or any spelling
        of :data:`~nlu.vocabulary.OUT_OF_SCOPE`.
    top : sequence of str, optional
        The most probable intent of each message, whether answered or not.

    Returns
    -------
    dict
        ``in_scope_accuracy`` (in-scope messages answered with the right intent),
        ``in_scope_false_reject`` (in-scope messages with no answer),
        ``out_of_scope_recall`` (out-of-scope messages with no answer) and, with ``top``,
        ``in_scope_top1_accuracy``; a figure is None when the data has no message of its
        kind.

    >>> scope_scores(["a", "b", None, None], ["a", None, None, "a"])
    {'in_scope_accuracy': 0.5, 'in_scope_false_reject': 0.5, 'out_of_scope_recall': 0.5}
    """
    expected = np.asarray([intent_from_label(e) for e in expected], dtype=object)
    predicted = np.asarray([intent_from_label(p) for p in predicted], dtype=object)
    in_scope = np.array([e is not None for e in expected], dtype=bool)
    rejected = np.array([p is None for p in predicted], dtype=bool)
    scores = {
        "in_scope_accuracy": _share(~rejected & (predicted == expected), in_scope),
        "in_scope_false_reject": _share(rejected, in_scope),
        "out_of_scope_recall": _share(rejected, ~in_scope),
    }
    if top is not None:
        top = np.asarray(list(top), dtype=object)
        scores["in_scope_top1_accuracy"] = _share(top == expected, in_scope)
    return scores


def _share(hits, mask):
    return float(np.mean(hits[mask])) if mask.any() else None
