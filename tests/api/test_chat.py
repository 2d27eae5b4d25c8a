"""POST /v1/chat: replies, business rules, and the per-session fallback count."""

import uuid

import pytest
from fastapi.testclient import TestClient

from serve.app import create_app

CHAT_KEYS = {"message_id", "reply", "lang", "intent", "confidence", "route", "steps",
             "kb_article", "suggestions", "handoff", "urgent", "fallback"}
INVOICE = "INV/20261103/MPL/3456789012"
# Two out-of-scope messages that no knowledge-base article is close to: two misses.
MISS_ID = "resep nasi goreng yang enak"
MISS_EN = "write me a poem about cats"
HIT = "paket blm nyampe udh 5 hari min"
LIVE_CHAT_STEPS_ID = [
    "Ketuk menu garis tiga di kanan atas aplikasi.",
    "Pilih Bantuan Tokopedia Care di bagian Pusat Bantuan.",
    "Ketuk Mulai Chat pada pop-up. Chatbot menjawab dulu, lalu kamu masuk antrean agen CS.",
    "Lampirkan transaksi terkait dan screenshot kendalanya.",
]


def send(client, text, session_id):
    response = client.post("/v1/chat", json={"session_id": session_id, "text": text})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == CHAT_KEYS
    return body


@pytest.fixture(scope="module")
def strict_client(make_shared_client, strict_model_dir):
    """An app on the margin-1.0 artifact: every in-scope message is an ambiguous miss."""
    return make_shared_client(model_dir=strict_model_dir)


@pytest.fixture
def chat(shared_client):
    """``chat(text, session="main", client=...)``: one turn in a session of this test's own
    (sessions are prefixed per test, so tests can share the module's app and store)."""
    prefix = uuid.uuid4().hex

    def turn(text, session="main", client=shared_client):
        return send(client, text, f"{prefix}-{session}")
    return turn


def test_chat_reply_for_a_clear_hit(chat, shared_client):
    threshold = shared_client.get("/v1/model").json()["thresholds"]["threshold"]

    body = chat(f"{HIT}, {INVOICE}")

    assert body["intent"] == "item_not_received"
    assert body["route"] == "invoice_chat"
    assert body["lang"] == "id"
    assert threshold <= body["confidence"] <= 1.0
    assert body["reply"] == ("Kendala ini paling cepat dibantu CS lewat chat dari invoice "
                             "pesananmu. Caranya:")
    assert body["fallback"] is None
    assert body["handoff"] is False and body["urgent"] is False
    assert body["kb_article"] is None and body["suggestions"] == []
    assert len(body["message_id"]) == 32


def test_item_not_received_steps_echo_the_invoice_number(chat):
    body = chat(f"{HIT}, {INVOICE}")

    assert body["steps"][1] == f"Cari pesanan {INVOICE}."
    assert sum(INVOICE in step for step in body["steps"]) == 1


def test_without_an_invoice_the_steps_say_the_order_generically(chat):
    body = chat(HIT)

    assert body["steps"][1] == "Cari pesanan yang bermasalah."
    assert not any("INV/" in step for step in body["steps"])


def test_seller_unresponsive_for_4_days_goes_to_minta_bantuan(chat):
    body = chat("seller ga bales komplain udh 4 hari")

    assert body["intent"] == "seller_unresponsive"
    assert body["route"] == "resolution_center"
    assert body["reply"].startswith("Sudah 4 hari tanpa tanggapan penjual")
    assert any("Minta Bantuan" in step for step in body["steps"])
    assert body["steps"][-1] == "Tekan Minta Bantuan agar CS Tokopedia menengahi komplainmu."


def test_seller_unresponsive_for_1_day_waits_2_more_days(chat):
    body = chat("penjual belum merespons komplain saya sudah 1 hari")

    assert body["intent"] == "seller_unresponsive"
    assert body["route"] == "resolution_center"
    assert "Tunggu 2 hari lagi" in body["reply"]
    assert "Penjual punya waktu 3 hari" in body["reply"]
    # The complaint steps, not the Minta Bantuan ones yet.
    assert body["steps"][1] == "Ketuk ikon titik tiga, lalu pilih Ajukan Komplain."


def test_seller_unresponsive_in_english_waits_in_english(chat):
    body = chat("seller not responding to my complaint for 1 day")

    assert body["lang"] == "en"
    assert "Please wait 2 more day(s)" in body["reply"]
    assert body["steps"][0] == "Open Transaksi and find the order with the problem."


@pytest.mark.parametrize("text, intent, lang, prefix", [
    ("saldo sudah terpotong tapi pembayaran gagal", "payment_issue", "id",
     "Kendala ini kami prioritaskan. "),
    ("my payment failed but the money was deducted", "payment_issue", "en",
     "We treat this as a priority. "),
    ("akun saya dibobol orang", "account_security", "id", "Kendala ini kami prioritaskan. "),
    ("someone hacked my account", "account_security", "en", "We treat this as a priority. "),
])
def test_payment_and_account_security_are_urgent(chat, text, intent, lang, prefix):
    body = chat(text)

    assert (body["intent"], body["lang"], body["urgent"]) == (intent, lang, True)
    assert body["route"] == "live_chat"
    assert body["reply"].startswith(prefix)
    assert len(body["steps"]) == 4


@pytest.mark.parametrize("text", [HIT, "seller ga bales komplain udh 4 hari", "halo kak"])
def test_other_intents_are_not_urgent(chat, text):
    assert chat(text)["urgent"] is False


