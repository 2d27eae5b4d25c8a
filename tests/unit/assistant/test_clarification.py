"""The clarification policy, resolving a reply to a clarification, and measuring a policy."""

from dataclasses import replace

import pytest

from nlu.assistant.clarification import (
    ClarificationPolicy,
    measure_clarification,
    resolve_choice,
)
from nlu.model.prediction import Prediction, RankedIntent

NAMES = {"damaged_or_wrong_item": ("Barang rusak atau salah", "Damaged or wrong item"),
         "item_not_received": ("Pesanan belum sampai", "Order not received"),
         "refund_return": ("Refund atau retur", "Refund or return")}
CANDIDATES = ("damaged_or_wrong_item", "item_not_received", "refund_return")


def predict(confidences, fallback=None, text="x"):
    """A prediction whose ranking has these confidences, intents in CANDIDATES' order."""
    intents = list(CANDIDATES) + ["cancel_order", "greeting"]
    ranking = tuple(RankedIntent(i, c) for i, c in zip(intents, confidences))
    intent = ranking[0].intent if fallback is None else None
    return Prediction(text, intent, ranking[0].confidence, ranking, fallback, "id", ())


@pytest.mark.parametrize("confidences, fallback, decision", [
    ((0.95, 0.03), None, "answer"),
    ((0.7, 0.2), None, "answer"),              # at the ceiling: answered
    ((0.69, 0.3), None, "clarify"),            # a middling recognized intent
    ((0.45, 0.40), "ambiguous", "clarify"),
    ((0.9, 0.85), "ambiguous", "clarify"),     # ambiguous whatever the confidence
    ((0.48, 0.26), "low_confidence", "clarify"),
    # A low confidence is read as the top intent's share of the ranked intents.
    ((0.06, 0.06, 0.06), "low_confidence", "clarify"),   # partly out of scope, three alike
    ((0.1, 0.1, 0.1, 0.1), "low_confidence", "clarify"),  # at the minimum share
    ((0.05, 0.05, 0.05, 0.05, 0.05), "low_confidence", "miss"),  # five alike: no idea
    ((0.5, 0.3), "out_of_scope", "miss"),
])
def test_the_policy_decides_from_the_fallback_and_the_confidence(confidences, fallback,
                                                                 decision):
    assert ClarificationPolicy().decide(predict(confidences, fallback)) == decision


def test_two_candidates_always_and_a_third_when_close():
    policy = ClarificationPolicy()
    two = policy.candidates(predict((0.5, 0.3, 0.14, 0.05), "low_confidence"))
    three = policy.candidates(predict((0.5, 0.3, 0.15, 0.05), "low_confidence"))
    assert [r.intent for r in two] == ["damaged_or_wrong_item", "item_not_received"]
    assert [r.intent for r in three] == list(CANDIDATES)
    assert len(ClarificationPolicy(max_candidates=2).candidates(
        predict((0.4, 0.3, 0.3), "ambiguous"))) == 2


def test_small_talk_is_never_asked_about_nor_offered():
    policy = ClarificationPolicy(small_talk=("greeting", "thanks_goodbye"))
    thanks = Prediction("ok", "thanks_goodbye", 0.5, (RankedIntent("thanks_goodbye", 0.5),
                                                      RankedIntent("greeting", 0.3)),
                        None, "id", ())
    assert policy.decide(thanks) == "answer"
    assert policy.decide(replace(thanks, intent=None, fallback="ambiguous")) == "miss"
    mixed = predict((0.4, 0.35), "ambiguous")
    ranking = (mixed.ranking[0], RankedIntent("greeting", 0.3), *mixed.ranking[1:])
    offered = policy.candidates(replace(mixed, ranking=ranking))
    assert [r.intent for r in offered] == ["damaged_or_wrong_item", "item_not_received"]


def names(intent):
    return NAMES[intent]


@pytest.mark.parametrize("reply, picked", [
    ("Pesanan belum sampai", "item_not_received"),         # a click sends the label
    ("Refund or return", "refund_return"),                  # in the other language too
    ("yang barang rusak atau salah kak", "damaged_or_wrong_item"),
    ("yang kedua", "item_not_received"),
    ("the first one", "damaged_or_wrong_item"),
    ("3", "refund_return"),
])
def test_a_reply_that_names_or_points_at_a_candidate_picks_it(reply, picked):
    nothing = predict((0.01, 0.01), "out_of_scope", reply)
    assert resolve_choice(reply, CANDIDATES, names, nothing, floor=0.2) == picked


def test_a_number_in_a_sentence_is_not_an_ordinal():
    reply = "sudah 2 hari kok belum ada kabar"
    assert resolve_choice(reply, CANDIDATES, names, predict((0.01, 0.01), "out_of_scope",
                                                           reply), floor=0.2) is None


def test_the_model_reading_of_the_reply_picks_a_candidate():
    reply = "barangnya pecah pas dibuka"
    assert resolve_choice(reply, CANDIDATES, names, predict((0.3, 0.1), "low_confidence",
                                                           reply)) == "damaged_or_wrong_item"
    # Not when the model thinks the reply is out of scope and barely leans to it.
    assert resolve_choice(reply, CANDIDATES, names, predict((0.05, 0.01), "out_of_scope",
                                                           reply), floor=0.2) is None
    # Nor when its best intent is not a candidate.
    other = Prediction(reply, "cancel_order", 0.9, (RankedIntent("cancel_order", 0.9),),
                       None, "id", ())
    assert resolve_choice(reply, CANDIDATES, names, other) is None


def test_measuring_a_policy_on_labelled_predictions():
    predictions = [predict((0.95, 0.03)),                      # answered right
                   predict((0.8, 0.2)),                        # answered wrong
                   predict((0.5, 0.3), "low_confidence"),      # clarified, top was right
                   predict((0.45, 0.4), "ambiguous"),          # clarified, truth not offered
                   predict((0.05,) * 5, "low_confidence"),     # missed: five alike
                   predict((0.55, 0.3)),                       # out of scope, clarified
                   predict((0.02, 0.01), "out_of_scope")]      # out of scope, missed
    truths = ["damaged_or_wrong_item", "refund_return", "damaged_or_wrong_item", "cancel_order",
              "greeting", None, None]

    result = measure_clarification(predictions, truths, ClarificationPolicy())

    assert result == {"messages": 7, "in_scope": 5, "out_of_scope": 2, "answered": 2,
                      "answered_right": 1, "clarified": 2, "clarified_with_truth": 1,
                      "clarified_top_right": 1, "missed": 1, "oos_answered": 0,
                      "oos_clarified": 1, "oos_missed": 1,
                      "clarify_rate": round(3 / 7, 4), "suggestions_hit_rate": 0.5,
                      "served_right": 0.4}


def test_measuring_needs_one_truth_per_prediction():
    with pytest.raises(ValueError):
        measure_clarification([predict((0.9, 0.1))], [], ClarificationPolicy())
