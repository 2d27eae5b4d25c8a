"""ReviewQueue over a SQLite store: priority, filters, decisions, stats and export data."""

from datetime import datetime, timedelta

import pandas as pd
import pytest

from nlu.errors import UnknownLabel, UnknownMessage
from nlu.feedback.queue import ReviewQueue
from nlu.feedback.store import Store
from nlu.feedback.tables import utcnow

ROUTES = {"item_not_received": "invoice_chat", "track_order": "answer",
          "refund_return": "resolution_center", "contact_cs": "live_chat",
          "greeting": "answer"}
DAY = datetime(2026, 11, 20, 9, 0)


def row(message_id, *, minutes=0, intent="track_order", margin=0.8, fallback=None,
        sample=0.9, lang="id", text=None):
    """A stored prediction; ``minutes`` after DAY, so larger is newer."""
    return dict(message_id=message_id, created_at=DAY + timedelta(minutes=minutes),
                session_id=None, model_version="v1", endpoint="parse",
                text=text or f"pesan {message_id}", lang=lang, intent=intent,
                top_intent=intent or "track_order", confidence=0.9 - margin / 10,
                margin=margin, ranking=[{"intent": intent or "track_order", "confidence": 0.5}],
                route=ROUTES.get(intent), fallback=fallback, sample=sample)


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/nlu.db")
    store.migrate()
    yield store
    store.dispose()


@pytest.fixture
def queue(store):
    """Seven predictions, six of which belong in the queue."""
    store.add_predictions([
        row("confident-fb", minutes=1),                                     # + feedback
        row("fallback-fb", minutes=2, intent=None, fallback="low_confidence"),  # + feedback
        row("fallback-old", minutes=3, intent=None, fallback="out_of_scope", lang="en"),
        row("fallback-new", minutes=9, intent=None, fallback="ambiguous", margin=0.01),
        row("close-call", minutes=5, intent="refund_return", margin=0.1),
        row("sampled", minutes=6, sample=0.01),
        row("confident", minutes=7),                                        # not in the queue
    ])
    store.add_feedback("confident-fb", "agent", correct_intent="item_not_received",
                       correct_route="invoice_chat")
    store.add_feedback("fallback-fb", "customer", comment="tidak membantu")
    store.add_feedback("fallback-fb", "agent", correct_intent="contact_cs")
    return ReviewQueue(store, ROUTES, ROUTES, low_margin=0.2, sample_rate=0.05)


def ids(items):
    return [item["message_id"] for item in items]


def test_feedback_then_fallbacks_then_low_margin_then_a_sample(queue):
    items, total = queue.list()
    assert ids(items) == ["fallback-fb", "confident-fb", "fallback-new", "fallback-old",
                          "close-call", "sampled"]
    assert [i["priority"] for i in items] == ["feedback", "feedback", "fallback", "fallback",
                                              "low_margin", "sample"]
    assert total == 6
    assert {i["status"] for i in items} == {"pending"}


def test_an_item_carries_what_a_lead_needs(queue):
    items, _ = queue.list()
    item = items[1]
    assert item["message_id"] == "confident-fb"
    assert item["text"] == "pesan confident-fb"
    assert (item["intent"], item["route"], item["fallback"]) == ("track_order", "answer", None)
    assert item["confidence"] == pytest.approx(0.82)
    assert [(f["source"], f["correct_intent"], f["correct_route"]) for f in item["feedback"]] \
        == [("agent", "item_not_received", "invoice_chat")]
    fallback = items[0]
    assert [(f["source"], f["comment"], f["correct_intent"]) for f in fallback["feedback"]] == [
        ("customer", "tidak membantu", None), ("agent", None, "contact_cs")]


def test_a_confident_unsampled_prediction_stays_out_until_reviewed(queue):
    assert "confident" not in ids(queue.list()[0])
    queue.decide("confident", "track_order", "Sari")
    items, total = queue.list(status="confirmed")
    assert ids(items) == ["confident"] and total == 1


