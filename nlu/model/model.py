"""A trained NLU model: the classifier Pipeline, its taxonomy and thresholds, and ``train``."""

__all__ = ["NLUModel", "train", "encoders"]

import hashlib
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.pipeline import FeatureUnion, Pipeline

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
        """Probabilities over :attr:`classes` for each text (the Pipeline's
        ``predict_proba``, its steps called directly: see :func:`_transform`)."""
        return self._proba(list(texts))[0]

    def _proba(self, texts, kept=()):
        """:meth:`predict_proba`, and what the steps of ``kept`` took and gave on the way
        (``{id(step): (X given, X returned)}``, see :func:`_transform`)."""
        *features, (_, classifier) = self.pipeline.steps
        seen, X = dict.fromkeys(map(id, kept)), texts
        for _, step in features:
            X = _transform(step, X, seen)
        return classifier.predict_proba(X), seen

    def predict(self, texts, threshold=None, margin=None):
        """Return one :class:`~nlu.model.prediction.Prediction` per text, in order.

        ``threshold`` and ``margin`` override the model's for this call.
        """
        texts = list(texts)
        if not texts:
            return []
        thresholds = self.with_thresholds(threshold, margin).thresholds
        normalizer = next(iter(_steps(self.pipeline, "lone_words")), None)
        proba, seen = self._proba(texts, kept=[normalizer] if normalizer is not None else [])
        lone = self._lone_words(texts, normalizer, seen)
        if lone.any():
            proba[lone] = _temper(proba[lone], LONE_WORD_TEMPERATURE)
        ranked = rank(proba, self.classes, OUT_OF_SCOPE)
        reasons = ranked.reasons(thresholds)
        for row in np.flatnonzero(lone):
            reasons[row] = reasons[row] or "ambiguous"
        classes, routes, detect = self.classes, self.intent_routes, LanguageDetector()
        oos = classes.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in classes else None
        # Each row's intents best first (the out-of-scope class left out), as plain lists:
        # one sort for the batch, no NumPy scalar per value.
        orders = np.argsort(-proba, axis=1)[:, :RANKING_SIZE + 1].tolist()
        return [self._prediction(text, row, [i for i in order if i != oos][:RANKING_SIZE],
                                 reason, gap, classes, routes, detect)
                for text, row, order, reason, gap
                in zip(texts, proba.tolist(), orders, reasons, ranked.margin.tolist())]

    def _lone_words(self, texts, normalizer, seen):
        """Which texts are one word the training data never held alone ("akun",
        "refund"): a topic, not a request. The normalizer's texts are taken from ``seen``
        (see :meth:`_proba`) when it normalized these very texts (the first step of the
        features, as :func:`~nlu.model.classifier.make_pipeline` builds them); without a
        normalizer, none is."""
        if normalizer is None:
            return np.zeros(len(texts), dtype=bool)
        given, normalized = seen.get(id(normalizer)) or (None, None)
        if given is not texts:
            normalized = normalizer.transform(texts)
        return np.array([word is not None for word in normalizer.lone_words(normalized)],
                        dtype=bool)

    @staticmethod
    def _prediction(text, row, order, reason, gap, classes, routes, detect):
        ranking = tuple(RankedIntent(classes[i], round(row[i], 4)) for i in order)
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


def _transform(step, X, seen=None):
    """``step.transform(X)``, with the Pipelines and FeatureUnions of the model walked
    here, one part after the other: their own ``transform`` sets up parallel jobs,
    metadata routing and output containers on each call, which costs more than the
    features of a message (what `nlu benchmark http` measures). A step whose id is a key
    of ``seen`` gets ``(X it took, X it gave)`` there."""
    if step is None or step == "passthrough":
        return X
    if isinstance(step, Pipeline):
        for _, inner in step.steps:
            X = _transform(inner, X, seen)
        return X
    if (isinstance(step, FeatureUnion) and step.transformer_weights is None
            and all(hasattr(t, "transform") for _, t in step.transformer_list)):
        parts = [_transform(t, X, seen) for _, t in step.transformer_list]
        if any(sp.issparse(part) for part in parts):
            return sp.hstack(parts).tocsr()
        return np.hstack(parts)
    transformed = step.transform(X)
    if seen is not None and id(step) in seen:
        seen[id(step)] = (X, transformed)
    return transformed


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
