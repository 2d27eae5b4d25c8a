"""ReviewQueue over a SQLite store: membership, order, groups, filters, statuses for each
viewer, decisions and undo, blind double review, and the reviewed messages as data."""

from datetime import timedelta

import pandas as pd
import pytest

from nlu.errors import NothingToUndo, UnknownLabel, UnknownMessage
from nlu.feedback.tables import utcnow

from .samples import DAY, row

#: Messages with nothing in common: each its own group.
DISTINCT = ["akun diblokir", "voucher gagal", "ongkir mahal", "resi palsu", "saldo hilang",
            "kurir kasar", "barang pecah", "salah warna", "toko tutup", "promo habis",
            "otp telat", "cashback nihil", "alamat keliru"]


@pytest.fixture
def queue(store, make_queue):
    """Seven predictions, six of which belong in the queue; nothing reviewed twice."""
    store.add_predictions([
        row("confident-fb", minutes=1, text="paket sampai mana ya"),             # + feedback
        row("fallback-fb", minutes=2, intent=None, fallback="low_confidence",
            text="lapor penipuan penjual"),                                       # + feedback
        row("fallback-old", minutes=3, intent=None, fallback="out_of_scope", lang="en",
            text="weather in jakarta"),
        row("fallback-new", minutes=9, intent=None, fallback="ambiguous", margin=0.01,
            text="asdfghjkl qwerty"),
        row("close-call", minutes=5, intent="refund_return", margin=0.1,
            text="dana blm balik", confidence=0.45),
        row("sampled", minutes=6, sample=0.01, text="cek resi dong"),
        row("confident", minutes=7, text="lacak kiriman saya"),                   # not queued
    ])
    store.add_feedback("confident-fb", "agent", correct_intent="item_not_received",
                       correct_route="invoice_chat")
    store.add_feedback("fallback-fb", "customer", comment="tidak membantu")
    store.add_feedback("fallback-fb", "agent", correct_intent="contact_cs")
    return make_queue(store)


def ids(page):
    return [item["message_id"] for item in page.items]


def test_feedback_first_then_by_uncertainty_with_the_sample_kept_in(queue):
    page = queue.list()
    # Feedback by score (the fallback is less sure), then the most doubtful answers.
    assert ids(page) == ["fallback-fb", "confident-fb", "fallback-new", "close-call",
                         "fallback-old", "sampled"]
    assert [i["priority"] for i in page.items] == ["feedback", "feedback", "fallback",
                                                   "low_margin", "fallback", "sample"]
    assert (page.total, page.messages, page.truncated) == (6, 6, False)
    assert {i["status"] for i in page.items} == {"pending"}
    scores = {i["message_id"]: i["score"] for i in page.items}
    assert scores["fallback-new"] == pytest.approx(0.99) and scores["close-call"] == 0.9


def test_an_item_carries_what_a_lead_needs(queue):
    items = {i["message_id"]: i for i in queue.list().items}
    item = items["confident-fb"]
    assert item["text"] == "paket sampai mana ya"
    assert (item["intent"], item["route"], item["fallback"]) == ("track_order", "answer", None)
    assert [(f["source"], f["correct_intent"], f["correct_route"]) for f in item["feedback"]] \
        == [("agent", "item_not_received", "invoice_chat")]
    assert item["agent_suggestion"] == {"label": "item_not_received"}
    assert (item["count"], item["message_ids"]) == (1, ["confident-fb"])
    # Confirming an answer means its intent; a fallback's answer is out of scope.
    assert item["default_label"] == "track_order"
    assert item["suggestions"] == ["track_order", "greeting"]
    fallback = items["fallback-fb"]
    assert fallback["default_label"] is None
    assert fallback["suggestions"] == ["track_order", "greeting"]  # the guesses, ranked
    assert [(f["source"], f["comment"], f["correct_intent"]) for f in fallback["feedback"]] == [
        ("customer", "tidak membantu", None), ("agent", None, "contact_cs")]
    assert fallback["agent_suggestion"] == {"label": "contact_cs"}


def test_an_agent_can_say_out_of_scope(store, queue):
    store.add_feedback("close-call", "agent", out_of_scope=True)
    item = next(i for i in queue.list().items if i["message_id"] == "close-call")
    assert item["agent_suggestion"] == {"label": None}
    assert item["feedback"][0]["out_of_scope"] is True and item["priority"] == "feedback"


