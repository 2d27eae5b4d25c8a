"""Replies, alone and as turns of a conversation, on the project's domain files.

Predictions are written by hand (the intent, confidence and ranking a model could give), so
each test knows exactly what the responder was told.
"""

from pathlib import Path

import pytest

from nlu.assistant.conversation import ConversationState, Question
from nlu.assistant.responder import load_responder
from nlu.data.readers import load_dataset
from nlu.model.prediction import Prediction, RankedIntent
from nlu.text.entities import Entity, extract_entities
from nlu.text.language import LanguageDetector

DATA = Path(__file__).resolve().parents[3] / "data"
INVOICE = "INV/20261103/MPL/3456789012"
LIVE_CHAT_FIRST_STEP = "Ketuk menu garis tiga di kanan atas aplikasi."


@pytest.fixture(scope="module")
def responder():
    return load_responder(DATA, load_dataset(DATA / "intents_id.yaml").intent_routes)


def prediction(text, intent=None, fallback=None, confidence=None,
               ranking=("cancel_order", "order_not_shipped"), lang=None):
    """The model's prediction: ``intent`` at ``confidence`` (0.97 for a hit, 0.4 for a
    fallback), then the rest of ``ranking``."""
    if confidence is None:
        confidence = 0.97 if intent else 0.4
    intents = [intent] + [i for i in ranking if i != intent] if intent else list(ranking)
    rest = (1 - confidence) / max(len(intents) - 1, 1)
    ranked = tuple(RankedIntent(i, confidence if n == 0 else round(rest * 0.9 ** n, 4))
                   for n, i in enumerate(intents))
    return Prediction(text, None if fallback else intent, confidence, ranked, fallback,
                      lang or LanguageDetector()(text), tuple(extract_entities(text)))


class Chat:
    """A conversation: ``chat("text", intent=...)`` is a turn, ``chat.click(intent)`` a
    suggestion clicked; ``chat.state`` what the caller would store."""

    def __init__(self, responder):
        self.responder, self.state = responder, ConversationState()

    def __call__(self, text, **model):
        reply, self.state = self.responder.respond(prediction(text, **model), self.state)
        self.state = ConversationState.from_dict(self.state.to_dict())  # as stored
        return reply

    def click(self, suggestion, **model):
        self.state = self.state.choose(suggestion["intent"], {suggestion["intent"]})
        return self(suggestion["label"], **model)


@pytest.fixture
def chat(responder):
    return Chat(responder)


OOS = dict(fallback="out_of_scope", confidence=0.01)


# -- A message on its own (/v1/parse) --------------------------------------------------------

def test_a_message_alone_gets_its_route_and_steps_at_once(responder):
    reply, state = responder.respond(prediction("paket blm nyampe", intent="item_not_received"))
    assert state is None
    assert reply.route == "invoice_chat" and reply.awaiting == ()
    assert reply.steps[1] == "Cari pesanan yang bermasalah."
    assert reply.route_name == "Chat CS lewat invoice pesanan"


def test_a_miss_alone_asks_to_rephrase_or_offers_the_candidates(responder):
    miss, _ = responder.respond(prediction("zzz qqq", fallback="out_of_scope"))
    assert miss.text.startswith("Maaf, aku belum menangkap maksudnya") and not miss.handoff
    ambiguous, _ = responder.respond(prediction("batal kirim", fallback="ambiguous", lang="en"))
    assert ambiguous.suggestions == (
        {"intent": "cancel_order", "label": "Cancel an order"},
        {"intent": "order_not_shipped", "label": "Order not shipped yet"})
    assert "“Cancel an order” or “Order not shipped yet”" in ambiguous.text


def test_answer_intents_are_answered_from_their_article_in_the_customer_language(responder):
    reply, _ = responder.respond(prediction("how do I track my parcel", intent="track_order"))
    assert reply.route == "answer" and reply.kb_article["id"] == "track_order"
    assert reply.kb_article["title"] == "How to track your order and check the tracking number"
    assert reply.text.startswith("To track your package")
    mixed, _ = responder.respond(prediction("mau track order dong", intent="track_order"))
    assert mixed.lang == "id" and mixed.text.startswith("Untuk melacak paketmu")


