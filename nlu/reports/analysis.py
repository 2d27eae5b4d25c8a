"""Analyses behind the notebooks: near-duplicate examples, threshold sweeps, confused pairs.

Each function takes library objects (a Dataset, an NLUModel, a frame from a report or the
review queue) and returns a pandas DataFrame, so a notebook cell is one call.
"""

__all__ = ["near_duplicates", "sweep_thresholds", "choose_threshold", "confused_pairs"]

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from ..model.fallback import Thresholds, rank
from ..model.scores import scope_scores
from ..text.normalize import Normalizer
from ..vocabulary import OUT_OF_SCOPE, intent_label

#: Default thresholds of :func:`sweep_thresholds`: 0.00, 0.02, ..., 0.98.
SWEEP_THRESHOLDS = np.round(np.arange(0.0, 1.0, 0.02), 2)
_BLOCK = 2000  # rows of the similarity matrix computed at once


def near_duplicates(dataset, threshold=0.8, across_intents=True, ngram_range=(3, 5)):
    """Pairs of examples whose normalized texts are nearly the same.

    Texts are normalized (slang expanded, digits collapsed; see
    :class:`nlu.text.normalize.Normalizer`), then compared by the cosine similarity of their
    character n-gram TF-IDF vectors. Pairs labelled with different intents are the ones
    that confuse a model: it is shown the same message with two answers.

    Parameters
    ----------
    dataset : Dataset
    threshold : float
        Smallest cosine similarity reported (1.0: the same message after normalization).
    across_intents : bool
        Report only pairs whose intents differ (out-of-scope counts as its own label).
    ngram_range : tuple of int
        Character n-gram sizes (within word boundaries).

    Returns
    -------
    DataFrame
        One row per pair, most similar first: ``similarity``, ``text_a``, ``intent_a``,
        ``text_b``, ``intent_b``, ``source_a``, ``source_b``; ``intent_*`` is missing for
        out-of-scope examples, and ``intent_a`` sorts before ``intent_b`` (out-of-scope
        last).
    """
    columns = ["similarity", "text_a", "intent_a", "text_b", "intent_b", "source_a",
               "source_b"]
    examples = dataset.examples
    if len(examples) < 2:
        return pd.DataFrame(columns=columns)
    normalize = Normalizer()
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, sublinear_tf=True) \
        .fit_transform([normalize(e.text) for e in examples])
    labels = np.array([intent_label(e.intent) for e in examples], dtype=object)
    pairs = []
    for start in range(0, len(examples), _BLOCK):
        block = (vectors[start:start + _BLOCK] @ vectors.T).tocoo()
        rows, cols, sims = block.row + start, block.col, block.data
        keep = (cols > rows) & (sims >= threshold - 1e-9)
        if across_intents:
            keep &= labels[rows] != labels[cols]
        pairs += zip(sims[keep], rows[keep], cols[keep])
    # Each pair reads in label order, so that grouping by (intent_a, intent_b) counts
    # both orders of the same two intents together.
    order = [(e.intent is None, e.intent or "") for e in examples]
    pairs = [(s, j, i) if order[i] > order[j] else (s, i, j) for s, i, j in pairs]
    records = [(round(min(float(s), 1.0), 4), examples[i].text, examples[i].intent,
                examples[j].text, examples[j].intent, examples[i].location,
                examples[j].location) for s, i, j in pairs]
    frame = pd.DataFrame(records, columns=columns)
    return frame.sort_values("similarity", ascending=False, kind="stable") \
        .reset_index(drop=True)