def test_filters(queue):
    assert ids(queue.list(intent="out_of_scope")[0]) == ["fallback-fb", "fallback-new", "fallback-old"]
    assert ids(queue.list(intent="refund_return")[0]) == ["close-call"]
    assert ids(queue.list(route="answer")[0]) == ["confident-fb", "sampled"]
    assert ids(queue.list(route="none", lang="en")[0]) == ["fallback-old"]
    assert ids(queue.list(since=DAY + timedelta(minutes=3),
                          until=DAY + timedelta(minutes=6))[0]) == ["fallback-old",
                                                                      "close-call"]
    assert queue.list(lang="mixed") == ([], 0)


def test_limit_and_offset_page_through_the_same_order(queue):
    everything = ids(queue.list()[0])
    pages = [queue.list(limit=4, offset=offset) for offset in (0, 4, 8)]
    assert [ids(items) for items, _ in pages] == [everything[:4], everything[4:], []]
    assert {total for _, total in pages} == {6}


def test_status_follows_the_decision(queue):
    queue.decide("close-call", "refund_return", "Sari")     # the prediction was right
    queue.decide("confident-fb", "item_not_received", "Sari")  # it was wrong
    queue.decide("fallback-old", None, "Budi")               # out of scope, as predicted
    assert ids(queue.list(status="confirmed")[0]) == ["fallback-old", "close-call"]
    assert ids(queue.list(status="relabelled")[0]) == ["confident-fb"]
    assert ids(queue.list(status="pending")[0]) == ["fallback-fb", "fallback-new", "sampled"]


def test_a_decision_records_who_and_when(queue):
    before = utcnow()
    values = queue.decide("confident-fb", "item_not_received", "Sari")
    assert values["label"] == "item_not_received" and values["reviewer"] == "Sari"
    assert values["out_of_scope"] is False
    item = queue.list(status="relabelled")[0][0]
    assert (item["label"], item["reviewer"]) == ("item_not_received", "Sari")
    assert before <= item["reviewed_at"] <= utcnow()


def test_a_later_decision_replaces_the_earlier_one(queue):
    queue.decide("confident-fb", "refund_return", "Sari")
    queue.decide("confident-fb", None, "Budi")
    items, total = queue.list(status="relabelled")
    assert total == 1
    assert (items[0]["label"], items[0]["reviewer"]) == (None, "Budi")
    assert queue.stats()["reviewed"] == 1


def test_a_decision_needs_a_known_intent_and_message(queue):
    with pytest.raises(UnknownLabel, match="label 'nope' is not an intent of the model"):
        queue.decide("confident-fb", "nope", "Sari")
    with pytest.raises(UnknownMessage, match="unknown message_id 'ghost'"):
        queue.decide("ghost", "track_order", "Sari")
    assert queue.stats()["reviewed"] == 0


def test_stats_count_misroutes_and_accuracy_on_reviewed_messages(queue):
    queue.decide("confident-fb", "item_not_received", "Sari")  # answer -> invoice_chat
    queue.decide("fallback-fb", "contact_cs", "Sari")          # none -> live_chat
    queue.decide("fallback-old", None, "Sari")                 # right: out of scope
    queue.decide("close-call", "refund_return", "Sari")        # right
    queue.decide("sampled", "greeting", "Sari")                # wrong intent, same route
    stats = queue.stats()
    today = utcnow().date().isoformat()
    assert stats["predictions"] == 7 and stats["feedback"] == 3
    assert stats["reviewed"] == 5 and stats["pending"] == 1
    assert stats["misclassified"] == 3 and stats["misrouted"] == 2
    assert sorted(stats["confused_pairs"], key=lambda p: (p["predicted"], p["correct"])) == [
        {"predicted": "out_of_scope", "correct": "contact_cs", "count": 1},
        {"predicted": "track_order", "correct": "greeting", "count": 1},
        {"predicted": "track_order", "correct": "item_not_received", "count": 1}]
    assert sorted(stats["misroutes_by_route"], key=lambda m: m["predicted_route"]) == [
        {"predicted_route": "answer", "correct_route": "invoice_chat", "count": 1},
        {"predicted_route": "none", "correct_route": "live_chat", "count": 1}]
    assert stats["misroutes_per_day"] == [{"day": today, "route": "answer", "count": 1},
                                          {"day": today, "route": "none", "count": 1}]
    assert stats["per_intent"] == {
        "item_not_received": {"reviewed": 1, "correct": 0, "accuracy": 0.0},
        "contact_cs": {"reviewed": 1, "correct": 0, "accuracy": 0.0},
        "out_of_scope": {"reviewed": 1, "correct": 1, "accuracy": 1.0},
        "refund_return": {"reviewed": 1, "correct": 1, "accuracy": 1.0},
        "greeting": {"reviewed": 1, "correct": 0, "accuracy": 0.0}}