def test_a_question_close_to_one_article_is_answered_from_it_with_a_score(responder):
    reply, _ = responder.respond(prediction("gimana cara hapus riwayat transaksi?",
                                            fallback="low_confidence", confidence=0.1))
    assert reply.kb_article["id"] == "delete_transaction_history"
    assert reply.kb_article["score"] >= 0.3


@pytest.mark.parametrize("text, start", [
    ("seller ga bales komplain udh 1 hari", "Penjual punya waktu 3 hari untuk menanggapi "
                                            "komplain. Tunggu 2 hari lagi"),
    ("seller ga bales komplain udh 5 hari", "Sudah 5 hari tanpa tanggapan penjual"),
    # A chat the seller has not answered: there is no complaint to escalate yet.
    ("seller ga bales chat baru 1 hari", "Kalau penjual belum membalas, ajukan komplain dulu"),
])
def test_seller_rules_show_in_the_reply(responder, text, start):
    reply, _ = responder.respond(prediction(text, intent="seller_unresponsive", lang="id"))
    assert reply.text.startswith(start)


def test_urgent_intents_say_so(responder):
    reply, _ = responder.respond(prediction("saldo kepotong 2x", intent="payment_issue"))
    assert reply.urgent and reply.text.startswith("Kendala ini kami prioritaskan.")


def test_entities_pass_through(responder):
    reply, _ = responder.respond(prediction(f"{INVOICE} blm sampai", intent="item_not_received"))
    assert reply.entities == (Entity("invoice", INVOICE, 0, 27),)
    assert INVOICE in reply.steps[1]


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


# -- The conversation's language -------------------------------------------------------------

def test_short_or_unclear_messages_keep_the_conversation_language(chat):
    assert chat("halo kak, mau tanya dong", intent="greeting").lang == "id"
    assert chat("ok", intent="thanks_goodbye", lang="en").lang == "id"
    assert chat("where is my package now?", intent="track_order").lang == "en"
    unclear = chat("wkwkwk", **OOS, lang="id")
    assert unclear.lang == "en"
    assert unclear.text == "Sorry, I didn't quite get that. Could you say it another way?"


# -- The order ------------------------------------------------------------------------------

def test_an_order_route_asks_for_the_order_once_and_uses_the_answer(chat):
    asked = chat("paket blm nyampe udh 5 hari", intent="item_not_received")
    assert asked.awaiting == ("order",) and asked.steps == ()
    assert asked.intent == "item_not_received" and asked.route == "invoice_chat"
    assert asked.text.startswith("Baik, soal “Pesanan belum sampai”. Boleh tahu pesanan "
                                 "yang mana?")
    assert asked.suggestions == ({"intent": "item_not_received", "label": "Lewati"},)

    answered = chat(INVOICE, **OOS)
    assert answered.intent == "item_not_received" and answered.confidence == 0.97
    assert answered.text.startswith(f"Oke, pesanan {INVOICE}. Kendala ini paling cepat")
    assert answered.steps[1] == f"Cari pesanan {INVOICE}."
    assert chat.state.entities == {"invoice": INVOICE, "duration": 5}

    # The order is remembered for what comes next: nothing asked again.
    later = chat("mau batalin aja deh", intent="cancel_order")
    assert later.awaiting == () and later.steps[1] == f"Cari pesanan {INVOICE}."


@pytest.mark.parametrize("answer", ["lewati", "yang kemarin", "gk tau kak", "hmm", "ok makasih"])
def test_going_on_without_the_order_never_loops(chat, answer):
    chat("barang yang dateng rusak", intent="damaged_or_wrong_item")
    model = dict(intent="thanks_goodbye") if "makasih" in answer else OOS
    reply = chat(answer, **model)
    assert reply.intent == "damaged_or_wrong_item" and reply.awaiting == ()
    assert reply.text.startswith("Tidak apa-apa, tanpa nomor invoice juga bisa. Untuk kendala "
                                 "ini, ajukan komplain di Pusat Resolusi")
    assert reply.steps[0] == "Buka menu Transaksi dan cari pesanan yang bermasalah."
    again = chat("mau refund juga", intent="refund_return")  # asked once per conversation
    assert again.awaiting == () and again.steps