def test_near_duplicates_are_one_row_with_a_count(store, make_queue):
    store.add_predictions([
        row("a", minutes=1, margin=0.1, text="Paket blm nyampe kak"),
        row("b", minutes=2, margin=0.1, text="paket BLM nyampeee"),
        row("c", minutes=3, margin=0.15, text="paket blm nyampe dong kak"),
        row("d", minutes=4, margin=0.1, text="mau refund dana saya"),
    ])
    page = make_queue(store).list()
    assert [(i["message_id"], i["count"]) for i in page.items] == [("c", 3), ("d", 1)]
    assert page.items[0]["message_ids"] == ["c", "b", "a"]  # newest first
    assert (page.total, page.messages) == (2, 4)
    assert page.items[0]["first_seen"] == DAY + timedelta(minutes=1)


def test_one_confusion_does_not_fill_the_page(store, make_queue):
    same = [{"intent": "track_order", "confidence": 0.4},
            {"intent": "item_not_received", "confidence": 0.35}]
    other = [{"intent": "refund_return", "confidence": 0.4},
             {"intent": "contact_cs", "confidence": 0.3}]
    store.add_predictions(
        [row(f"same-{i}", minutes=i, margin=0.05, ranking=same, text=f"kiriman {w} lama")
         for i, w in enumerate(["ini", "itu", "kemarin", "besok"])]
        + [row("other", minutes=9, margin=0.1, ranking=other, intent="refund_return",
               text="dana refund belum balik")])
    order = ids(make_queue(store).list())
    # Less doubtful than each of the four, but the only one of its kind: second.
    assert order[0].startswith("same-") and order[1] == "other"


def test_the_random_sample_keeps_every_tenth_place(store, make_queue):
    store.add_predictions([row(f"doubt-{i:02d}", minutes=i, margin=0.1, text=DISTINCT[i])
                           for i in range(12)]
                          + [row("sure", minutes=30, sample=0.01, text="cek resi saya")])
    order = ids(make_queue(store).list(limit=20))
    assert order.index("sure") == 9


def test_a_confident_unsampled_prediction_stays_out_until_reviewed(queue):
    assert "confident" not in ids(queue.list())
    queue.decide("confident", "track_order", "Sari")
    page = queue.list(status="confirmed")
    assert ids(page) == ["confident"] and page.total == 1


def test_filters(queue):
    assert ids(queue.list(intent="out_of_scope")) == ["fallback-fb", "fallback-new",
                                                      "fallback-old"]
    assert ids(queue.list(intent="refund_return")) == ["close-call"]
    assert ids(queue.list(route="answer")) == ["confident-fb", "sampled"]
    assert ids(queue.list(route="none", lang="en")) == ["fallback-old"]
    assert ids(queue.list(fallback="ambiguous")) == ["fallback-new"]
    assert ids(queue.list(fallback="none")) == ["confident-fb", "close-call", "sampled"]
    assert ids(queue.list(q="PENIPUAN")) == ["fallback-fb"]
    assert ids(queue.list(q="100%")) == []  # LIKE wildcards are literal
    assert ids(queue.list(min_confidence=0.44, max_confidence=0.46)) == ["close-call"]
    assert ids(queue.list(since=DAY + timedelta(minutes=3),
                          until=DAY + timedelta(minutes=6))) == ["close-call", "fallback-old"]
    assert queue.list(lang="mixed").items == []
    queue.decide("sampled", "track_order", "Budi")
    assert ids(queue.list(reviewer="Budi")) == ["sampled"]
    assert ids(queue.list(reviewer="Sari")) == []


def test_limit_and_offset_page_through_the_same_order(queue):
    everything = ids(queue.list())
    pages = [queue.list(limit=4, offset=offset) for offset in (0, 4, 8)]
    assert [ids(p) for p in pages] == [everything[:4], everything[4:], []]
    assert {p.total for p in pages} == {6}


def test_only_the_newest_messages_are_scanned(store, make_queue):
    store.add_predictions([row(f"m{i}", minutes=i, margin=0.1, text=DISTINCT[i])
                           for i in range(1, 6)])
    page = make_queue(store, scan_limit=3).list()
    assert page.truncated and set(ids(page)) == {"m5", "m4", "m3"}


