"""The summary and insights of the reviews: answers apart from fallbacks, confused intents
with examples, per-day misroutes and fallbacks, precision on the random sample."""

import pytest

from nlu import load_dataset
from nlu.feedback.insights import insights, summary, training_report

from .samples import DAY, row


@pytest.fixture
def queue(store, make_queue):
    store.add_predictions([
        row("wrong-route", minutes=1, intent="track_order", margin=0.1,
            text="paket blm nyampe"),                                   # -> item_not_received
        row("wrong-route-2", minutes=2, intent="track_order", margin=0.1,
            text="kurir belum datang juga"),                            # -> item_not_received
        row("same-route", minutes=3, intent="greeting", margin=0.1, text="cek resi"),
        row("right", minutes=4, intent="refund_return", margin=0.1, text="dana balik"),
        row("missed", minutes=5, intent=None, fallback="low_confidence", text="cs mana"),
        row("rejected", minutes=6, intent=None, fallback="out_of_scope", text="cuaca"),
        row("sure-right", minutes=7, sample=0.01, text="lacak paket"),
        row("sure-wrong", minutes=8, sample=0.02, intent="greeting", text="halo, mau retur"),
        row("untouched", minutes=9, intent=None, fallback="out_of_scope", text="resep"),
    ])
    queue = make_queue(store)
    for message_id, label in (("wrong-route", "item_not_received"),
                              ("wrong-route-2", "item_not_received"),
                              ("same-route", "track_order"), ("right", "refund_return"),
                              ("missed", "contact_cs"), ("rejected", None),
                              ("sure-right", "track_order"), ("sure-wrong", "refund_return")):
        queue.decide(message_id, label, "Sari")
    return queue


def test_summary_counts_fallbacks_apart_from_misroutes(queue):
    stats = summary(queue)
    assert (stats["predictions"], stats["reviewed"], stats["pending"]) == (9, 8, 1)
    assert (stats["answered"], stats["wrong_intent"], stats["misrouted"]) == (6, 4, 3)
    assert (stats["fallbacks"], stats["fallbacks_out_of_scope"],
            stats["fallbacks_missed"]) == (2, 1, 1)
    assert (stats["sure_reviewed"], stats["sure_correct"], stats["sure_precision"]) == (
        2, 1, 0.5)
    assert stats["misroutes_by_route"] == [
        {"predicted_route": "answer", "correct_route": "invoice_chat", "count": 2},
        {"predicted_route": "answer", "correct_route": "resolution_center", "count": 1}]
    assert "none" not in {m["predicted_route"] for m in stats["misroutes_by_route"]}


def test_insights_name_the_confusions_with_examples(queue):
    found = insights(queue)
    assert found["confused_intents"][0] == {
        "predicted": "track_order", "correct": "item_not_received", "count": 2,
        "examples": ["kurir belum datang juga", "paket blm nyampe"]}
    assert {(p["predicted"], p["correct"]) for p in found["confused_intents"]} == {
        ("track_order", "item_not_received"), ("greeting", "track_order"),
        ("greeting", "refund_return")}
    day = DAY.date().isoformat()
    assert found["misroutes_per_day"] == [{"day": day, "route": "answer", "reviewed": 5,
                                           "misrouted": 3},
                                          {"day": day, "route": "resolution_center",
                                           "reviewed": 1, "misrouted": 0}]
    assert found["fallbacks_per_day"] == [{"day": day, "reviewed": 2, "out_of_scope": 1,
                                           "missed": 1, "missed_routes": {"live_chat": 1}}]
    assert found["precision_when_sure"] == [{"intent": "track_order", "reviewed": 1,
                                             "correct": 1, "precision": 1.0},
                                            {"intent": "greeting", "reviewed": 1,
                                             "correct": 0, "precision": 0.0}]
    assert found["training"] is None and found["agreement"] == []


def test_insights_check_the_training_data(queue, tiny_data_path):
    training = insights(queue, training_report(load_dataset(tiny_data_path)))["training"]
    assert training["examples"] == 58
    assert {t["intent"] for t in training["too_few"]} == {
        "greeting", "thanks_goodbye", "cancel_order", "track_order", "refund_return",
        "contact_cs", "out_of_scope"}  # the tiny set has 8 to 10 examples each