def test_an_order_given_after_the_steps_updates_them(chat):
    chat("my package has not arrived", intent="item_not_received")
    chat("skip", **OOS)
    reply = chat(f"oh here it is {INVOICE}", **OOS)
    assert reply.intent == "item_not_received"
    assert reply.text.startswith(f"Got it, order {INVOICE}.")
    assert reply.steps[1] == f"Find order {INVOICE}."


def test_the_same_complaint_with_its_order_after_the_steps_is_no_repeat(chat):
    chat("paket blm nyampe", intent="item_not_received")
    chat("skip", **OOS)
    reply = chat(f"paket {INVOICE} belum nyampe", intent="item_not_received")
    assert not reply.handoff and reply.steps[1] == f"Cari pesanan {INVOICE}."
    assert chat("paketnya belum nyampe juga", intent="item_not_received").handoff


def test_a_new_complaint_instead_of_the_order_changes_the_topic_and_keeps_the_order(chat):
    chat("mau cancel order dong", intent="cancel_order")
    reply = chat(f"{INVOICE} tapi sebenarnya barangnya rusak", intent="damaged_or_wrong_item")
    assert reply.intent == "damaged_or_wrong_item" and reply.route == "resolution_center"
    assert reply.steps[0] == f"Buka menu Transaksi dan cari pesanan {INVOICE}."


def test_an_unsure_new_sentence_instead_of_the_order_is_asked_about(chat):
    chat("mau cancel order dong", intent="cancel_order")
    reply = chat("barang udah sampe tapi salah warna, mau tukar", fallback="ambiguous",
                 ranking=("damaged_or_wrong_item", "refund_return"))
    assert reply.awaiting == ("choice",) and reply.intent is None
    # Unsure of a short answer, or of the question's own intent: still the answer.
    chat.state = ConversationState()
    chat("mau cancel order dong", intent="cancel_order")
    assert chat("yg td", fallback="ambiguous").intent == "cancel_order"


def test_a_short_answer_the_model_misreads_is_still_an_answer(chat):
    chat("penjual tidak merespons komplain saya", intent="seller_unresponsive")
    # "belum" (not yet) reads to the model as an order not shipped yet.
    reply = chat("belum", intent="order_not_shipped", confidence=0.9)
    assert reply.intent == "seller_unresponsive"
    assert "ajukan komplain dulu" in reply.text


# -- A seller that does not respond ---------------------------------------------------------

def test_a_silent_seller_asks_for_the_days_and_the_order_in_one_question(chat):
    asked = chat("seller ga bales komplain saya", intent="seller_unresponsive")
    assert asked.awaiting == ("days", "order")
    assert "Sudah berapa hari sejak komplainmu dibuat" in asked.text
    assert "nomor invoice-nya" in asked.text
    assert [s["label"] for s in asked.suggestions] == ["Belum komplain", "1 hari", "2 hari",
                                                       "3 hari atau lebih"]
    reply = chat.click(asked.suggestions[2], **OOS)
    assert reply.text.startswith("Tidak apa-apa, tanpa nomor invoice juga bisa. Penjual punya "
                                 "waktu 3 hari untuk menanggapi komplain. Tunggu 1 hari lagi")
    assert reply.steps[1].startswith("Buka detail komplain di Pusat Resolusi")


@pytest.mark.parametrize("label, start", [
    ("Belum komplain", "Kalau penjual belum membalas, ajukan komplain dulu"),
    ("3 hari atau lebih", "Sudah 3 hari tanpa tanggapan penjual"),
])
def test_every_days_button_is_understood(chat, label, start):
    asked = chat(f"seller ga bales komplain {INVOICE}", intent="seller_unresponsive")
    assert asked.awaiting == ("days",) and "invoice" not in asked.text  # the order is known
    [button] = [s for s in asked.suggestions if s["label"] == label]
    assert chat.click(button, **OOS).text.startswith(start)


def test_a_duration_said_about_something_else_is_not_the_days_since_the_complaint(chat):
    chat(f"paket {INVOICE} blm nyampe udh 5 hari", intent="item_not_received")
    asked = chat("seller ga bales komplain juga", intent="seller_unresponsive")
    assert asked.awaiting == ("days",)
    reply = chat("hmm", **OOS)  # no answer: on without the days, asked once
    assert reply.intent == "seller_unresponsive" and "5 hari" not in reply.text
    assert reply.text.startswith("Untuk kendala ini, ajukan komplain di Pusat Resolusi")