def test_status_follows_the_decision(queue):
    queue.decide("close-call", "refund_return", "Sari")       # the prediction was right
    queue.decide("confident-fb", "item_not_received", "Sari")  # it was wrong
    queue.decide("fallback-old", None, "Budi")                 # out of scope, as predicted
    assert ids(queue.list(status="confirmed")) == ["fallback-old", "close-call"]
    assert ids(queue.list(status="relabelled")) == ["confident-fb"]
    assert set(ids(queue.list(status="reviewed"))) == {"fallback-old", "close-call",
                                                      "confident-fb"}
    assert ids(queue.list(status="pending")) == ["fallback-fb", "fallback-new", "sampled"]


def test_every_decision_is_kept_and_the_latest_counts(queue):
    first = queue.decide("confident-fb", "refund_return", "Sari")
    assert (first["previous_label"], first["model_version"]) == ("track_order", "v2")
    second = queue.decide("confident-fb", None, "Budi")
    assert second["previous_label"] == "refund_return"
    assert second["others"] == [{"reviewer": "Sari", "label": "refund_return"}]
    assert second["disagreement"] is True
    item = queue.list(status="relabelled").items[0]
    assert (item["label"], item["reviewer"], item["disagreement"]) == (None, "Budi", True)
    history = queue.history("confident-fb")["decisions"]
    assert [(d["reviewer"], d["previous_label"], d["label"]) for d in history] == [
        ("Sari", "track_order", "refund_return"), ("Budi", "refund_return", None)]
    assert all(d["model_version"] == "v2" and d["created_at"] <= utcnow() for d in history)


def test_disagreements_are_a_view_until_resolved(queue):
    queue.decide("close-call", "refund_return", "Sari")
    queue.decide("close-call", "contact_cs", "Budi")
    page = queue.list(status="disagreement")
    assert ids(page) == ["close-call"]
    assert page.items[0]["labels"] == [{"reviewer": "Sari", "label": "refund_return"},
                                       {"reviewer": "Budi", "label": "contact_cs"}]
    # Agreeing later settles it as well as a resolution does.
    queue.decide("close-call", "contact_cs", "Sari")
    assert queue.list(status="disagreement").items == []
    queue.decide("close-call", "refund_return", "Budi")
    assert ids(queue.list(status="disagreement")) == ["close-call"]
    resolved = queue.decide("close-call", "refund_return", "Lead", resolve=True)
    assert resolved["resolves"] and not resolved["disagreement"]
    assert queue.list(status="disagreement").items == []
    # A new contrary decision after the resolution reopens it.
    queue.decide("close-call", "greeting", "Sari")
    assert ids(queue.list(status="disagreement")) == ["close-call"]


def test_undo_brings_back_the_previous_state(queue):
    queue.decide("close-call", "contact_cs", "Sari")
    queue.decide("close-call", "refund_return", "Sari")
    undone = queue.undo("close-call", "Sari")
    assert undone["undone"]["label"] == "refund_return" and undone["label"] == "contact_cs"
    assert ids(queue.list(status="relabelled")) == ["close-call"]
    assert queue.undo("close-call", "Sari")["pending"] is True
    assert "close-call" in ids(queue.list(status="pending"))
    history = queue.history("close-call")["decisions"]
    assert [(d["label"], d["undone_by"]) for d in history] == [("contact_cs", "Sari"),
                                                             ("refund_return", "Sari")]
    with pytest.raises(NothingToUndo, match="Sari has no decision on message 'close-call'"):
        queue.undo("close-call", "Sari")
    queue.decide("close-call", "contact_cs", "Budi")
    with pytest.raises(NothingToUndo):
        queue.undo("close-call", "Sari")  # only one's own decisions


def test_bulk_decisions_are_all_or_none(queue):
    results = queue.decide_many(["fallback-new", "fallback-old", "fallback-new"], None, "Sari")
    assert [r["message_id"] for r in results] == ["fallback-new", "fallback-old"]
    with pytest.raises(UnknownMessage):
        queue.decide_many(["close-call", "ghost"], "refund_return", "Sari")
    assert "close-call" in ids(queue.list(status="pending"))


def test_a_decision_needs_a_known_intent_and_message(queue):
    with pytest.raises(UnknownLabel, match="label 'nope' is not an intent of the model"):
        queue.decide("confident-fb", "nope", "Sari")
    with pytest.raises(UnknownMessage, match="unknown message_id 'ghost'"):
        queue.decide("ghost", "track_order", "Sari")
    with pytest.raises(UnknownMessage):
        queue.history("ghost")
    assert queue.list(status="reviewed").items == []


