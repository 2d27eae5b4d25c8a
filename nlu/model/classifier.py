"""The intent classifier: a linear model with temperature-calibrated probabilities and
confidence thresholds learned from cross-validated predictions, and the Pipeline around it."""

__all__ = ["IntentClassifier", "make_pipeline", "novel_share", "PROFILES"]

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from ..vocabulary import OUT_OF_SCOPE, PROFILES
from .fallback import choose_thresholds, decide
from .features import make_tfidf
from .scores import scope_scores

#: The share of in-scope messages each profile may reject on held-out training data.
#: Chosen on real customers' messages (README, "Choosing the defaults"): the encoder's
#: features separate the intents well enough that a stricter limit keeps more of them.
MAX_FALSE_REJECT = {"accurate": 0.02, "fast": 0.04}


class IntentClassifier(ClassifierMixin, BaseEstimator):
    """A linear model whose decision scores become probabilities through a softmax
    temperature.

    ``fit`` runs a stratified cross-validation: the held-out scores fit the temperature
    and choose the out-of-scope level, the confidence threshold and the ambiguity margin
    (see :func:`nlu.model.fallback.choose_thresholds`), then the model is refit on all the
    data.

    Out-of-scope examples count as well as never-seen messages in proportion to how thin
    they are (:func:`novel_share`): a taxonomy with few out-of-scope examples will meet
    real out-of-scope messages unlike any of them; one with many has seen their kinds.

    Parameters
    ----------
    C : float
        Regularization of the LinearSVC.
    cv : int
        Folds for the held-out predictions (fewer when a class has fewer examples).
    oos_label : str
        The label of out-of-scope training examples.
    max_false_reject : float
        Share of in-scope messages the chosen thresholds may reject on held-out data.
    random_state : int

    Attributes
    ----------
    classes_, temperature_, thresholds_, novel_share_, cv_metrics_
    """

    def __init__(self, C=0.5, cv=5, oos_label=OUT_OF_SCOPE,
                 max_false_reject=MAX_FALSE_REJECT["fast"], random_state=0):
        self.C = C
        self.cv = cv
        self.oos_label = oos_label
        self.max_false_reject = max_false_reject
        self.random_state = random_state

    def _estimator(self):
        return LinearSVC(C=self.C, random_state=self.random_state)

    def fit(self, X, y):
        y = np.asarray(y, dtype=object)
        self.classes_ = np.unique(y.astype(str)).astype(object)
        if len(self.classes_) < 2:
            raise ValueError("an intent classifier needs at least two labels")
        held_out = self._held_out_scores(X, y)
        self.temperature_ = _fit_temperature(held_out, y, self.classes_)
        proba = softmax(held_out / self.temperature_, axis=1)
        self.novel_share_ = novel_share(y, self.oos_label)
        self.thresholds_ = choose_thresholds(proba, self.classes_, y, self.oos_label,
                                             self.max_false_reject,
                                             novel_share=self.novel_share_)
        self.cv_metrics_ = _cv_metrics(proba, self.classes_, y, self.oos_label, self.thresholds_)
        self.model_ = self._estimator().fit(X, y)
        return self

    def _held_out_scores(self, X, y):
        smallest = min(np.unique(y, return_counts=True)[1])
        folds = StratifiedKFold(max(2, min(self.cv, smallest)), shuffle=True,
                                random_state=self.random_state)
        scores = np.zeros((X.shape[0], len(self.classes_)))
        for train, test in folds.split(np.zeros(len(y)), y):
            model = self._estimator().fit(X[train], y[train])
            columns = np.searchsorted(self.classes_, model.classes_)
            # A fold missing a class (tiny data) leaves that column very unlikely.
            scores[test] = -10.0
            scores[np.ix_(test, columns)] = _scores(model, X[test])
        return scores

    def decision_function(self, X):
        check_is_fitted(self, "model_")
        return _scores(self.model_, X)

    def predict_proba(self, X):
        return softmax(self.decision_function(X) / self.temperature_, axis=1)

    def predict(self, X):
        scores = self.decision_function(X)  # first: raises NotFittedError before fit
        return self.classes_[scores.argmax(axis=1)]


def novel_share(y, oos_label, rich=5.0):
    """How much the out-of-scope examples should also count as never-seen messages.

    1 when there are no more out-of-scope examples than an average intent has, 0 when
    there are ``rich`` times as many or more, linear between.

    >>> novel_share(["a"] * 100 + ["b"] * 100 + ["oos"] * 100, "oos")
    1.0
    >>> novel_share(["a"] * 100 + ["b"] * 100 + ["oos"] * 300, "oos")
    0.5
    >>> novel_share(["a"] * 100 + ["oos"] * 900, "oos")
    0.0
    """
    y = np.asarray(y, dtype=object)
    out = int(np.sum(y == oos_label))
    intents = len(set(y.tolist()) - {oos_label})
    if not out or not intents:
        return 0.0
    ratio = out / ((len(y) - out) / intents)
    return float(np.clip((rich - ratio) / (rich - 1.0), 0.0, 1.0))


def _scores(svm, X):
    """The LinearSVC's decision scores, one column per class (its ``decision_function``
    without the per-call checks, a third of a one-message prediction)."""
    scores = np.asarray(X @ svm.coef_.T) + svm.intercept_
    if scores.shape[1] == 1:  # binary: one column
        scores = np.column_stack([-scores[:, 0], scores[:, 0]])
    return scores


def _fit_temperature(scores, y, classes):
    index = np.searchsorted(classes, y)

    def nll(log_t):
        return -log_softmax(scores / np.exp(log_t), axis=1)[np.arange(len(y)), index].mean()

    result = minimize_scalar(nll, bounds=(-5.0, 3.0), method="bounded")
    return float(np.exp(result.x))


def _cv_metrics(proba, classes, y, oos_label, thresholds):
    top, reasons = decide(proba, classes, thresholds, oos_label)
    best = np.asarray(classes, dtype=object)[top]
    expected = [None if label == oos_label else label for label in y]
    answered = [None if reason else intent for intent, reason in zip(best, reasons)]
    return {"n_examples": int(len(y)), **scope_scores(expected, answered, best)}


def make_pipeline(profile="accurate", embedding_model=None, random_state=0):
    """Build the unfitted classifier Pipeline for a profile.

    ``fast``: TF-IDF word and char n-grams -> :class:`IntentClassifier`.
    ``accurate``: the same TF-IDF concatenated with multilingual-e5-small sentence
    embeddings (:class:`~nlu.model.e5.E5Embedder`, no torch), or with the
    sentence-transformers model ``embedding_model`` when one is given
    (:class:`~nlu.model.embeddings.SentenceEmbedder`), into the same classifier with a
    stricter limit on rejected in-scope messages (:data:`MAX_FALSE_REJECT`).
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r} (expected one of {', '.join(PROFILES)})")
    features = make_tfidf()
    if profile == "accurate":
        if embedding_model is None:
            from .e5 import E5Embedder

            embedder = E5Embedder()
        else:
            from .embeddings import SentenceEmbedder

            embedder = SentenceEmbedder(embedding_model)
        features = FeatureUnion([("tfidf", features), ("embedding", embedder)])
    classifier = IntentClassifier(max_false_reject=MAX_FALSE_REJECT[profile],
                                  random_state=random_state)
    return Pipeline([("features", features), ("classifier", classifier)])
