import dataclasses
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from nlu import Dataset, Example, Prediction, train
from nlu.errors import DataError
from nlu.model.features import NgramTfidf
from nlu.model.model import RANKING_SIZE, _transform, data_digest
from nlu.model.prediction import RankedIntent
from nlu.text.entities import Entity
from nlu.text.normalize import Normalizer
from nlu.vocabulary import OUT_OF_SCOPE

MESSAGES = [
    "halo kak selamat pagi",
    "mau batalin pesanan INV/20261103/MPL/3456789012 dong",
    "paket saya udah sampai mana",
    "refund Rp150.000 udh 5 hari blm masuk",
    "mau ngomong sama cs",
    "makasih banyak kak",
    "resep rendang padang",
]


@pytest.fixture(scope="module")
def predictions(fast_model):
    return fast_model.predict(MESSAGES)


def test_model_knows_its_intents_and_routes(fast_model, tiny_intents):
    assert fast_model.profile == "fast"
    assert fast_model.labels == list(tiny_intents)
    assert fast_model.classes == sorted(tiny_intents + (OUT_OF_SCOPE,))
    assert fast_model.intent_routes["cancel_order"] == "invoice_chat"
    assert fast_model.intent_routes["refund_return"] == "resolution_center"
    assert fast_model.embedding_model is None
    assert fast_model.metrics["n_examples"] == 58
    assert len(fast_model.data_sha256) == 64


def test_predict_returns_one_prediction_per_text_in_order(predictions):
    assert [type(p) for p in predictions] == [Prediction] * len(MESSAGES)
    assert [p.text for p in predictions] == MESSAGES


def test_predict_takes_a_list_and_returns_a_list(fast_model):
    assert fast_model.predict([]) == []
    (one,) = fast_model.predict(["halo kak"])
    assert one.intent == "greeting"
    assert fast_model.predict(("halo kak", "makasih"))[1].intent == "thanks_goodbye"


def test_predicted_intents(predictions):
    assert [p.intent for p in predictions] == [
        "greeting", "cancel_order", "track_order", "refund_return", "contact_cs",
        "thanks_goodbye", None,
    ]
    assert [p.fallback for p in predictions] == [None] * 6 + ["out_of_scope"]


def test_ranking_is_sorted_short_and_has_no_out_of_scope(predictions, tiny_intents):
    assert len(tiny_intents) > RANKING_SIZE  # so the ranking really is cut
    for p in predictions:
        assert len(p.ranking) == RANKING_SIZE
        assert all(isinstance(r, RankedIntent) for r in p.ranking)
        confidences = [r.confidence for r in p.ranking]
        assert confidences == sorted(confidences, reverse=True)
        assert OUT_OF_SCOPE not in [r.intent for r in p.ranking]
        assert len({r.intent for r in p.ranking}) == RANKING_SIZE
        assert p.confidence == p.ranking[0].confidence
        assert 0.0 <= p.confidence <= 1.0


def test_accepted_prediction_is_the_top_of_the_ranking(predictions):
    greeting = predictions[0]
    assert greeting.intent == greeting.ranking[0].intent == "greeting"
    assert greeting.confidence > 0.5


def test_out_of_scope_keeps_the_real_top_intent_in_the_ranking(predictions, tiny_intents):
    oos = predictions[-1]
    assert oos.intent is None
    assert oos.fallback == "out_of_scope"
    assert oos.ranking[0].intent in tiny_intents
    assert oos.route is None


def test_route_follows_the_intent(predictions):
    assert [p.route for p in predictions] == [
        "answer", "invoice_chat", "answer", "resolution_center", "live_chat", "answer", None]


def test_language_and_entities(predictions):
    assert [p.lang for p in predictions[:3]] == ["id", "id", "id"]
    assert predictions[1].entities == (
        Entity("invoice", "INV/20261103/MPL/3456789012", 20, 47),)
    assert [(e.type, e.value) for e in predictions[3].entities] == [
        ("amount", 150_000), ("duration", 5)]
    assert predictions[0].entities == ()


def test_english_message(fast_model):
    (p,) = fast_model.predict(["how do I cancel my order"])
    assert (p.intent, p.lang, p.route) == ("cancel_order", "en", "invoice_chat")


def test_predictions_are_frozen_and_serializable(predictions):
    with pytest.raises(dataclasses.FrozenInstanceError):
        predictions[0].intent = "x"
    data = predictions[3].to_dict()
    assert set(data) == {"text", "intent", "confidence", "ranking", "fallback", "lang",
                         "entities", "route", "margin"}
    assert data["ranking"][0] == {"intent": "refund_return",
                                  "confidence": predictions[3].confidence}
    assert data["entities"][0] == {"type": "amount", "value": 150000, "start": 7, "end": 16,
                                   "courier": None}
    json.dumps(data)
    assert "route" not in predictions[3].to_dict(with_route=False)


def test_probabilities_are_the_pipelines_own(fast_model):
    # NLUModel walks the Pipeline's steps itself (for speed): the same numbers.
    assert np.array_equal(fast_model.predict_proba(MESSAGES),
                          fast_model.pipeline.predict_proba(MESSAGES))


