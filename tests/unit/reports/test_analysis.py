import numpy as np
import pandas as pd
import pytest

from nlu import Dataset, Example, evaluate
from nlu.model.fallback import rank
from nlu.vocabulary import OUT_OF_SCOPE
from nlu.reports.analysis import (
    choose_threshold,
    confused_pairs,
    near_duplicates,
    sweep_thresholds,
)

# -- near_duplicates ---------------------------------------------------------------------------

LOOKALIKES = Dataset((
    Example("batalin pesanan dong kak", "cancel_order", "id", path="a.yaml", line=1),
    Example("paket saya sudah sampai mana", "track_order", "id", path="a.yaml", line=2),
    Example("Batalin  pesanan DONG kak!!", "track_order", "id", path="b.csv", line=3),
    Example("resep nasi goreng yang enak", None, "id", path="a.yaml", line=4),
    Example("resep nasi goreng yang enak banget", "greeting", "id", path="a.yaml", line=5),
    Example("paket sy udh sampai mana", "track_order", "id", path="a.yaml", line=6),
))


def test_near_duplicates_across_intents_most_similar_first():
    pairs = near_duplicates(LOOKALIKES, threshold=0.7)
    assert list(pairs.columns) == ["similarity", "text_a", "intent_a", "text_b", "intent_b",
                                   "source_a", "source_b"]
    assert pairs[["text_a", "text_b"]].values.tolist() == [
        # The same message after normalization (case, spaces, punctuation).
        ["batalin pesanan dong kak", "Batalin  pesanan DONG kak!!"],
        # Out of scope sorts after any intent.
        ["resep nasi goreng yang enak banget", "resep nasi goreng yang enak"],
    ]
    assert pairs.similarity.iloc[0] == 1.0
    assert 0.7 <= pairs.similarity.iloc[1] < 1.0
    assert pairs.intent_a.tolist() == ["cancel_order", "greeting"]
    assert pairs.intent_b.iloc[0] == "track_order" and pd.isna(pairs.intent_b.iloc[1])
    assert pairs.source_a.iloc[0] == "a.yaml:1" and pairs.source_b.iloc[0] == "b.csv:3"


def test_near_duplicates_within_an_intent_on_request():
    same = near_duplicates(LOOKALIKES, threshold=0.5, across_intents=False)
    # "paket sy udh" reads "paket saya sudah" once slang is expanded.
    assert ["paket saya sudah sampai mana", "paket sy udh sampai mana"] in \
        same[["text_a", "text_b"]].values.tolist()
    assert ["paket saya sudah sampai mana", "paket sy udh sampai mana"] not in \
        near_duplicates(LOOKALIKES, threshold=0.5)[["text_a", "text_b"]].values.tolist()


def test_near_duplicates_threshold_bounds_the_similarity():
    assert len(near_duplicates(LOOKALIKES, threshold=1.0)) == 1
    assert (near_duplicates(LOOKALIKES, threshold=0.2).similarity >= 0.2).all()


def test_near_duplicates_of_too_little_data_is_an_empty_frame():
    pairs = near_duplicates(Dataset((Example("halo", "greeting"),)))
    assert pairs.empty and "similarity" in pairs.columns


# -- sweep_thresholds and choose_threshold -----------------------------------------------------

HELD_OUT = Dataset((
    Example("halo kak selamat siang", "greeting", "id"),
    Example("mau batalin order dong", "cancel_order", "mixed"),
    Example("where is my parcel", "track_order", "en"),
    Example("makasih kak", "thanks_goodbye", "id"),
    Example("refund saya belum masuk", "refund_return", "id"),
    Example("resep rendang padang", None, "id"),
    Example("jadwal bola malam ini", None, "id"),
))


@pytest.fixture(scope="module")
def sweep(fast_model):
    return sweep_thresholds(fast_model, HELD_OUT)


def test_sweep_has_one_row_per_threshold(sweep, fast_model):
    assert list(sweep.columns) == ["threshold", "margin", "accuracy", "in_scope_accuracy",
                                   "out_of_scope_recall", "in_scope_false_reject"]
    assert sweep.threshold.tolist() == pytest.approx(np.arange(0.0, 1.0, 0.02))
    assert (sweep.margin == fast_model.thresholds.margin).all()


def test_sweep_at_the_models_threshold_matches_evaluate(fast_model):
    threshold = fast_model.thresholds.threshold
    row = sweep_thresholds(fast_model, HELD_OUT, thresholds=[threshold]).iloc[0]
    metrics = evaluate(fast_model, HELD_OUT).metrics
    for name in ("accuracy", "in_scope_accuracy", "out_of_scope_recall",
                 "in_scope_false_reject"):
        assert row[name] == pytest.approx(metrics[name]), name


