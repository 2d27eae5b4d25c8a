"""POST /v1/feedback: frontends and agents report on a prediction by its message id."""

import sqlite3

import pytest
from sqlalchemy import event


def parse(client, text="paket blm nyampe udh 5 hari"):
    response = client.post("/v1/parse", json={"text": text})
    assert response.status_code == 200, response.text
    return response.json()["message_id"]


def stored_feedback(client):
    path = client.app.state.nlu.settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return db.execute("SELECT message_id, source, correct_intent, correct_route, comment "
                          "FROM feedback ORDER BY id").fetchall()


def test_customer_feedback_right_after_parse_is_stored(client):
    # The prediction may still be in the recorder's buffer: feedback must find it anyway.
    message_id = parse(client)
    response = client.post("/v1/feedback", json={"message_id": message_id,
                                                 "source": "customer",
                                                 "comment": "tidak membantu"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["message_id"] == message_id and isinstance(body["id"], int)
    assert stored_feedback(client) == [(message_id, "customer", None, None, "tidak membantu")]


def test_agent_feedback_with_the_right_intent_and_route(client):
    message_id = parse(client, "Mohon bantuan, saya sudah membayar via BCA VA tapi pesanan "
                               "belum dikirim")
    response = client.post("/v1/feedback", json={
        "message_id": message_id, "source": "agent", "correct_intent": "order_not_shipped",
        "correct_route": "invoice_chat"})
    assert response.status_code == 201, response.text
    assert stored_feedback(client) == [
        (message_id, "agent", "order_not_shipped", "invoice_chat", None)]


def test_feedback_on_chat_and_batch_messages(client):
    chat = client.post("/v1/chat", json={"session_id": "s-1", "text": "halo kak"}).json()
    batch = client.post("/v1/parse/batch", json={"texts": ["halo", "mau refund"]}).json()
    ids = [chat["message_id"]] + [r["message_id"] for r in batch["results"]]
    for message_id in ids:
        response = client.post("/v1/feedback", json={"message_id": message_id,
                                                     "source": "customer"})
        assert response.status_code == 201, response.text
    assert [row[0] for row in stored_feedback(client)] == ids
    store = client.app.state.nlu.store
    stored = [store.get_prediction(message_id) for message_id in ids]
    assert [(p["endpoint"], p["session_id"]) for p in stored] == [
        ("chat", "s-1"), ("parse_batch", None), ("parse_batch", None)]
    assert stored[0]["text"] == "halo kak" and stored[0]["intent"] == chat["intent"]
    assert stored[0]["model_version"] == client.app.state.nlu.engine.version


def test_the_comment_is_masked_but_keeps_the_invoice(client):
    message_id = parse(client)
    comment = ("tetap belum sampai INV/20261103/MPL/3456789012, hubungi 0812-3456-7890 "
               "atau budi@mail.com")
    assert client.post("/v1/feedback", json={"message_id": message_id, "source": "customer",
                                             "comment": comment}).status_code == 201
    assert stored_feedback(client)[0][4] == (
        "tetap belum sampai INV/20261103/MPL/3456789012, hubungi [PHONE] atau [EMAIL]")


def test_unknown_message_id_is_404(client):
    parse(client)
    response = client.post("/v1/feedback", json={"message_id": "0" * 32, "source": "agent"})
    assert response.status_code == 404
    assert response.json() == {"detail": f"unknown message_id '{'0' * 32}'"}
    assert stored_feedback(client) == []


def test_an_id_never_issued_is_404_after_one_lookup(client):
    # Every message id a client was given is in the database before it got it (on any
    # worker): an unknown id needs one query, not a wait for buffers to be written.
    statements = []
    engine = client.app.state.nlu.store.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.post("/v1/feedback", json={"message_id": "f" * 32,
                                                     "source": "agent"})
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 404
    assert [s.split()[0] for s in statements if not s.startswith("PRAGMA")] == ["SELECT"]


def test_a_prediction_is_stored_before_its_answer(client):
    message_id = parse(client)
    # No flush, no wait: the row is there when the client has the id.
    assert client.app.state.nlu.store.get_prediction(message_id)["message_id"] == message_id


def test_an_intent_the_model_does_not_know_is_422(client):
    message_id = parse(client)
    response = client.post("/v1/feedback", json={"message_id": message_id, "source": "agent",
                                                 "correct_intent": "buy_pizza"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("correct_intent 'buy_pizza' is not an intent of the model "
                             "(known: account_security, cancel_order, ")
    assert stored_feedback(client) == []


@pytest.mark.parametrize("change, field", [
    ({"source": "bot"}, "source"),
    ({"source": None}, "source"),
    ({"correct_route": "hotline"}, "correct_route"),
    ({"message_id": ""}, "message_id"),
    ({"rating": 5}, "rating"),
])
def test_bad_fields_are_422_naming_the_field(client, change, field):
    message_id = parse(client)
    body = {"message_id": message_id, "source": "customer", **change}
    response = client.post("/v1/feedback", json=body)
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["detail"]] == [["body", field]]
    assert stored_feedback(client) == []


def test_missing_source_is_422(client):
    response = client.post("/v1/feedback", json={"message_id": parse(client)})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "source"]]


def test_feedback_needs_the_api_key_when_keys_are_set(make_client):
    client = make_client(api_keys=["k1"])
    message_id = client.post("/v1/parse", json={"text": "halo"},
                             headers={"X-API-Key": "k1"}).json()["message_id"]
    body = {"message_id": message_id, "source": "customer"}
    assert client.post("/v1/feedback", json=body).status_code == 401
    assert client.post("/v1/feedback", json=body,
                       headers={"X-API-Key": "wrong"}).status_code == 401
    assert client.post("/v1/feedback", json=body,
                       headers={"X-API-Key": "k1"}).status_code == 201
