"""A trained NLU model: the classifier Pipeline, its taxonomy and thresholds, and ``train``."""

__all__ = ["NLUModel", "train", "encoders"]

import hashlib
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..errors import DataError, Problem
from ..text.entities import extract_entities
from ..text.language import LanguageDetector
from ..vocabulary import OUT_OF_SCOPE
from .classifier import make_pipeline
from .fallback import Thresholds, rank
from .prediction import Prediction, RankedIntent

RANKING_SIZE = 5
#: A one-word message the training data never held alone ("akun") is a topic, not a
#: request: its probabilities are flattened by this temperature (the fast profile's 1.00
#: for "akun" becomes about 0.7) and it is never answered outright ("ambiguous": the
#: assistant asks which of the top intents the customer means).
LONE_WORD_TEMPERATURE = 6.0


@dataclass
class NLUModel:
    """A fitted Pipeline with what it needs to answer: intents, routes and thresholds.

    Use :func:`train` to make one and :func:`nlu.model.artifacts.load_model` to read one.
    """

    pipeline: object
    profile: str
    intents: dict
    thresholds: Thresholds
    embedding_model: str | None = None
    metrics: dict = field(default_factory=dict)
    data_sha256: str = ""
    training_seconds: float = 0.0

    @property
    def classes(self):
        return list(self.pipeline.classes_)

    @property
    def labels(self):
        """The intents the model can answer (out-of-scope excluded)."""
        return [c for c in self.classes if c != OUT_OF_SCOPE]

    @property
    def intent_routes(self):
        """``{intent: route}`` of the intents the training data declared with a route."""
        return {i.id: i.route for i in self.intents.values() if i.route}

    def with_thresholds(self, threshold=None, margin=None, out_of_scope=None):
        """A copy answering with other thresholds (no retraining); None keeps the model's."""
        mine = self.thresholds
        new = Thresholds(mine.threshold if threshold is None else threshold,
                         mine.margin if margin is None else margin,
                         mine.out_of_scope if out_of_scope is None else out_of_scope)
        return replace(self, thresholds=new)

    def predict_proba(self, texts):
        """Probabilities over :attr:`classes` for each text."""
        return self.pipeline.predict_proba(list(texts))

    def predict(self, texts, threshold=None, margin=None):
        """Return one :class:`~nlu.model.prediction.Prediction` per text, in order.

        ``threshold`` and ``margin`` override the model's for this call.
        """
        texts = list(texts)
        if not texts:
            return []
        thresholds = self.with_thresholds(threshold, margin).thresholds
        proba = self.predict_proba(texts)
        lone = self._lone_words(texts)
        if lone.any():
            proba[lone] = _temper(proba[lone], LONE_WORD_TEMPERATURE)
        ranked = rank(proba, self.classes, OUT_OF_SCOPE)
        reasons = ranked.reasons(thresholds)
        for row in np.flatnonzero(lone):
            reasons[row] = reasons[row] or "ambiguous"
        routes, detect = self.intent_routes, LanguageDetector()
        return [self._prediction(text, row, reason, float(gap), routes, detect)
                for text, row, reason, gap in zip(texts, proba, reasons, ranked.margin)]

    def _lone_words(self, texts):
        """Which texts are one word the training data never held alone ("akun",
        "refund"): a topic, not a request."""
        normalizers = _steps(self.pipeline, "lone_word")
        if not normalizers:
            return np.zeros(len(texts), dtype=bool)
        return np.array([normalizers[0].lone_word(t) is not None for t in texts], dtype=bool)

    def _prediction(self, text, row, reason, gap, routes, detect):
        classes = self.classes
        order = [i for i in np.argsort(-row) if classes[i] != OUT_OF_SCOPE][:RANKING_SIZE]
        ranking = tuple(RankedIntent(classes[i], round(float(row[i]), 4)) for i in order)
        intent = ranking[0].intent if reason is None else None
        return Prediction(
            text=text,
            intent=intent,
            confidence=ranking[0].confidence,
            ranking=ranking,
            fallback=reason,
            lang=detect(text),
            entities=tuple(extract_entities(text)),
            route=routes.get(intent) if intent else None,
            margin=round(gap, 4),
        )


def train(dataset, profile="accurate", embedding_model=None, random_state=0):
    """Fit a model on a :class:`~nlu.data.dataset.Dataset`.

    Out-of-scope examples become their own class; the confidence threshold and
    ambiguity margin are chosen from cross-validated predictions.

    Raises
    ------
    DataError
        When the data has fewer than two labels.
    """
    labels = [OUT_OF_SCOPE if label is None else label for label in dataset.labels]
    if len(set(labels)) < 2:
        raise DataError([Problem("<data>", None, "training needs at least two labels "
                                 f"(found {len(set(labels))})")])
    if embedding_model is not None and Path(embedding_model).expanduser().is_dir():
        # A directory is recorded absolute, so the artifact loads from anywhere.
        embedding_model = str(Path(embedding_model).expanduser().resolve())
    pipeline = make_pipeline(profile, embedding_model, random_state=random_state)
    started = time.perf_counter()
    pipeline.fit(dataset.texts, np.asarray(labels, dtype=object))
    seconds = time.perf_counter() - started
    classifier = pipeline[-1]
    intents = dict(dataset.intents)
    return NLUModel(
        pipeline=pipeline,
        profile=profile,
        intents=intents,
        thresholds=classifier.thresholds_,
        embedding_model=next((e.encoder_["name"] for e in encoders(pipeline)), None),
        metrics=dict(classifier.cv_metrics_),
        data_sha256=data_digest(dataset),
        training_seconds=round(seconds, 2),
    )


def encoders(estimator):
    """The sentence encoders inside a fitted pipeline (steps with ``check_encoder``)."""
    return _steps(estimator, "check_encoder")


def _steps(estimator, method):
    """The steps of a (nested) Pipeline or FeatureUnion that have ``method``, in order."""
    if hasattr(estimator, method):
        return [estimator]
    parts = getattr(estimator, "steps", None) or getattr(estimator, "transformer_list", None)
    return [found for _, part in (parts or []) for found in _steps(part, method)]


def _temper(proba, temperature):
    """Probabilities flattened by a temperature (rows still sum to 1)."""
    logits = np.log(np.maximum(proba, 1e-12)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    tempered = np.exp(logits)
    return tempered / tempered.sum(axis=1, keepdims=True)


def data_digest(dataset):
    """sha256 of the training examples (text and label), independent of file names."""
    digest = hashlib.sha256()
    for example in dataset.examples:
        digest.update(f"{example.intent or ''}\t{example.text}\n".encode())
    return digest.hexdigest()