def test_the_days_of_a_clarified_message_count_for_the_pick(chat):
    asked = chat("udah 4 hari ga ada respon", fallback="ambiguous",
                 ranking=("seller_unresponsive", "item_not_received"))
    reply = chat.click(asked.suggestions[0], **OOS)
    assert reply.awaiting == ("order",)  # the days are known: only the order is asked
    assert chat("skip", **OOS).text.startswith("Tidak apa-apa, tanpa nomor invoice juga "
                                               "bisa. Sudah 4 hari tanpa tanggapan penjual")


def test_days_given_at_once_are_not_asked(chat):
    reply = chat(f"seller ga bales komplain udh 4 hari {INVOICE}", intent="seller_unresponsive")
    assert reply.awaiting == () and reply.text.startswith("Sudah 4 hari tanpa tanggapan")


def test_a_chat_only_needs_no_days_it_needs_a_complaint(chat):
    asked = chat("seller ga bales chat baru 1 hari", intent="seller_unresponsive")
    assert asked.awaiting == ("order",)
    assert chat("skip", **OOS).text.endswith("kamu bisa tekan Minta Bantuan agar CS "
                                             "menengahi. Caranya:")


def test_in_a_conversation_a_miss_close_to_an_article_is_answered_from_it(chat):
    reply = chat("gimana cara hapus riwayat transaksi?", fallback="low_confidence",
                 confidence=0.1)
    assert reply.kb_article["id"] == "delete_transaction_history" and not reply.handoff
    assert chat.state.misses == 0


# -- Clarification --------------------------------------------------------------------------

RANKING = ("damaged_or_wrong_item", "item_not_received", "refund_return")


def test_a_middling_prediction_is_a_question_with_the_candidates(chat):
    reply = chat("barang udah sampe tapi salah warna, mau tukar", intent="damaged_or_wrong_item",
                 confidence=0.56, ranking=RANKING)
    assert reply.intent is None and reply.route is None and reply.awaiting == ("choice",)
    assert [s["intent"] for s in reply.suggestions] == list(RANKING)
    assert reply.text == ("Maaf, maksudnya yang mana: “Barang rusak atau salah”, “Pesanan "
                          "belum sampai” atau “Refund atau retur”? Pilih salah satu, atau "
                          "ceritakan dengan kalimat lain.")
    assert chat.state.question.intents == RANKING and chat.state.misses == 0


def test_a_click_resolves_the_question_with_the_model_confidence_of_the_pick(chat):
    asked = chat("salah warna, mau tukar", fallback="low_confidence", confidence=0.48,
                 ranking=RANKING)
    offered = dict(chat.state.question.candidates)
    reply = chat.click(asked.suggestions[2], intent="refund_return", confidence=0.99)
    assert reply.intent == "refund_return"
    assert reply.confidence == offered["refund_return"] < 0.48  # not the label's 0.99
    assert reply.text.startswith("Baik, soal “Refund atau retur”.")


@pytest.mark.parametrize("answer, picked", [("yang kedua", "item_not_received"),
                                            ("barang rusak atau salah", "damaged_or_wrong_item")])
def test_a_reply_naming_a_candidate_resolves_it(chat, answer, picked):
    chat("salah warna, mau tukar", fallback="ambiguous", ranking=RANKING)
    assert chat(answer, **OOS).intent == picked


def test_a_click_on_an_old_suggestion_is_taken_as_said(chat):
    chat("halo kak", intent="greeting")  # nothing asked: the button is from earlier
    reply = chat.click({"intent": "cancel_order", "label": "Batalkan pesanan"}, **OOS)
    assert reply.intent == "cancel_order" and reply.awaiting == ("order",)


def test_an_unresolved_question_then_a_miss_hands_over(chat):
    chat("tolong", fallback="low_confidence", confidence=0.42, ranking=RANKING)
    assert chat("zzz", **OOS).handoff is False
    assert chat("qqq", **OOS).handoff is True


def test_a_question_about_intents_the_model_no_longer_has_is_ignored(responder):
    stale = ConversationState(question=Question(candidates=(("old_intent", 0.5),
                                                            ("cancel_order", 0.3))))
    reply, _ = responder.respond(prediction("yang pertama", **OOS), stale)
    assert reply.intent is None and not reply.handoff


# -- Frustration and hand-over --------------------------------------------------------------

