"""Confidence decisions: when to answer with an intent and when to fall back.

Two questions, asked of the probabilities in turn: is the message out of scope (the
out-of-scope class's probability reaches ``out_of_scope``), and if not, which intent is it
(the intents' probabilities given that the message is in scope, that is renormalized
without the out-of-scope class, must reach ``threshold`` and lead the second by
``margin``). Pure functions of the probabilities, so thresholds change without retraining.
"""

__all__ = ["Thresholds", "Ranked", "rank", "decide", "choose_thresholds"]

from dataclasses import dataclass

import numpy as np

#: The grids :func:`choose_thresholds` searches.
THRESHOLDS = np.round(np.arange(0.0, 0.91, 0.02), 2)
MARGINS = np.round(np.arange(0.0, 0.31, 0.02), 2)
OUT_OF_SCOPE_LEVELS = np.array([0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 1.01])


@dataclass(frozen=True)
class Thresholds:
    """``threshold``: minimum probability of the top intent given the message is in scope;
    ``margin``: minimum gap to the second; ``out_of_scope``: the out-of-scope class's
    probability from which a message is out of scope (above 1: never by the class)."""

    threshold: float = 0.0
    margin: float = 0.0
    out_of_scope: float = 0.5


@dataclass(frozen=True)
class Ranked:
    """Per row: the most probable real intent (``top``, a column), the probabilities of the
    first two intents given the message is in scope (``first``, ``second``) and the
    out-of-scope class's probability (``p_out_of_scope``, 0 without such a class).

    ``margin`` (``first - second``) is the ambiguity the margin threshold looks at.
    """

    top: np.ndarray
    first: np.ndarray
    second: np.ndarray
    p_out_of_scope: np.ndarray

    @property
    def margin(self):
        return self.first - self.second

    def reasons(self, thresholds):
        """The fallback reason of each row under ``thresholds`` (None: answer)."""
        reasons = np.full(len(self.top), None, dtype=object)
        reasons[self.margin < thresholds.margin] = "ambiguous"
        reasons[self.first < thresholds.threshold] = "low_confidence"
        reasons[self.p_out_of_scope >= thresholds.out_of_scope] = "out_of_scope"
        return reasons.tolist()


def rank(proba, classes, oos_label=None):
    """:class:`Ranked` for each row of ``proba`` (columns: ``classes``).

    >>> ranked = rank(np.array([[.5, .3, .2], [.1, .2, .7]]), ["a", "b", "oos"], "oos")
    >>> ranked.top.tolist(), ranked.first.round(3).tolist(), ranked.p_out_of_scope.tolist()
    ([0, 1], [0.625, 0.667], [0.2, 0.7])
    """
    proba = np.asarray(proba, dtype=float)
    classes = list(classes)
    intents = proba.copy()
    oos = classes.index(oos_label) if oos_label in classes else None
    if oos is not None:
        p_oos = proba[:, oos].copy()
        intents[:, oos] = 0.0
        intents /= np.maximum(intents.sum(axis=1, keepdims=True), 1e-12)
        intents[:, oos] = -np.inf
    else:
        p_oos = np.zeros(len(proba))
    order = np.argsort(-intents, axis=1)
    top = order[:, 0]
    rows = np.arange(len(proba))
    first = intents[rows, top]
    second = intents[rows, order[:, 1]] if intents.shape[1] > 1 else np.zeros(len(proba))
    second = np.where(np.isfinite(second), second, 0.0)
    return Ranked(top, first, second, p_oos)


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
                      min_oos_share=0.2, novel_share=0.0):
    """Choose the out-of-scope level, threshold and margin that make the fewest mistakes on
    held-out predictions.

    A mistake is an in-scope message answered wrongly or rejected, or an out-of-scope
    message answered. Rejecting a message that would have been answered wrongly costs a
    little less than answering it wrongly (telling the customer beats misrouting them).
    Among choices that reject at most ``max_false_reject`` of the in-scope messages
    (when any does), the cheapest wins; ties go to the lowest threshold and margin and
    the most lenient out-of-scope level.

    Training data often holds fewer out-of-scope examples than real traffic: out-of-scope
    mistakes are weighed as if they were at least ``min_oos_share`` of the messages. And
    real out-of-scope messages may be unlike every out-of-scope example: each one also
    counts, with weight ``novel_share``, as a message never seen (the out-of-scope class
    gives it nothing; only the threshold and the margin can reject it).

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
    weights = np.where(in_scope, 1.0, oos_weight * (1 - novel_share))
    p_oos = ranked.p_out_of_scope
    if novel_share and n_out:  # the out-of-scope rows again, as never seen
        extra = ~in_scope
        weights = np.concatenate([weights, np.full(n_out, oos_weight * novel_share)])
        p_oos = np.concatenate([p_oos, np.zeros(n_out)])
        ranked = Ranked(np.concatenate([ranked.top, ranked.top[extra]]),
                        np.concatenate([ranked.first, ranked.first[extra]]),
                        np.concatenate([ranked.second, ranked.second[extra]]), p_oos)
        right = np.concatenate([right, right[extra]])
        in_scope = np.concatenate([in_scope, np.zeros(n_out, bool)])
    t, m = THRESHOLDS[:, None, None], MARGINS[None, :, None]
    base = (ranked.first < t) | (ranked.margin < m)  # (thresholds, margins, rows)
    best, best_key = Thresholds(), None
    for level in OUT_OF_SCOPE_LEVELS:
        rejected = base | (p_oos >= level)
        cost = (((in_scope & rejected & right) + 0.9 * (in_scope & rejected & ~right)
                 + (in_scope & ~rejected & ~right) + (~in_scope & ~rejected)) * weights).sum(-1)
        rejects = (in_scope & rejected).sum(-1) / n_in
        for i, threshold in enumerate(THRESHOLDS):
            for j, margin in enumerate(MARGINS):
                key = (rejects[i, j] > max_false_reject, round(float(cost[i, j]), 6),
                       threshold, margin, -level)
                if best_key is None or key < best_key:
                    best_key = key
                    best = Thresholds(float(threshold), float(margin), float(level))
    return best
