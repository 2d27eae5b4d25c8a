"""POST /v1/parse and /v1/parse/batch, as a chatbot frontend calls them."""

import re

PARSE_KEYS = {"text", "intent", "confidence", "ranking", "fallback", "lang", "entities",
              "route", "message_id", "steps", "reply"}
INVOICE = "INV/20261103/MPL/3456789012"
NOT_RECEIVED = f"paket blm nyampe udh 5 hari min, {INVOICE}"
OUT_OF_SCOPE = "resep nasi goreng yang enak"


def parse(client, text):
    response = client.post("/v1/parse", json={"text": text})
    assert response.status_code == 200, response.text
    return response.json()


def assert_ranking(body, labels):
    ranking = body["ranking"]
    assert len(ranking) == 5
    assert all(set(r) == {"intent", "confidence"} for r in ranking)
    intents = [r["intent"] for r in ranking]
    assert len(set(intents)) == 5 and set(intents) <= labels  # never "out_of_scope"
    confidences = [r["confidence"] for r in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confidences)
    assert body["confidence"] == confidences[0]


def test_parse_returns_the_prediction_with_route_steps_and_reply(shared_client, labels):
    body = parse(shared_client, NOT_RECEIVED)

    assert set(body) == PARSE_KEYS
    assert body["text"] == NOT_RECEIVED  # as sent, not normalized
    assert body["intent"] == "item_not_received" == body["ranking"][0]["intent"]
    assert body["fallback"] is None
    assert body["route"] == "invoice_chat"
    assert body["lang"] == "id"
    assert_ranking(body, labels)
    assert re.fullmatch(r"[0-9a-f]{32}", body["message_id"])
    assert body["reply"].startswith("Kendala ini paling cepat dibantu CS lewat chat dari invoice")
    assert f"Cari pesanan {INVOICE}." in body["steps"]


def test_parse_entities_carry_type_value_and_offsets_into_the_text(shared_client):
    body = parse(shared_client, NOT_RECEIVED)

    entities = {e["type"]: e for e in body["entities"]}
    assert set(entities) == {"duration", "invoice"}
    assert entities["invoice"]["value"] == INVOICE
    assert entities["duration"]["value"] == 5
    for entity in body["entities"]:
        assert set(entity) == {"type", "value", "start", "end", "courier"}
        assert entity["courier"] is None  # only a resi has one
    assert NOT_RECEIVED[entities["invoice"]["start"]:entities["invoice"]["end"]] == INVOICE
    assert NOT_RECEIVED[entities["duration"]["start"]:entities["duration"]["end"]] == "5 hari"


def test_parse_out_of_scope_keeps_the_real_ranking_and_gives_no_route(shared_client, labels):
    body = parse(shared_client, OUT_OF_SCOPE)

    assert body["intent"] is None
    assert body["fallback"] == "out_of_scope"
    assert body["route"] is None
    assert body["steps"] == []
    assert body["reply"].startswith("Maaf, aku belum menangkap maksudnya.")
    assert_ranking(body, labels)


def test_parse_answers_in_english_to_english(shared_client):
    body = parse(shared_client, "I want to cancel my order")

    assert body["lang"] == "en"
    assert body["intent"] == "cancel_order"
    assert body["route"] == "invoice_chat"
    assert body["reply"].startswith("CS can help with this fastest through the chat")
    assert "Find the order with the problem." in body["steps"]


def test_each_parse_gets_its_own_message_id(shared_client):
    ids = {parse(shared_client, "halo kak")["message_id"] for _ in range(3)}
    assert len(ids) == 3


def test_parse_accepts_a_text_of_exactly_2000_characters(shared_client):
    text = ("paket blm nyampe " * 200)[:2000]
    assert len(text) == 2000
    assert parse(shared_client, text)["text"] == text


def test_batch_returns_one_result_per_text_in_order(shared_client):
    texts = [NOT_RECEIVED, OUT_OF_SCOPE, "I want to cancel my order", "halo kak",
             "seller ga bales komplain udh 4 hari"]

    response = shared_client.post("/v1/parse/batch", json={"texts": texts})

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["text"] for r in results] == texts
    assert all(set(r) == PARSE_KEYS for r in results)
    assert [r["intent"] for r in results] == [
        "item_not_received", None, "cancel_order", "greeting", "seller_unresponsive"]
    assert len({r["message_id"] for r in results}) == len(texts)


def test_batch_results_equal_single_parses(shared_client):
    texts = [NOT_RECEIVED, OUT_OF_SCOPE, "my payment failed but the money was deducted"]

    batch = shared_client.post("/v1/parse/batch", json={"texts": texts}).json()["results"]

    for text, result in zip(texts, batch):
        single = parse(shared_client, text)
        for key in PARSE_KEYS - {"message_id"}:
            assert result[key] == single[key], key


def test_batch_takes_256_texts_and_keeps_duplicates(shared_client):
    texts = [f"paket {i} blm nyampe" for i in range(255)] + ["paket 0 blm nyampe"]

    response = shared_client.post("/v1/parse/batch", json={"texts": texts})

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["text"] for r in results] == texts
    assert results[0]["intent"] == results[-1]["intent"]


def test_answers_are_exactly_their_response_models(shared_client):
    """The parse routes send their JSON as built: it must be what the schema says."""
    from serve.schemas import BatchResponse, ParseResponse

    one = parse(shared_client, NOT_RECEIVED)
    batch = shared_client.post("/v1/parse/batch", json={"texts": [NOT_RECEIVED, OUT_OF_SCOPE]})

    assert ParseResponse.model_validate(one).model_dump(mode="json") == one
    assert BatchResponse.model_validate(batch.json()).model_dump(mode="json") == batch.json()
