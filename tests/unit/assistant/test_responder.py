"""Conversation fallback and replies, on the project's domain files."""

from pathlib import Path

import pytest

from nlu.assistant.conversation import ConversationState
from nlu.assistant.responder import load_responder
from nlu.data.readers import load_dataset
from nlu.model.prediction import Prediction, RankedIntent
from nlu.text.entities import Entity, extract_entities

DATA = Path(__file__).resolve().parents[3] / "data"


@pytest.fixture(scope="module")
def responder():
    return load_responder(DATA, load_dataset(DATA / "intents_id.yaml").intent_routes)


def prediction(text, intent=None, fallback=None, lang="id", ranking=("cancel_order",
                                                                     "order_not_shipped")):
    ranked = tuple(RankedIntent(i, 0.4) for i in ranking)
    return Prediction(text, intent, 0.4, ranked, fallback, lang, tuple(extract_entities(text)))


def test_first_miss_asks_to_rephrase(responder):
    reply, state = responder.respond(prediction("zzz qqq", fallback="out_of_scope"))
    assert reply.intent is None and not reply.handoff and reply.suggestions == ()
    assert reply.text.startswith("Maaf, aku belum menangkap maksudnya")
    assert state == ConversationState(misses=1)


def test_an_ambiguous_miss_offers_the_top_two_intents(responder):
    reply, state = responder.respond(prediction("batal kirim", fallback="ambiguous", lang="en"))
    assert reply.suggestions == ({"intent": "cancel_order", "label": "Cancel an order"},
                                 {"intent": "order_not_shipped", "label": "Order not shipped yet"})
    assert "“Cancel an order” or “Order not shipped yet”" in reply.text
    assert state.misses == 1


def test_second_consecutive_miss_hands_over_to_live_chat(responder):
    _, state = responder.respond(prediction("zzz", fallback="out_of_scope"))
    reply, state = responder.respond(prediction("qqq", fallback="low_confidence"), state)
    assert reply.handoff and reply.route == "live_chat"
    assert reply.steps[0] == "Ketuk menu garis tiga di kanan atas aplikasi."
    assert state == ConversationState()


def test_a_clear_hit_resets_the_count(responder):
    _, state = responder.respond(prediction("zzz", fallback="out_of_scope"))
    hit = prediction("paket blm nyampe", intent="item_not_received")
    reply, state = responder.respond(hit, state)
    assert reply.route == "invoice_chat" and state.misses == 0
    reply, _ = responder.respond(prediction("zzz", fallback="out_of_scope"), state)
    assert not reply.handoff


def test_answer_intents_are_answered_from_their_article_in_the_customer_language(responder):
    reply, _ = responder.respond(prediction("how do I track my parcel", intent="track_order",
                                            lang="en"))
    assert reply.route == "answer" and reply.kb_article["id"] == "track_order"
    assert reply.kb_article["title"] == "How to track your order and check the tracking number"
    assert reply.text.startswith("To track your package")


def test_a_mixed_message_is_answered_in_indonesian(responder):
    reply, _ = responder.respond(prediction("mau track order dong", intent="track_order",
                                            lang="mixed"))
    assert reply.lang == "id" and reply.text.startswith("Untuk melacak paketmu")


def test_a_question_close_to_one_article_is_answered_from_it_with_a_score(responder):
    reply, state = responder.respond(prediction("gimana cara hapus riwayat transaksi?",
                                                fallback="low_confidence"))
    assert reply.kb_article["id"] == "delete_transaction_history"
    assert reply.kb_article["score"] >= 0.3
    assert not reply.handoff and state.misses == 0


def test_seller_rules_show_in_the_reply(responder):
    wait, _ = responder.respond(prediction("seller ga bales udh 1 hari",
                                           intent="seller_unresponsive"))
    assert "Tunggu 2 hari lagi" in wait.text
    escalate, _ = responder.respond(prediction("seller ga bales udh 5 hari",
                                               intent="seller_unresponsive", lang="en"))
    assert escalate.text.startswith("It has been 5 days without a response from the seller")


def test_urgent_intents_say_so(responder):
    reply, _ = responder.respond(prediction("saldo kepotong 2x", intent="payment_issue"))
    assert reply.urgent and reply.text.startswith("Kendala ini kami prioritaskan.")


def test_entities_pass_through(responder):
    p = prediction("INV/20261103/MPL/3456789012 blm sampai", intent="item_not_received")
    reply, _ = responder.respond(p)
    assert reply.entities == (Entity("invoice", "INV/20261103/MPL/3456789012", 0, 27),)
    assert "INV/20261103/MPL/3456789012" in reply.steps[1]


def test_respond_many_searches_the_knowledge_base_once_for_what_needs_it(responder,
                                                                         monkeypatch):
    predictions = [prediction("zzz qqq", fallback="out_of_scope"),
                   prediction("cara lacak paket", intent="track_order"),
                   prediction("batalin pesanan", intent="cancel_order"),
                   prediction("halo kak", intent="greeting")]
    searched = []
    search_many = responder.knowledge.search_many
    monkeypatch.setattr(responder.knowledge, "search_many",
                        lambda texts, limit: searched.append(list(texts))
                        or search_many(texts, limit))

    replies = responder.respond_many(predictions, [ConversationState(misses=1), None, None,
                                                   None])

    # One search, for the miss and the intents answered from articles (not cancel_order).
    assert searched == [["zzz qqq", "cara lacak paket", "halo kak"]]
    monkeypatch.undo()
    assert replies == [responder.respond(predictions[0], ConversationState(misses=1))] + [
        responder.respond(p) for p in predictions[1:]]
    assert replies[0][0].handoff and replies[1][0].kb_article["id"] == "track_order"