def test_stats_before_any_review(queue):
    stats = queue.stats()
    assert (stats["reviewed"], stats["pending"], stats["misrouted"]) == (0, 6, 0)
    assert stats["confused_pairs"] == stats["misroutes_by_route"] == []
    assert stats["per_intent"] == {}


def test_reviewed_dataset_keeps_the_latest_decision_per_text(store):
    store.add_predictions([
        row("a", text="paket blm nyampe, hp [PHONE]", intent="track_order"),
        row("b", text="Paket  BLM nyampe, hp [PHONE]", intent="track_order", lang="mixed"),
        row("c", text="resep nasi goreng", intent="greeting", lang="id"),
        row("d", text="not reviewed", intent="greeting"),
    ])
    queue = ReviewQueue(store, ROUTES, ROUTES)
    queue.decide("a", "track_order", "Sari")
    queue.decide("c", None, "Sari")
    queue.decide("b", "item_not_received", "Budi")  # same text after normalization: wins
    dataset = queue.reviewed_dataset()
    assert sorted((e.text, e.intent, e.lang) for e in dataset.examples) == [
        ("Paket  BLM nyampe, hp [PHONE]", "item_not_received", "mixed"),
        ("resep nasi goreng", None, "id")]


def test_records_frame_has_each_reviewed_message_with_the_prediction(queue):
    assert queue.records_frame().empty
    queue.decide("confident-fb", "item_not_received", "lead")   # relabelled and misrouted
    queue.decide("close-call", "refund_return", "lead")         # confirmed
    queue.decide("fallback-old", None, "lead")                  # out of scope, as it fell back
    queue.decide("sampled", "greeting", "other lead")           # relabelled, same route
    records = queue.records_frame()
    assert records.columns.tolist() == [
        "message_id", "created_at", "text", "lang", "intent", "top_intent", "confidence",
        "margin", "route", "fallback", "model_version", "label", "correct_route", "status",
        "misrouted", "reviewer", "reviewed_at"]
    assert records.message_id.tolist() == ["confident-fb", "close-call", "fallback-old",
                                           "sampled"]  # in the order of the decisions
    by_id = records.set_index("message_id")
    assert by_id.status.to_dict() == {"confident-fb": "relabelled", "close-call": "confirmed",
                                      "fallback-old": "confirmed", "sampled": "relabelled"}
    assert by_id.misrouted.to_dict() == {"confident-fb": True, "close-call": False,
                                         "fallback-old": False, "sampled": False}
    assert by_id.loc["confident-fb", "correct_route"] == "invoice_chat"
    assert pd.isna(by_id.loc["fallback-old", "label"])
    assert by_id.loc["fallback-old", "fallback"] == "out_of_scope"
    assert by_id.loc["sampled", "reviewer"] == "other lead"
    assert by_id.loc["close-call", "text"] == "pesan close-call"


def test_feedback_frame_has_the_feedback_with_the_prediction(queue, store):
    feedback = queue.feedback_frame()
    assert feedback.columns.tolist() == [
        "id", "message_id", "source", "correct_intent", "correct_route", "comment",
        "created_at", "text", "lang", "intent", "route", "confidence", "fallback"]
    assert feedback[["message_id", "source", "correct_intent", "comment"]] \
        .astype(object).where(feedback.notna(), None).values.tolist() == [
        ["confident-fb", "agent", "item_not_received", None],
        ["fallback-fb", "customer", None, "tidak membantu"],
        ["fallback-fb", "agent", "contact_cs", None]]
    assert feedback.intent.tolist()[0] == "track_order"
    assert feedback.fallback.tolist()[1] == "low_confidence"


def test_frames_of_an_empty_store(store):
    queue = ReviewQueue(store, ROUTES, ROUTES)
    assert queue.records_frame().empty and "label" in queue.records_frame().columns
    assert queue.feedback_frame().empty and "comment" in queue.feedback_frame().columns