def test_an_angry_message_is_handed_over_with_an_apology(chat):
    reply = chat("ini gimana sih pelayanannya parah banget!!!", **OOS)
    assert reply.handoff and reply.frustrated and reply.route == "live_chat"
    assert reply.text.startswith("Maaf banget atas ketidaknyamanannya")
    assert reply.steps[0] == LIVE_CHAT_FIRST_STEP
    assert reply.route_name == "Live chat Tokopedia Care"


def test_an_angry_urgent_message_stays_urgent(chat):
    reply = chat("SALDO SAYA KEPOTONG TAPI GAGAL BAYAR", intent="payment_issue")
    assert reply.handoff and reply.urgent and reply.intent == "payment_issue"
    assert reply.text.startswith("Kendala ini kami prioritaskan. Maaf banget")


def test_the_same_complaint_again_is_handed_over_with_the_order_for_the_agent(chat):
    chat(f"paket {INVOICE} belum sampai", intent="item_not_received")
    reply = chat("paketnya belum sampai juga", intent="item_not_received")
    assert reply.handoff and reply.frustrated and reply.intent == "item_not_received"
    assert reply.steps[-1] == f"Sebutkan pesanan {INVOICE} ke agen CS supaya lebih cepat " \
                              "dibantu."


def test_asking_again_for_an_answer_or_clicking_is_not_a_repeated_complaint(chat):
    chat("cara lacak paket gimana", intent="track_order")
    assert not chat("cara lacak paket gimana ya", intent="track_order").handoff
    chat(f"paket {INVOICE} belum sampai", intent="item_not_received")
    asked = chat("hmm", fallback="ambiguous", ranking=("item_not_received", "track_order"))
    assert not chat.click(asked.suggestions[0]).handoff


def test_two_consecutive_misses_hand_over_and_a_hit_resets_the_count(chat):
    assert not chat("zzz", **OOS).handoff
    assert chat("paket blm nyampe", intent="item_not_received").awaiting == ("order",)
    assert not chat("zzz", **OOS).handoff  # the answer to the question: no miss
    assert not chat("zzz", **OOS).handoff
    second = chat("qqq", **OOS)
    assert second.handoff and not second.frustrated and second.route == "live_chat"
    assert second.text.startswith("Sepertinya aku belum bisa membantu.")
    assert chat.state.misses == 0


# Each kind of turn a customer can take, after each other kind: no pair breaks the
# conversation (a reply in the conversation's language, a state that stores).
TURNS = {
    "hit": dict(text="paket blm nyampe", intent="item_not_received"),
    "hit with order": dict(text=f"mau cancel {INVOICE}", intent="cancel_order"),
    "seller": dict(text="seller ga bales komplain", intent="seller_unresponsive"),
    "urgent": dict(text="saldo kepotong", intent="payment_issue"),
    "answer intent": dict(text="cara lacak paket", intent="track_order"),
    "small talk": dict(text="makasih kak", intent="thanks_goodbye"),
    "middling": dict(text="salah warna mau tukar", intent="damaged_or_wrong_item",
                     confidence=0.5, ranking=RANKING),
    "ambiguous": dict(text="tukar barang", fallback="ambiguous", ranking=RANKING),
    "miss": dict(text="zzz", **OOS),
    "order only": dict(text=INVOICE, **OOS),
    "skip": dict(text="lewati", **OOS),
    "days": dict(text="2 hari", fallback="low_confidence", confidence=0.3,
                 ranking=("seller_unresponsive", "order_not_shipped")),
    "angry": dict(text="parah banget!!!", **OOS),
    "english": dict(text="where is my package right now", intent="track_order"),
}


@pytest.mark.parametrize("first", list(TURNS))
def test_no_pair_of_turns_breaks_a_conversation(chat, first):
    for second in TURNS:
        chat.state = ConversationState()
        for kind in (first, second, "click"):
            if kind == "click":
                if not reply.suggestions:
                    continue
                reply = chat.click(reply.suggestions[-1], **OOS)
            else:
                spec = dict(TURNS[kind])
                reply = chat(spec.pop("text"), **spec)
            assert reply.text and reply.lang in ("id", "en"), (first, second, kind)
            assert reply.lang == chat.state.lang
            assert not reply.handoff or reply.route == "live_chat"