def sweep_thresholds(model, dataset, thresholds=None, margin=None):
    """Score ``model`` on ``dataset`` at each confidence threshold, without retraining.

    The probabilities are computed once; each threshold then decides the same way
    :meth:`nlu.model.model.NLUModel.predict` does (see :func:`nlu.model.fallback.decide`).

    Parameters
    ----------
    model : NLUModel
    dataset : Dataset
        Labelled messages; label None marks an out-of-scope message.
    thresholds : sequence of float, optional
        Default: 0.00 to 0.98 by 0.02.
    margin : float, optional
        Ambiguity margin held fixed during the sweep; the model's own by default.

    Returns
    -------
    DataFrame
        One row per threshold: ``threshold``, ``margin``, ``accuracy`` (all messages
        answered right, out-of-scope ones by falling back), ``in_scope_accuracy``
        (answered with the right intent), ``out_of_scope_recall`` (out-of-scope messages
        that fell back) and ``in_scope_false_reject`` (in-scope messages that fell back).
        The two out-of-scope columns are NaN when the data has none of that kind.
    """
    thresholds = SWEEP_THRESHOLDS if thresholds is None else np.asarray(thresholds, float)
    margin = model.thresholds.margin if margin is None else float(margin)
    level = model.thresholds.out_of_scope
    ranked = rank(model.predict_proba(dataset.texts), model.classes, OUT_OF_SCOPE)
    best = np.array(model.classes, dtype=object)[ranked.top]
    expected = [e.intent for e in dataset.examples]
    rows = []
    for threshold in thresholds:
        reasons = ranked.reasons(Thresholds(float(threshold), margin, level))
        answered = [None if reason else intent for intent, reason in zip(best, reasons)]
        scores = scope_scores(expected, answered)
        correct = [a == e for a, e in zip(answered, expected)]
        rows.append({
            "threshold": round(float(threshold), 4),
            "margin": margin,
            "accuracy": float(np.mean(correct)) if correct else np.nan,
            **{name: np.nan if scores[name] is None else scores[name] for name in (
                "in_scope_accuracy", "out_of_scope_recall", "in_scope_false_reject")},
        })
    return pd.DataFrame(rows)


def choose_threshold(sweep, max_false_reject=0.05):
    """The threshold of a sweep with the best accuracy that rejects few in-scope messages.

    Among the rows of ``sweep`` (from :func:`sweep_thresholds`) whose
    ``in_scope_false_reject`` is at most ``max_false_reject``, those with the highest
    ``accuracy`` tie; the median of their thresholds wins (the lower one of an even
    count), which keeps away from both ends of a plateau where a little change in the
    data flips messages. When no row is that selective, the rows rejecting the fewest
    in-scope messages compete instead.

    >>> sweep = pd.DataFrame({"threshold": [0.1, 0.3, 0.5, 0.7],
    ...                       "accuracy": [0.9, 0.95, 0.95, 0.97],
    ...                       "in_scope_false_reject": [0.0, 0.02, 0.04, 0.1]})
    >>> choose_threshold(sweep)
    0.3
    """
    if sweep.empty:
        raise ValueError("the sweep has no rows")
    feasible = sweep[sweep.in_scope_false_reject.fillna(0.0) <= max_false_reject]
    if feasible.empty:
        feasible = sweep[sweep.in_scope_false_reject == sweep.in_scope_false_reject.min()]
    best = feasible[feasible.accuracy >= feasible.accuracy.max() - 1e-12]
    thresholds = np.sort(best.threshold.to_numpy())
    return float(thresholds[(len(thresholds) - 1) // 2])


def confused_pairs(frame, expected="expected", predicted="predicted", text="text"):
    """The (predicted, expected) pairs of the mistakes in ``frame``, most frequent first.

    Works on :attr:`EvaluationReport.predictions <nlu.reports.evaluation.EvaluationReport>` as is,
    and on :meth:`ReviewQueue.records_frame <nlu.feedback.queue.ReviewQueue.records_frame>` with
    ``expected="label", predicted="intent"``. Missing intents (out-of-scope or fallback)
    read as ``"out_of_scope"``.

    Returns
    -------
    DataFrame
        ``predicted``, ``expected``, ``count`` and ``texts`` (the messages behind the pair,
        a list: ``.explode("texts")`` gives one row per message).
    """
    columns = ["predicted", "expected", "count", "texts"]
    pairs = pd.DataFrame({"predicted": frame[predicted].fillna(OUT_OF_SCOPE),
                          "expected": frame[expected].fillna(OUT_OF_SCOPE),
                          "text": frame[text]})
    wrong = pairs[pairs.predicted != pairs.expected]
    if wrong.empty:
        return pd.DataFrame(columns=columns)
    grouped = wrong.groupby(["predicted", "expected"], sort=False).text \
        .agg(count="size", texts=list).reset_index()
    return grouped.sort_values(["count", "predicted", "expected"],
                               ascending=[False, True, True], kind="stable") \
        .reset_index(drop=True)[columns]
