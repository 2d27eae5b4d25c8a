"""The intent classifier: a linear model with temperature-calibrated probabilities and
confidence thresholds learned from cross-validated predictions, and the Pipeline around it."""

__all__ = ["IntentClassifier", "make_pipeline", "PROFILES"]

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from ..vocabulary import OUT_OF_SCOPE
from .fallback import choose_thresholds, decide
from .features import make_tfidf
from .scores import scope_scores

PROFILES = ("accurate", "fast")


class IntentClassifier(ClassifierMixin, BaseEstimator):
    """Linear SVM whose decision scores become probabilities through a softmax temperature.

    ``fit`` runs a stratified cross-validation: the held-out scores fit the temperature
    and choose the confidence threshold and ambiguity margin (see
    :func:`nlu.fallback.choose_thresholds`), then the model is refit on all the data.

    Parameters
    ----------
    C : float
        Inverse regularization strength of the LinearSVC.
    cv : int
        Folds for the held-out predictions (fewer when a class has fewer examples).
    oos_label : str
        The label of out-of-scope training examples.
    max_false_reject : float
        Share of in-scope messages the chosen thresholds may reject on held-out data.
    random_state : int

    Attributes
    ----------
    classes_, temperature_, thresholds_, cv_metrics_
    """

    def __init__(self, C=0.5, cv=5, oos_label=OUT_OF_SCOPE, max_false_reject=0.04,
                 random_state=0):
        self.C = C
        self.cv = cv
        self.oos_label = oos_label
        self.max_false_reject = max_false_reject
        self.random_state = random_state

    def _svm(self):
        return LinearSVC(C=self.C, random_state=self.random_state)

    def fit(self, X, y):
        y = np.asarray(y, dtype=object)
        self.classes_ = np.unique(y.astype(str)).astype(object)
        if len(self.classes_) < 2:
            raise ValueError("an intent classifier needs at least two labels")
        held_out = self._held_out_scores(X, y)
        self.temperature_ = _fit_temperature(held_out, y, self.classes_)
        proba = softmax(held_out / self.temperature_, axis=1)
        self.thresholds_ = choose_thresholds(_as_novel(proba, self.classes_, y, self.oos_label),
                                             self.classes_, y, self.oos_label,
                                             self.max_false_reject)
        self.cv_metrics_ = _cv_metrics(proba, self.classes_, y, self.oos_label, self.thresholds_)
        self.svm_ = self._svm().fit(X, y)
        return self

    def _held_out_scores(self, X, y):
        smallest = min(np.unique(y, return_counts=True)[1])
        folds = StratifiedKFold(max(2, min(self.cv, smallest)), shuffle=True,
                                random_state=self.random_state)
        scores = np.zeros((X.shape[0], len(self.classes_)))
        for train, test in folds.split(np.zeros(len(y)), y):
            svm = self._svm().fit(X[train], y[train])
            columns = np.searchsorted(self.classes_, svm.classes_)
            # A fold missing a class (tiny data) leaves that column very unlikely.
            scores[test] = -10.0
            scores[np.ix_(test, columns)] = _scores(svm, X[test])
        return scores

    def decision_function(self, X):
        check_is_fitted(self, "svm_")
        return _scores(self.svm_, X)

    def predict_proba(self, X):
        return softmax(self.decision_function(X) / self.temperature_, axis=1)

    def predict(self, X):
        scores = self.decision_function(X)  # first: raises NotFittedError before fit
        return self.classes_[scores.argmax(axis=1)]


def _as_novel(proba, classes, y, oos_label):
    """Held-out probabilities in which each out-of-scope example is one of a kind never
    seen: the out-of-scope class gets none of its probability, so only the threshold and
    margin can reject it. Real out-of-scope messages are often unlike every training one;
    thresholds chosen this way catch those, while the class still catches familiar ones."""
    if oos_label not in classes:
        return proba
    column = list(classes).index(oos_label)
    novel = proba.copy()
    rows = np.asarray(y, dtype=object) == oos_label
    novel[rows, column] = 0.0
    novel[rows] /= novel[rows].sum(axis=1, keepdims=True)
    return novel


def _scores(svm, X):
    scores = svm.decision_function(X)
    if scores.ndim == 1:  # binary LinearSVC returns one column
        scores = np.column_stack([-scores, scores])
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


def make_pipeline(profile="accurate", embedding_model=None, C=0.5, random_state=0):
    """Build the unfitted classifier Pipeline for a profile.

    ``fast``: TF-IDF word and char n-grams -> :class:`IntentClassifier`.
    ``accurate``: the same TF-IDF concatenated with sentence embeddings.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r} (expected one of {', '.join(PROFILES)})")
    features = make_tfidf()
    if profile == "accurate":
        from .embeddings import DEFAULT_EMBEDDING_MODEL, SentenceEmbedder

        embedder = SentenceEmbedder(embedding_model or DEFAULT_EMBEDDING_MODEL)
        features = FeatureUnion([("tfidf", features), ("embedding", embedder)])
    classifier = IntentClassifier(C=C, random_state=random_state)
    return Pipeline([("features", features), ("classifier", classifier)])