def test_a_prediction_normalizes_each_text_once(fast_model, monkeypatch):
    # The lone-word check reads the normalizer's output of the features' walk.
    calls = []
    original = Normalizer.__call__
    monkeypatch.setattr(Normalizer, "__call__",
                        lambda self, text: calls.append(text) or original(self, text))
    predictions = fast_model.predict(["akun", "paket saya belum sampai"])
    assert calls == ["akun", "paket saya belum sampai"]
    assert predictions[0].intent is None and predictions[0].fallback is not None  # a topic


def test_the_lone_word_check_reads_the_message_as_sent(fast_model):
    # A step before the normalizer changes what it normalizes: the check then
    # normalizes the texts themselves.
    padded = Pipeline([("pad", FunctionTransformer(lambda X: [f"{x} pesanan" for x in X])),
                       *fast_model.pipeline.steps])
    prediction, = dataclasses.replace(fast_model, pipeline=padded).predict(["akun"])
    assert prediction.intent is None and prediction.fallback is not None


def test_the_unions_walked_give_sklearns_features():
    length = FunctionTransformer(lambda texts: np.array([[float(len(t))] for t in texts]))
    for union in (FeatureUnion([("words", NgramTfidf()), ("length", length)]),
                  FeatureUnion([("words", NgramTfidf()), ("length", length)],
                               transformer_weights={"words": 2.0, "length": 0.5}),
                  FeatureUnion([("words", NgramTfidf()), ("gone", "drop")]),
                  FeatureUnion([("words", Pipeline([("nothing", "passthrough"),
                                                    ("tfidf", NgramTfidf())]))])):
        pipeline = Pipeline([("union", union.fit(MESSAGES))])
        walked, expected = _transform(pipeline, MESSAGES), pipeline.transform(MESSAGES)
        assert walked.shape == expected.shape and abs(walked - expected).max() == 0


def test_threshold_override_changes_fallbacks_without_retraining(fast_model):
    texts = MESSAGES[:6]
    pipeline, thresholds = fast_model.pipeline, fast_model.thresholds
    default = fast_model.predict(texts)
    strict = fast_model.predict(texts, threshold=1.0)
    assert [p.fallback for p in default] == [None] * 6
    assert [p.fallback for p in strict] == ["low_confidence"] * 6
    assert [p.intent for p in strict] == [None] * 6
    # Same probabilities, same ranking: only the decision changed.
    assert [p.ranking for p in strict] == [p.ranking for p in default]
    assert fast_model.pipeline is pipeline and fast_model.thresholds == thresholds


def test_margin_override(fast_model):
    (p,) = fast_model.predict(["halo kak"], margin=1.0)
    assert (p.intent, p.fallback, p.ranking[0].intent) == (None, "ambiguous", "greeting")


def test_zero_thresholds_still_reject_out_of_scope(fast_model):
    predictions = fast_model.predict(MESSAGES, threshold=0.0, margin=0.0)
    assert [p.fallback for p in predictions] == [None] * 6 + ["out_of_scope"]


def test_with_thresholds_returns_a_copy(fast_model):
    strict = fast_model.with_thresholds(threshold=1.0)
    assert strict.thresholds.threshold == 1.0
    assert strict.thresholds.margin == fast_model.thresholds.margin
    assert fast_model.thresholds.threshold < 1.0
    assert strict.pipeline is fast_model.pipeline
    assert [p.fallback for p in strict.predict(MESSAGES[:6])] == ["low_confidence"] * 6
    assert fast_model.predict(["halo kak"])[0].fallback is None


def test_training_needs_two_labels():
    data = Dataset((Example("halo", "greeting"), Example("hai", "greeting")))
    with pytest.raises(DataError) as caught:
        train(data, profile="fast")
    assert [str(p) for p in caught.value.problems] == [
        "<data>: training needs at least two labels (found 1)"]


def test_out_of_scope_examples_count_as_a_label():
    data = Dataset(tuple(Example(t, "greeting") for t in ("halo", "hai", "pagi", "hello"))
                   + tuple(Example(t, None) for t in ("cuaca", "resep", "film", "lagu")))
    model = train(data, profile="fast")
    assert model.labels == ["greeting"]
    assert model.classes == ["greeting", OUT_OF_SCOPE]
    (p,) = model.predict(["halo"])
    assert [r.intent for r in p.ranking] == ["greeting"]


def test_data_digest_depends_on_texts_and_labels_only():
    a = Dataset((Example("halo", "greeting", path="a.yaml", line=1),))
    b = Dataset((Example("halo", "greeting", path="b.csv", line=9, lang="id"),))
    c = Dataset((Example("halo", "thanks_goodbye"),))
    assert data_digest(a) == data_digest(b) != data_digest(c)


def test_fast_profile_never_imports_torch(tiny_data_path):
    script = textwrap.dedent(f"""
        import sys
        from nlu import load_dataset, train
        model = train(load_dataset({str(tiny_data_path)!r}), profile="fast")
        assert model.predict(["halo kak"])[0].intent == "greeting"
        heavy = sorted(m for m in sys.modules
                       if m.split(".")[0] in ("torch", "sentence_transformers", "transformers"))
        print(heavy)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