def test_a_double_review_message_is_blind_until_two_reviewers_decided(store, make_queue):
    store.add_predictions([row("twice", margin=0.1, sample=0.95, text="dua kali dicek"),
                           row("once", minutes=1, margin=0.1, sample=0.5, text="sekali saja")])
    queue = make_queue(store, double_rate=0.1)
    first = queue.decide("twice", "refund_return", "Sari")
    assert first["blind"] and first["others"] == []
    # For Budi it is still pending, and Sari's label is not shown to him.
    budi = {i["message_id"]: i for i in queue.list("Budi", status="pending").items}
    assert budi["twice"]["double_review"] and budi["twice"]["label"] is None
    assert budi["twice"]["reviewer"] is None
    assert queue.history("twice", viewer="Budi") == {"message_id": "twice", "decisions": [],
                                                     "hidden": 1}
    assert "twice" not in ids(queue.list("Sari", status="pending"))
    second = queue.decide("twice", "contact_cs", "Budi")
    # Told once decided, blind as it was.
    assert second["blind"] and second["disagreement"]
    assert second["others"] == [{"reviewer": "Sari", "label": "refund_return"}]
    assert "twice" not in ids(queue.list("Budi", status="pending"))
    assert len(queue.history("twice", viewer="Budi")["decisions"]) == 2
    assert not queue.decide("twice", "contact_cs", "Rina")["blind"]  # a third, not blind
    # A message outside the sample is done after one decision, for everyone.
    queue.decide("once", "refund_return", "Sari")
    assert "once" not in ids(queue.list("Budi", status="pending"))
    assert queue.agreement() == [{"reviewers": ["Budi", "Sari"], "messages": 1, "agreed": 0,
                                  "observed": 0.0, "kappa": 0.0}]


def test_pending_count_and_rejected_messages(queue):
    assert queue.pending_count() == 6
    queue.decide("close-call", None, "Sari")
    queue.decide("fallback-fb", "contact_cs", "Sari")
    assert queue.pending_count() == 4
    assert [r["message_id"] for r in queue.rejected()] == ["fallback-new", "close-call",
                                                          "fallback-old"]


def test_reviewed_dataset_keeps_the_latest_decision_per_text(store, make_queue):
    store.add_predictions([
        row("a", text="paket blm nyampe, hp [PHONE]", intent="track_order"),
        row("b", text="Paket  BLM nyampe, hp [PHONE]", intent="track_order", lang="mixed"),
        row("c", text="resep nasi goreng", intent="greeting", lang="id"),
        row("d", text="not reviewed", intent="greeting"),
        row("e", text="bingung ini apa", intent="greeting"),
    ])
    queue = make_queue(store)
    queue.decide("a", "track_order", "Sari")
    queue.decide("c", None, "Sari")
    queue.decide("b", "item_not_received", "Budi")  # same text after normalization: wins
    queue.decide("e", "greeting", "Sari")
    queue.decide("e", "contact_cs", "Budi")         # disagreement: held back
    dataset = queue.reviewed_dataset()
    assert sorted((e.text, e.intent, e.lang) for e in dataset.examples) == [
        ("Paket  BLM nyampe, hp [PHONE]", "item_not_received", "mixed"),
        ("resep nasi goreng", None, "id")]
    assert {e.origin for e in dataset.examples} == {"review"}
    assert [str(w) for w in dataset.warnings] == [
        "review: message e ('bingung ini apa') held back: its reviewers disagree"]


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
    assert by_id.loc["sampled", "reviewer"] == "other lead"


def test_feedback_frame_has_the_feedback_with_the_prediction(queue):
    feedback = queue.feedback_frame()
    assert feedback.columns.tolist() == [
        "id", "message_id", "source", "correct_intent", "correct_route", "comment",
        "created_at", "text", "lang", "intent", "route", "confidence", "fallback"]
    assert feedback[["message_id", "source", "correct_intent", "comment"]] \
        .astype(object).where(feedback.notna(), None).values.tolist() == [
        ["confident-fb", "agent", "item_not_received", None],
        ["fallback-fb", "customer", None, "tidak membantu"],
        ["fallback-fb", "agent", "contact_cs", None]]


def test_frames_of_an_empty_store(store, make_queue):
    queue = make_queue(store)
    assert queue.records_frame().empty and "label" in queue.records_frame().columns
    assert queue.feedback_frame().empty and "comment" in queue.feedback_frame().columns
