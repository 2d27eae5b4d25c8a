"""Confidence decisions: when to answer with an intent and when to fall back.

Pure functions of the probabilities, so thresholds change without retraining.
"""

__all__ = ["Thresholds", "Ranked", "rank", "decide", "choose_thresholds"]

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Thresholds:
    """``threshold``: minimum top-intent probability; ``margin``: minimum gap to the second."""

    threshold: float = 0.0
    margin: float = 0.0


@dataclass(frozen=True)
class Ranked:
    """The two most probable real intents of each row (the out-of-scope class is never
    one of them), and whether the out-of-scope class is the most probable of all.

    ``margin`` (``first - second``) is the ambiguity the margin threshold looks at.
    """

    top: np.ndarray
    first: np.ndarray
    second: np.ndarray
    out_of_scope: np.ndarray

    @property
    def margin(self):
        return self.first - self.second

    def reasons(self, thresholds):
        """The fallback reason of each row under ``thresholds`` (None: answer)."""
        reasons = np.full(len(self.top), None, dtype=object)
        reasons[self.margin < thresholds.margin] = "ambiguous"
        reasons[self.first < thresholds.threshold] = "low_confidence"
        reasons[self.out_of_scope] = "out_of_scope"
        return reasons.tolist()


def rank(proba, classes, oos_label=None):
    """:class:`Ranked` for each row of ``proba`` (columns: ``classes``).

    >>> ranked = rank(np.array([[.5, .45, .05], [.1, .2, .7]]), ["a", "b", "oos"], "oos")
    >>> ranked.top.tolist(), ranked.margin.round(2).tolist(), ranked.out_of_scope.tolist()
    ([0, 1], [0.05, 0.1], [False, True])
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
    out_of_scope = (proba.argmax(axis=1) == oos) if oos is not None \
        else np.zeros(len(proba), dtype=bool)
    return Ranked(top, first, second, out_of_scope)


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
    ranked = rank(proba, classes, oos_label)
    return ranked.top, ranked.reasons(thresholds)


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
    ranked = rank(proba, classes, oos_label)
    right = np.array(classes, dtype=object)[ranked.top] == y_true
    best, best_key = Thresholds(), None
    for t in thresholds:
        for m in margins:
            rejected = ranked.out_of_scope | (ranked.first < t) | (ranked.margin < m)
            cost = (np.sum(in_scope & rejected & right)
                    + 0.9 * np.sum(in_scope & rejected & ~right)
                    + np.sum(in_scope & ~rejected & ~right)
                    + oos_weight * np.sum(~in_scope & ~rejected))
            feasible = np.sum(in_scope & rejected) / n_in <= max_false_reject
            key = (not feasible, round(float(cost), 6), t, m)
            if best_key is None or key < best_key:
                best, best_key = Thresholds(round(float(t), 4), round(float(m), 4)), key
    return best