def test_a_higher_threshold_rejects_more(sweep, fast_model):
    assert sweep.in_scope_false_reject.is_monotonic_increasing
    assert sweep.out_of_scope_recall.is_monotonic_increasing
    assert sweep.in_scope_accuracy.is_monotonic_decreasing
    # A threshold just above the least sure in-scope message rejects that one alone, and
    # nothing reaches a threshold above 1.
    in_scope = Dataset(HELD_OUT.examples[:5])
    ranked = rank(fast_model.predict_proba(in_scope.texts), fast_model.classes, OUT_OF_SCOPE)
    lowest, next_lowest = np.sort(ranked.first)[:2]
    assert lowest < next_lowest
    steep = sweep_thresholds(fast_model, HELD_OUT,
                             thresholds=[0.0, (lowest + next_lowest) / 2, 1.01])
    assert steep.in_scope_false_reject.tolist() == [0.0, 0.2, 1.0]
    assert steep.in_scope_accuracy.tolist() == [1.0, 0.8, 0.0]
    assert steep.out_of_scope_recall.tolist() == [1.0, 1.0, 1.0]


def test_sweep_with_another_margin_and_without_out_of_scope(fast_model):
    in_scope_only = Dataset(HELD_OUT.examples[:5])
    sweep = sweep_thresholds(fast_model, in_scope_only, thresholds=[0.0, 0.5], margin=0.3)
    assert sweep.margin.tolist() == [0.3, 0.3]
    assert sweep.out_of_scope_recall.isna().all()
    assert sweep.accuracy.tolist() == sweep.in_scope_accuracy.tolist()


def frame(accuracy, false_reject, thresholds=None):
    thresholds = thresholds or [round(0.1 * i, 1) for i in range(len(accuracy))]
    return pd.DataFrame({"threshold": thresholds, "accuracy": accuracy,
                         "in_scope_false_reject": false_reject})


def test_choose_the_most_accurate_threshold_within_the_false_reject_budget():
    sweep = frame([0.80, 0.85, 0.90, 0.99], [0.0, 0.01, 0.04, 0.2])
    assert choose_threshold(sweep, max_false_reject=0.05) == 0.2
    assert choose_threshold(sweep, max_false_reject=0.5) == 0.3


def test_choose_the_middle_of_a_plateau():
    sweep = frame([0.9, 0.9, 0.9, 0.9, 0.9, 0.8], [0.0] * 6)
    assert choose_threshold(sweep) == 0.2
    assert choose_threshold(frame([0.9, 0.9], [0.0, 0.0])) == 0.0  # the lower of two


def test_choose_the_least_rejecting_when_nothing_fits_the_budget():
    sweep = frame([0.7, 0.9, 0.95], [0.2, 0.1, 0.1])
    # 0.1 and 0.2 reject the fewest; 0.2 is the more accurate of the two.
    assert choose_threshold(sweep, max_false_reject=0.05) == 0.2


def test_choose_from_an_empty_sweep_is_an_error():
    with pytest.raises(ValueError, match="no rows"):
        choose_threshold(frame([], []))


# -- confused_pairs ----------------------------------------------------------------------------


def test_confused_pairs_count_the_mistakes_with_their_messages():
    predictions = pd.DataFrame({
        "text": ["a", "b", "c", "d", "e", "f"],
        "expected": ["cancel_order", "cancel_order", "track_order", None, "greeting", "greeting"],
        "predicted": ["track_order", "track_order", "track_order", "greeting", None, "greeting"],
    })
    pairs = confused_pairs(predictions)
    assert pairs.to_dict(orient="records") == [
        {"predicted": "track_order", "expected": "cancel_order", "count": 2, "texts": ["a", "b"]},
        {"predicted": "greeting", "expected": "out_of_scope", "count": 1, "texts": ["d"]},
        {"predicted": "out_of_scope", "expected": "greeting", "count": 1, "texts": ["e"]},
    ]
    assert pairs.explode("texts").texts.tolist() == ["a", "b", "d", "e"]


def test_confused_pairs_on_review_records_and_without_mistakes():
    records = pd.DataFrame({"text": ["x", "y"], "intent": ["greeting", "greeting"],
                            "label": ["greeting", "thanks_goodbye"]})
    pairs = confused_pairs(records, expected="label", predicted="intent")
    assert pairs[["predicted", "expected", "count"]].values.tolist() == [
        ["greeting", "thanks_goodbye", 1]]
    none = confused_pairs(records.iloc[:1], expected="label", predicted="intent")
    assert none.empty and list(none.columns) == ["predicted", "expected", "count", "texts"]
