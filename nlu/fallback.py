"""Confidence decisions: when to answer with an intent and when to fall back.

Pure functions of the probabilities, so thresholds change without retraining.
"""

__all__ = ["Thresholds", "decide", "choose_thresholds", "FALLBACK_REASONS"]

from dataclasses import dataclass

import numpy as np

FALLBACK_REASONS = ("low_confidence", "ambiguous", "out_of_scope")


@dataclass(frozen=True)
class Thresholds:
    """``threshold``: minimum top-intent probability; ``margin``: minimum gap to the second."""

    threshold: float = 0.0
    margin: float = 0.0


def decide(proba, classes, thresholds, oos_label=None):
    """Decide each row of ``proba``: ``(top intent index, reason or None)``.

    Parameters
    ----------
    proba : array of shape (n, n_classes)
    classes : sequence of str
        Column labels; ``oos_label`` (if present) is the out-of-scope class.
    thresholds : Thresholds

    Returns
    -------
    top : array of int
        The column of the most probable real intent (never the out-of-scope class).
    reasons : list of str or None

    >>> top, why = decide(np.array([[.5, .45, .05], [.9, .05, .05]]), ["a", "b", "c"],
    ...                   Thresholds(0.4, 0.1))
    >>> top.tolist(), why
    ([0, 0], ['ambiguous', None])
    """
    proba = np.asarray(proba, dtype=float)
    classes = list(classes)
    intents = proba.copy()
    oos = classes.index(oos_label) if oos_label in classes else None
    if oos is not None:
        intents[:, oos] = -np.inf
    order = np.argsort(-intents, axis=1)
    top = order[:, 0]
    rows = np.arange(len(proba))
    first = intents[rows, top]
    second = intents[rows, order[:, 1]] if intents.shape[1] > 1 else np.zeros(len(proba))
    second = np.where(np.isfinite(second), second, 0.0)
    reasons = np.full(len(proba), None, dtype=object)
    reasons[first - second < thresholds.margin] = "ambiguous"
    reasons[first < thresholds.threshold] = "low_confidence"
    if oos is not None:
        reasons[proba.argmax(axis=1) == oos] = "out_of_scope"
    return top, reasons.tolist()


def choose_thresholds(proba, classes, y_true, oos_label=None, max_false_reject=0.04,
                      min_oos_share=0.2, thresholds=np.arange(0.0, 0.91, 0.02),
                      margins=np.arange(0.0, 0.31, 0.02)):
    """Choose the threshold and margin that make the fewest mistakes on held-out predictions.

    A mistake is an in-scope message answered wrongly or rejected, or an out-of-scope
    message answered. Rejecting a message that would have been answered wrongly costs a
    little less than answering it wrongly (telling the customer beats misrouting them).
    Among choices that reject at most ``max_false_reject`` of the in-scope messages
    (when any does), the cheapest wins; ties go to the lowest threshold and margin.

    Training data often holds few out-of-scope examples while real traffic holds many:
    out-of-scope mistakes are weighed as if they were at least ``min_oos_share`` of the
    messages.

    Parameters
    ----------
    proba : array of shape (n, n_classes)
        Held-out (cross-validated) probabilities.
    classes : sequence of str
    y_true : sequence of str
        True labels; ``oos_label`` marks out-of-scope messages.
    """
    proba = np.asarray(proba, dtype=float)
    classes = list(classes)
    y_true = np.asarray(y_true, dtype=object)
    in_scope = y_true != oos_label
    n_in = max(int(in_scope.sum()), 1)
    n_out = int((~in_scope).sum())
    oos_weight = max(1.0, min_oos_share / (1 - min_oos_share) * n_in / n_out) if n_out else 1.0
    top, reasons = decide(proba, classes, Thresholds(), oos_label)
    always_rejected = np.array([r == "out_of_scope" for r in reasons])
    right = np.array(classes, dtype=object)[top] == y_true
    intents = proba.copy()
    if oos_label in classes:
        intents[:, classes.index(oos_label)] = -np.inf
    ranked = -np.sort(-intents, axis=1)
    first = ranked[:, 0]
    second = np.where(np.isfinite(ranked[:, 1]), ranked[:, 1], 0.0) if ranked.shape[1] > 1 \
        else np.zeros(len(first))
    best, best_key = Thresholds(), None
    for t in thresholds:
        for m in margins:
            rejected = always_rejected | (first < t) | (first - second < m)
            cost = (np.sum(in_scope & rejected & right)
                    + 0.9 * np.sum(in_scope & rejected & ~right)
                    + np.sum(in_scope & ~rejected & ~right)
                    + oos_weight * np.sum(~in_scope & ~rejected))
            feasible = np.sum(in_scope & rejected) / n_in <= max_false_reject
            key = (not feasible, round(float(cost), 6), t, m)
            if best_key is None or key < best_key:
                best, best_key = Thresholds(round(float(t), 4), round(float(m), 4)), key
    return best