def test_english_message_gets_an_english_reply_and_steps(chat):
    body = chat(f"I haven't received my order {INVOICE} yet")

    assert body["lang"] == "en"
    assert body["intent"] == "item_not_received"
    assert body["reply"] == ("CS can help with this fastest through the chat on your "
                             "order's invoice. Here's how:")
    assert body["steps"][1] == f"Find order {INVOICE}."


def test_mixed_message_gets_an_indonesian_reply(chat, shared_client):
    text = "mau cancel order yg kemarin"
    assert shared_client.post("/v1/parse", json={"text": text}).json()["lang"] == "mixed"

    body = chat(text)

    assert body["lang"] == "id"  # the reply's language
    assert body["intent"] == "cancel_order"
    assert body["reply"].startswith("Kendala ini paling cepat dibantu CS")
    assert body["steps"][0] == "Buka menu Transaksi di kanan bawah aplikasi."


def test_answer_intent_is_answered_from_its_kb_article(chat):
    body = chat("How can I track my order?")

    assert body["intent"] == "track_order"
    assert body["route"] == "answer"
    assert body["steps"] == []
    article = body["kb_article"]
    assert set(article) == {"id", "title", "score"}
    assert article["id"] == "track_order"
    assert article["title"] == "How to track your order and check the tracking number"
    assert 0.0 <= article["score"] <= 1.0
    assert body["reply"].startswith("To track your package, open Transaksi")


def test_a_miss_close_to_an_article_is_answered_from_the_kb(chat, strict_client):
    body = chat("cara membatalkan pesanan", client=strict_client)

    assert body["intent"] is None and body["fallback"] == "ambiguous"
    assert body["route"] == "answer"
    assert body["kb_article"]["id"] == "cancel_order"
    assert body["kb_article"]["title"] == "Cara membatalkan pesanan"
    assert body["kb_article"]["score"] >= 0.3
    assert body["reply"].startswith("Ini yang aku temukan:\n")
    assert body["suggestions"] == [] and body["handoff"] is False


def test_ambiguous_miss_offers_the_top_two_intents(chat, strict_client):
    text = "promo bank bca ga kepotong pas bayar"
    top_two = [r["intent"] for r in
               strict_client.post("/v1/parse", json={"text": text}).json()["ranking"][:2]]

    body = chat(text, client=strict_client)

    assert body["fallback"] == "ambiguous" and body["intent"] is None
    assert body["kb_article"] is None and body["route"] is None
    assert [s["intent"] for s in body["suggestions"]] == top_two
    for suggestion in body["suggestions"]:
        assert set(suggestion) == {"intent", "label"}
        assert suggestion["label"] and suggestion["label"] != suggestion["intent"]
        assert suggestion["label"] in body["reply"]
    assert body["reply"].startswith("Maaf, maksudnya yang mana: ")
    assert body["handoff"] is False


def test_ambiguous_miss_in_english_has_english_labels(chat, strict_client):
    body = chat("I want to cancel my order", client=strict_client)

    assert body["lang"] == "en"
    assert body["suggestions"][0] == {"intent": "cancel_order", "label": "Cancel an order"}
    assert body["reply"].startswith("Sorry, which one do you mean: “Cancel an order” or ")


def test_out_of_scope_miss_has_no_suggestions(chat):
    body = chat(MISS_ID)

    assert body["fallback"] == "out_of_scope"
    assert body["suggestions"] == [] and body["steps"] == []
    assert body["reply"] == ("Maaf, aku belum menangkap maksudnya. Bisa diceritakan lagi "
                             "dengan kalimat lain?")
    assert body["handoff"] is False


def test_two_consecutive_misses_hand_over_to_live_chat(chat):
    first = chat(MISS_ID)
    second = chat(MISS_ID)

    assert first["handoff"] is False and first["steps"] == []
    assert second["handoff"] is True
    assert second["route"] == "live_chat"
    assert second["steps"] == LIVE_CHAT_STEPS_ID
    assert second["reply"].startswith("Sepertinya aku belum bisa membantu.")


def test_handoff_speaks_the_language_of_the_second_miss(chat):
    chat(MISS_ID)
    body = chat(MISS_EN)

    assert body["handoff"] is True and body["lang"] == "en"
    assert body["reply"].startswith("It looks like I can't help with this.")
    assert body["steps"][0] == "Tap the menu (three lines) at the top right of the app."


def test_a_clear_hit_resets_the_miss_count(chat):
    assert chat(MISS_ID)["handoff"] is False
    assert chat(HIT)["intent"] == "item_not_received"
    assert chat(MISS_ID)["handoff"] is False
    assert chat(MISS_ID)["handoff"] is True


def test_sessions_count_misses_independently(chat):
    assert chat(MISS_ID, "alice")["handoff"] is False
    assert chat(MISS_ID, "bob")["handoff"] is False
    assert chat(HIT, "carol")["handoff"] is False
    assert chat(MISS_ID, "alice")["handoff"] is True
    assert chat(MISS_ID, "carol")["handoff"] is False


def test_the_miss_count_survives_a_restart(make_settings):
    # Sessions live in the store, not the process: another worker or a restart continues.
    settings = make_settings()
    with TestClient(create_app(settings)) as first:
        assert send(first, MISS_ID, "c0ffee-42")["handoff"] is False
    with TestClient(create_app(settings)) as second:
        assert send(second, MISS_ID, "c0ffee-42")["handoff"] is True
