"""POST /model/parse: the Rasa Open Source response shape."""

from serve.schemas import RasaParseResponse

RASA_KEYS = {"text", "intent", "entities", "intent_ranking"}
INVOICE = "INV/20261103/MPL/3456789012"


def model_parse(client, text, **extra):
    response = client.post("/model/parse", json={"text": text, **extra})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == RASA_KEYS
    assert RasaParseResponse.model_validate(body).model_dump(mode="json") == body
    return body


def test_hit_has_the_rasa_shape_and_the_same_ranking_as_v1(shared_client):
    text = f"paket blm nyampe udh 5 hari min, {INVOICE}"
    v1 = shared_client.post("/v1/parse", json={"text": text}).json()

    body = model_parse(shared_client, text)

    assert body["text"] == text
    assert body["intent"] == {"name": "item_not_received", "confidence": v1["confidence"]}
    assert body["intent_ranking"][0] == body["intent"]
    assert body["intent_ranking"] == [{"name": r["intent"], "confidence": r["confidence"]}
                                      for r in v1["ranking"]]


def test_entities_have_the_rasa_fields(shared_client):
    text = f"paket blm nyampe udh 5 hari min, {INVOICE}"

    entities = model_parse(shared_client, text)["entities"]

    assert [e["entity"] for e in entities] == ["duration", "invoice"]
    for entity in entities:
        assert set(entity) == {"entity", "value", "start", "end", "confidence_entity",
                               "extractor"}
        assert entity["confidence_entity"] == 1.0
        assert entity["extractor"] == "RegexEntityExtractor"
    invoice = entities[1]
    assert invoice["value"] == INVOICE
    assert text[invoice["start"]:invoice["end"]] == INVOICE


def test_fallback_puts_nlu_fallback_on_top_of_the_real_ranking(shared_client):
    text = "resep nasi goreng yang enak"
    threshold = shared_client.get("/v1/model").json()["thresholds"]["threshold"]
    v1 = shared_client.post("/v1/parse", json={"text": text}).json()
    assert v1["fallback"] == "out_of_scope"

    body = model_parse(shared_client, text)

    top = {"name": "nlu_fallback", "confidence": threshold}
    assert body["intent"] == top
    assert body["intent_ranking"][0] == top
    assert body["intent_ranking"][1:] == [{"name": r["intent"], "confidence": r["confidence"]}
                                          for r in v1["ranking"]]
    assert body["entities"] == []


def test_ambiguous_is_a_fallback_too(make_client, strict_model_dir):
    client = make_client(model_dir=strict_model_dir)

    body = model_parse(client, "I want to cancel my order")

    assert body["intent"]["name"] == "nlu_fallback"
    assert body["intent_ranking"][1]["name"] == "cancel_order"


def test_a_rasa_client_may_send_a_message_id(shared_client):
    body = model_parse(shared_client, "mau ganti nomor hp", message_id="rasa-1")

    assert body["intent"]["name"] == "change_phone_number"
