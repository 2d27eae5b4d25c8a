"""The estimator contract of IntentClassifier and of the profile pipelines."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import FeatureUnion, Pipeline

from nlu.model.classifier import MAX_FALSE_REJECT, IntentClassifier, make_pipeline
from nlu.model.fallback import Thresholds
from nlu.model.features import make_tfidf
from nlu.vocabulary import OUT_OF_SCOPE


@pytest.fixture(scope="module")
def texts_labels(tiny_dataset):
    labels = np.array([OUT_OF_SCOPE if y is None else y for y in tiny_dataset.labels],
                      dtype=object)
    return tiny_dataset.texts, labels


@pytest.fixture(scope="module")
def features(texts_labels):
    texts, _ = texts_labels
    return make_tfidf().fit_transform(texts)


@pytest.fixture(scope="module")
def fitted_pipeline(texts_labels):
    texts, labels = texts_labels
    return make_pipeline("fast").fit(texts, labels)


def test_init_only_stores_parameters():
    classifier = IntentClassifier(C=2.0, cv=3, max_false_reject=0.1, random_state=7)
    assert classifier.get_params() == {"C": 2.0, "cv": 3,
                                       "oos_label": OUT_OF_SCOPE, "max_false_reject": 0.1,
                                       "random_state": 7}
    assert not any(name.endswith("_") for name in vars(classifier))


def test_clone_intent_classifier():
    original = IntentClassifier(C=2.0, cv=3)
    copy = clone(original)
    assert copy is not original
    assert copy.get_params() == original.get_params()


def test_clone_of_a_fitted_classifier_is_unfitted(features, texts_labels):
    fitted = IntentClassifier(cv=3).fit(features, texts_labels[1])
    with pytest.raises(NotFittedError):
        clone(fitted).predict_proba(features)


def test_clone_fast_pipeline(fitted_pipeline, texts_labels):
    pipeline = make_pipeline("fast", random_state=4).set_params(classifier__C=3.0)
    copy = clone(pipeline)
    assert isinstance(copy, Pipeline)
    assert copy.get_params()["classifier__C"] == 3.0
    assert copy.get_params()["classifier__random_state"] == 4
    assert copy.get_params()["classifier__max_false_reject"] == MAX_FALSE_REJECT["fast"]
    with pytest.raises(NotFittedError):
        clone(fitted_pipeline).predict(texts_labels[0][:2])


def test_not_fitted_error_before_fit(features):
    with pytest.raises(NotFittedError):
        IntentClassifier().predict_proba(features)
    with pytest.raises(NotFittedError):
        IntentClassifier().predict(features)
    with pytest.raises(NotFittedError):
        make_pipeline("fast").predict_proba(["halo kak"])


def test_fit_returns_self_and_learns_attributes(features, texts_labels):
    labels = texts_labels[1]
    classifier = IntentClassifier(cv=3)
    assert classifier.fit(features, labels) is classifier
    assert list(classifier.classes_) == sorted(set(labels))
    assert OUT_OF_SCOPE in classifier.classes_
    assert classifier.temperature_ > 0
    assert isinstance(classifier.thresholds_, Thresholds)
    assert 0.0 <= classifier.thresholds_.threshold <= 1.0
    assert 0.0 <= classifier.thresholds_.margin <= 1.0
    assert classifier.cv_metrics_["n_examples"] == len(labels)
    assert 0.0 <= classifier.cv_metrics_["out_of_scope_recall"] <= 1.0


def test_predict_proba_rows_sum_to_1(fitted_pipeline, texts_labels):
    texts = texts_labels[0] + ["sesuatu yang belum pernah dilihat", "🙏"]
    proba = fitted_pipeline.predict_proba(texts)
    classes = fitted_pipeline.classes_
    assert proba.shape == (len(texts), len(classes))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba >= 0).all()


def test_predict_agrees_with_predict_proba(fitted_pipeline, texts_labels):
    texts = texts_labels[0]
    proba = fitted_pipeline.predict_proba(texts)
    assert list(fitted_pipeline.predict(texts)) == list(fitted_pipeline.classes_[proba.argmax(1)])


def test_learns_the_training_data(fitted_pipeline, texts_labels):
    texts, labels = texts_labels
    assert np.mean(fitted_pipeline.predict(texts) == labels) > 0.9


def test_fit_is_deterministic(texts_labels, fitted_pipeline):
    texts, labels = texts_labels
    again = make_pipeline("fast").fit(texts, labels)
    np.testing.assert_allclose(again.predict_proba(texts), fitted_pipeline.predict_proba(texts))
    assert again[-1].thresholds_ == fitted_pipeline[-1].thresholds_


def test_binary_problem(features, texts_labels):
    labels = np.array(["in" if y != OUT_OF_SCOPE else y for y in texts_labels[1]], dtype=object)
    classifier = IntentClassifier(cv=3).fit(features, labels)
    proba = classifier.predict_proba(features)
    assert proba.shape == (len(labels), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_one_label_is_not_enough(features):
    with pytest.raises(ValueError, match="at least two labels"):
        IntentClassifier().fit(features, np.array(["greeting"] * features.shape[0], dtype=object))


def test_accurate_profile_with_a_fake_embedder(texts_labels, fake_embedder):
    texts, labels = texts_labels
    pipeline = make_pipeline("accurate")
    assert isinstance(pipeline.named_steps["features"], FeatureUnion)
    assert [name for name, _ in pipeline.named_steps["features"].transformer_list] == \
        ["tfidf", "embedding"]
    pipeline.set_params(features__embedding=fake_embedder)
    pipeline.fit(texts, labels)
    proba = pipeline.predict_proba(["halo kak", "batalin pesanan dong"])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(pipeline.predict(["halo kak", "batalin pesanan dong"])) == \
        ["greeting", "cancel_order"]
    tfidf_width = pipeline.named_steps["features"].transformer_list[0][1].transform(
        ["halo"]).shape[1]
    assert pipeline.named_steps["features"].transform(["halo"]).shape[1] == tfidf_width + 64


def test_fake_embedder_is_deterministic(fake_embedder):
    first = fake_embedder.fit(["x"]).transform(["halo kak", "batalin pesanan"])
    second = clone(fake_embedder).fit(["y"]).transform(["halo kak", "batalin pesanan"])
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-6)


def test_accurate_profile_references_the_embedding_model_without_loading_it():
    pipeline = make_pipeline("accurate", embedding_model="/some/dir")
    assert pipeline.get_params()["features__embedding__model"] == "/some/dir"


def test_unknown_profile():
    with pytest.raises(ValueError, match=r"unknown profile 'turbo' \(expected one of "
                                         r"accurate, fast\)"):
        make_pipeline("turbo")


def test_thin_out_of_scope_data_counts_as_novel_rich_data_does_not(texts_labels):
    from nlu.model.classifier import novel_share

    _, labels = texts_labels
    assert novel_share(labels, OUT_OF_SCOPE) == pytest.approx(
        min(1.0, max(0.0, (5 - sum(labels == OUT_OF_SCOPE) / (sum(labels != OUT_OF_SCOPE) / 6))
                     / 4)))
    assert novel_share(["a", "b"], OUT_OF_SCOPE) == 0.0  # no out-of-scope examples at all
    assert novel_share(["a"] * 10 + [OUT_OF_SCOPE] * 2, OUT_OF_SCOPE) == 1.0
    assert novel_share(["a"] * 10 + [OUT_OF_SCOPE] * 60, OUT_OF_SCOPE) == 0.0


