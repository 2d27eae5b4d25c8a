"""The review API and page: tokens, the queue, decisions, stats, export, and stored PII."""

import json
import re
import sqlite3
import time
import types
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import nlu.feedback.store
from nlu import load_dataset, load_model
from nlu.feedback.queue import ReviewQueue
from nlu.feedback.store import hash_token
from nlu.feedback.tables import utcnow
from nlu.text.privacy import mask_text
from serve.app import create_app
from training.cli import main as nlu_main

DATA = Path(__file__).resolve().parents[2] / "data"
LOW_MARGIN = ReviewQueue(store=None, labels=(), intent_routes={}).low_margin  # what the server's queue uses


def _margin(prediction):
    return prediction.confidence - prediction.ranking[1].confidence


@pytest.fixture(scope="module")
def picks(model_dir):
    """Messages of data/test_id.jsonl with the prediction each test needs, found with the
    served model, so that the tests follow the training data instead of hard-coding what
    the model says: ``{kind: {"text", "intent", "route"}}`` (the true labels)."""
    rows = [json.loads(line) for line in (DATA / "test_id.jsonl").read_text().splitlines()]
    predictions = load_model(model_dir).predict([r["text"] for r in rows])

    def first(kind, condition):
        for row, p in zip(rows, predictions):
            if condition(row, p):
                return row
        pytest.fail(f"no message in data/test_id.jsonl is {kind} for this model")

    confident = lambda r, p: p.fallback is None and _margin(p) >= LOW_MARGIN  # noqa: E731
    return {
        "confident": first("right and confident", lambda r, p: confident(r, p) and
                           p.intent == r["intent"] and p.lang == "id"),
        "english": first("right, confident and English", lambda r, p: confident(r, p) and
                         p.intent == r["intent"] and p.lang == "en"),
        "fallback": first("a fallback", lambda r, p: p.fallback is not None),
        "low_margin": first("a low-margin prediction", lambda r, p: p.fallback is None and
                            _margin(p) < LOW_MARGIN),
        "misrouted": first("a confident misroute", lambda r, p: confident(r, p) and
                           r["intent"] is not None and p.route != r["route"]),
    }


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def admin(client):
    return auth(client.app.state.nlu.settings.admin_token)


def db_path(client):
    return client.app.state.nlu.settings.database_url.removeprefix("sqlite:///")


def add_lead(client, name, capsys):
    """``nlu review add-lead NAME --db URL``, as an admin runs it; returns the token."""
    assert nlu_main(["review", "add-lead", name, "--db",
                     client.app.state.nlu.settings.database_url]) == 0
    out = capsys.readouterr().out
    assert f"lead {name!r} created" in out
    return out.strip().splitlines()[-1]


def parse(client, text):
    response = client.post("/v1/parse", json={"text": text})
    assert response.status_code == 200, response.text
    return response.json()


def feedback(client, message_id, **fields):
    response = client.post("/v1/feedback", json={"message_id": message_id,
                                                 "source": "agent", **fields})
    assert response.status_code == 201, response.text


def queue(client, headers=None, **params):
    response = client.get("/v1/review", params=params, headers=headers or admin(client))
    assert response.status_code == 200, response.text
    return response.json()


def decide(client, message_id, label, headers=None):
    return client.post(f"/v1/review/{message_id}", json={"label": label},
                       headers=headers or admin(client))


@pytest.fixture
def unsampled(monkeypatch):
    """No confident prediction is sampled into the queue (the draw is random otherwise)."""
    monkeypatch.setattr(nlu.feedback.store, "random", types.SimpleNamespace(random=lambda: 0.99))


@pytest.fixture
def messages(client, unsampled, picks):
    """Five predictions, in this order; an agent's feedback on the misroute, then a
    customer's on the English message. Returns ``{kind: parse response}``."""
    parsed = {kind: parse(client, picks[kind]["text"])
              for kind in ("confident", "misrouted", "english", "fallback", "low_margin")}
    truth = picks["misrouted"]
    feedback(client, parsed["misrouted"]["message_id"], correct_intent=truth["intent"],
             correct_route=truth["route"])
    feedback(client, parsed["english"]["message_id"], source="customer", comment="ga membantu")
    wait_for_queue(client, 4)  # all four written (the recorder writes every 50 ms)
    return parsed


# -- tokens ---------------------------------------------------------------------------------

PROTECTED = [("GET", "/v1/review", None), ("GET", "/v1/review/stats", None),
             ("GET", "/v1/review/export?format=csv", None),
             ("POST", "/v1/review/0123456789abcdef", {"label": None}),
             ("POST", "/v1/admin/reload", {})]


@pytest.mark.parametrize("method, path, body", PROTECTED)
def test_no_token_is_401_and_a_wrong_one_403(client, method, path, body):
    response = client.request(method, path, json=body)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    response = client.request(method, path, json=body, headers={"Authorization": "Basic x"})
    assert response.status_code == 401
    response = client.request(method, path, json=body, headers=auth("not-the-token"))
    assert response.status_code == 403


def test_the_page_actions_need_a_token_too(client):
    response = client.post("/review/decide/abc", data={"label": "greeting"},
                           follow_redirects=False)
    assert response.status_code == 401
    client.cookies.set("nlu_review_token", "forged")
    response = client.post("/review/decide/abc", data={"label": "greeting"},
                           follow_redirects=False)
    assert response.status_code == 403


def test_lead_tokens_work_and_are_stored_hashed(client, capsys):
    token = add_lead(client, "Sari", capsys)
    assert queue(client, auth(token))["total"] == 0
    with sqlite3.connect(db_path(client)) as db:
        rows = db.execute("SELECT * FROM leads").fetchall()
    assert len(rows) == 1
    assert hash_token(token) in rows[0]
    assert not any(token in str(value) for value in rows[0])


def test_a_lead_token_is_not_an_admin_token(client, capsys):
    token = add_lead(client, "Sari", capsys)
    response = client.post("/v1/admin/reload", json={}, headers=auth(token))
    assert response.status_code == 403


def test_a_second_lead_with_the_same_name_is_refused(client, capsys):
    add_lead(client, "Sari", capsys)
    assert nlu_main(["review", "add-lead", "Sari", "--db",
                     client.app.state.nlu.settings.database_url]) == 2
    assert capsys.readouterr().err == "error: a lead named 'Sari' already exists\n"


# -- the queue ------------------------------------------------------------------------------

def test_the_queue_lists_feedback_then_fallbacks_then_low_margin(client, messages):
    body = queue(client)
    ids = [item["message_id"] for item in body["items"]]
    # Within a priority the newest first: the English message was parsed after the misroute.
    assert ids == [messages[k]["message_id"] for k in ("english", "misrouted", "fallback",
                                                       "low_margin")]
    assert [i["priority"] for i in body["items"]] == ["feedback", "feedback", "fallback",
                                                      "low_margin"]
    assert (body["total"], body["limit"], body["offset"]) == (4, 50, 0)


def test_a_queue_item_has_what_a_lead_needs(client, messages, picks):
    parsed, truth = messages["misrouted"], picks["misrouted"]
    item = next(i for i in queue(client)["items"] if i["message_id"] == parsed["message_id"])
    assert item["text"] == mask_text(truth["text"], keep_invoices=True)
    assert (item["intent"], item["route"], item["fallback"]) == (
        parsed["intent"], parsed["route"], None)
    assert item["confidence"] == pytest.approx(parsed["confidence"])
    assert item["status"] == "pending" and item["label"] is None
    assert [(f["source"], f["correct_intent"], f["correct_route"]) for f in item["feedback"]] \
        == [("agent", truth["intent"], truth["route"])]
    fallback = next(i for i in queue(client)["items"] if i["priority"] == "fallback")
    assert (fallback["intent"], fallback["route"], fallback["fallback"]) == (
        None, None, messages["fallback"]["fallback"])


def test_a_sampled_confident_prediction_comes_last(client, monkeypatch, picks):
    monkeypatch.setattr(nlu.feedback.store, "random", types.SimpleNamespace(random=lambda: 0.01))
    message_id = parse(client, picks["confident"]["text"])["message_id"]
    parse(client, picks["fallback"]["text"])
    items = wait_for_queue(client, 2)["items"]
    assert [i["priority"] for i in items] == ["fallback", "sample"]
    assert items[1]["message_id"] == message_id


def wait_for_queue(client, total, timeout=5.0):
    """The queue once ``total`` items are in it (predictions are written every 50 ms)."""
    deadline = time.monotonic() + timeout
    while (body := queue(client))["total"] < total and time.monotonic() < deadline:
        time.sleep(0.02)
    return body


def ids_for(client, **params):
    return [i["message_id"] for i in queue(client, **params)["items"]]


def test_filters(client, messages):
    everything = ids_for(client)
    by_id = {p["message_id"]: p for p in messages.values()}

    def expected(field, value):
        return [i for i in everything if (by_id[i][field] or "none") == value]

    assert ids_for(client, intent="out_of_scope") == [messages["fallback"]["message_id"]]
    for intent in {p["intent"] for p in messages.values()} - {None}:
        assert ids_for(client, intent=intent) == expected("intent", intent)
    for route in ("answer", "invoice_chat", "live_chat", "resolution_center", "none"):
        assert ids_for(client, route=route) == expected("route", route)
    for lang in ("id", "en", "mixed"):
        assert ids_for(client, lang=lang) == expected("lang", lang)
    assert messages["english"]["message_id"] in ids_for(client, lang="en")
    route = messages["misrouted"]["route"]
    assert ids_for(client, route=route, lang="id") == [
        i for i in expected("route", route) if by_id[i]["lang"] == "id"]
    today = utcnow().date()
    assert ids_for(client, date_from=today, date_to=today) == everything
    assert ids_for(client, date_to=today - timedelta(days=1)) == []
    assert ids_for(client, date_from=today + timedelta(days=1)) == []
    assert ids_for(client, status="relabelled") == []
    assert ids_for(client, status="pending") == everything


def test_limit_and_offset(client, messages):
    everything = ids_for(client)
    first, second = queue(client, limit=3), queue(client, limit=3, offset=3)
    assert [i["message_id"] for i in first["items"] + second["items"]] == everything
    assert first["total"] == second["total"] == 4
    assert queue(client, limit=3, offset=10)["items"] == []


@pytest.mark.parametrize("params", [{"status": "done"}, {"lang": "fr"}, {"limit": 0},
                                    {"limit": 501}, {"offset": -1},
                                    {"date_from": "yesterday"}, {"colour": "red"}])
def test_bad_filters_are_422(client, params):
    response = client.get("/v1/review", params=params, headers=admin(client))
    assert response.status_code == 422, response.text


# -- decisions ------------------------------------------------------------------------------

def test_a_decision_records_who_and_when(client, messages, picks, capsys):
    token = add_lead(client, "Sari", capsys)
    message_id, label = messages["misrouted"]["message_id"], picks["misrouted"]["intent"]
    before = utcnow()
    response = decide(client, message_id, label, auth(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["message_id"], body["label"], body["reviewer"], body["out_of_scope"]) == (
        message_id, label, "Sari", False)
    item = queue(client, status="relabelled")["items"][0]
    assert (item["message_id"], item["label"], item["reviewer"]) == (message_id, label, "Sari")
    assert before.isoformat() <= item["reviewed_at"] <= utcnow().isoformat()
    with sqlite3.connect(db_path(client)) as db:
        assert db.execute("SELECT message_id, label, out_of_scope, reviewer FROM reviews"
                          ).fetchall() == [(message_id, label, 0, "Sari")]


def test_confirming_and_out_of_scope(client, messages):
    low_margin, fallback = messages["low_margin"], messages["fallback"]
    assert decide(client, low_margin["message_id"], low_margin["intent"]).status_code == 200
    response = decide(client, fallback["message_id"], None)
    assert response.status_code == 200
    assert (response.json()["label"], response.json()["out_of_scope"],
            response.json()["reviewer"]) == (None, True, "admin")
    confirmed = queue(client, status="confirmed")["items"]
    assert {i["message_id"] for i in confirmed} == {low_margin["message_id"],
                                                    fallback["message_id"]}


def test_a_decision_on_an_unknown_message_is_404(client, messages):
    response = decide(client, "f" * 32, "greeting")
    assert response.status_code == 404
    assert response.json() == {"detail": f"unknown message_id '{'f' * 32}'"}


def test_a_decision_with_an_unknown_intent_is_422(client, messages):
    message_id = messages["misrouted"]["message_id"]
    response = decide(client, message_id, "buy_pizza")
    assert response.status_code == 422
    assert response.json()["detail"].startswith(
        "label 'buy_pizza' is not an intent of the model (known: account_security, ")
    assert client.post(f"/v1/review/{message_id}", json={},
                       headers=admin(client)).status_code == 422


def test_stats(client, messages, picks):
    misrouted, english, fallback = (messages[k] for k in ("misrouted", "english", "fallback"))
    truth = picks["misrouted"]
    routes = client.app.state.nlu.engine.model.intent_routes
    # The fallback was really a question for an intent on a route the other two are not.
    missed = next(i for i, r in sorted(routes.items())
                  if r not in (truth["route"], english["route"]))
    decide(client, misrouted["message_id"], truth["intent"])   # wrong intent and route
    decide(client, english["message_id"], english["intent"])   # right
    decide(client, fallback["message_id"], missed)              # missed: wrong route
    response = client.get("/v1/review/stats", headers=admin(client))
    assert response.status_code == 200
    stats = response.json()
    assert (stats["predictions"], stats["feedback"], stats["reviewed"], stats["pending"]) == (
        5, 2, 3, 1)
    assert (stats["misclassified"], stats["misrouted"]) == (2, 2)
    key = lambda entry: tuple(entry.values())  # noqa: E731
    assert sorted(stats["confused_pairs"], key=key) == sorted([
        {"predicted": misrouted["intent"], "correct": truth["intent"], "count": 1},
        {"predicted": "out_of_scope", "correct": missed, "count": 1}], key=key)
    assert sorted(stats["misroutes_by_route"], key=key) == sorted([
        {"predicted_route": misrouted["route"], "correct_route": truth["route"], "count": 1},
        {"predicted_route": "none", "correct_route": routes[missed], "count": 1}], key=key)
    assert stats["per_intent"] == {
        truth["intent"]: {"reviewed": 1, "correct": 0, "accuracy": 0.0},
        english["intent"]: {"reviewed": 1, "correct": 1, "accuracy": 1.0},
        missed: {"reviewed": 1, "correct": 0, "accuracy": 0.0}}


# -- export ---------------------------------------------------------------------------------

def test_export_gives_files_that_nlu_train_accepts(client, messages, picks, tmp_path, capsys):
    truth = picks["misrouted"]
    decide(client, messages["misrouted"]["message_id"], truth["intent"])
    decide(client, messages["english"]["message_id"], messages["english"]["intent"])
    decide(client, messages["fallback"]["message_id"], None)
    expected = {(mask_text(picks["misrouted"]["text"], keep_invoices=True), truth["intent"]),
                (mask_text(picks["english"]["text"], keep_invoices=True),
                 messages["english"]["intent"]),
                (mask_text(picks["fallback"]["text"], keep_invoices=True), None)}
    for fmt, media in (("yaml", "application/yaml"), ("csv", "text/csv")):
        response = client.get("/v1/review/export", params={"format": fmt},
                              headers=admin(client))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media)
        assert response.headers["content-disposition"] == \
            f'attachment; filename="reviewed.{fmt}"'
        path = tmp_path / f"reviewed.{fmt}"
        path.write_bytes(response.content)
        assert {(e.text, e.intent) for e in load_dataset(path).examples} == expected
        out = tmp_path / f"model-{fmt}"
        assert nlu_main(["train", "--data", str(DATA / "intents_id.yaml"), "--data",
                         str(path), "--profile", "fast", "--out", str(out)]) == 0
        assert (out / "manifest.json").is_file()
    # The CLI export gives the same file as the API.
    cli_out = tmp_path / "cli.yaml"
    capsys.readouterr()
    assert nlu_main(["review", "export", "--db", client.app.state.nlu.settings.database_url,
                     "--out", str(cli_out)]) == 0
    assert capsys.readouterr().err == f"wrote 3 reviewed messages to {cli_out}\n"
    assert cli_out.read_bytes() == (tmp_path / "reviewed.yaml").read_bytes()


def test_export_with_nothing_reviewed_is_an_empty_dataset(client):
    response = client.get("/v1/review/export", params={"format": "csv"}, headers=admin(client))
    assert response.status_code == 200
    assert response.text == "text,intent,lang\n"
    assert client.get("/v1/review/export", params={"format": "xml"},
                      headers=admin(client)).status_code == 422


# -- markup in messages -----------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script> paket saya belum sampai"


def test_markup_is_returned_as_text_and_escaped_on_the_page(client, capsys):
    message_id = parse(client, SCRIPT)["message_id"]
    feedback(client, message_id, source="customer", comment="<img src=x onerror=alert(2)>")
    items = queue(client)["items"]
    assert items[0]["text"] == SCRIPT
    assert items[0]["feedback"][0]["comment"] == "<img src=x onerror=alert(2)>"

    token = add_lead(client, "Sari", capsys)
    assert "Sign in" in client.get("/review").text
    response = client.post("/review/login", data={"token": token})
    assert response.status_code == 200 and response.url.path == "/review"
    html = response.text
    assert 'id="reviewer">Sari<' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; paket saya belum sampai" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html


def test_a_lead_decides_from_the_page(client, capsys, messages, picks):
    token = add_lead(client, "Budi", capsys)
    client.post("/review/login", data={"token": token})
    message_id = messages["misrouted"]["message_id"]
    response = client.post(f"/review/decide/{message_id}",
                           data={"label": picks["misrouted"]["intent"],
                                 "back": "status=pending"},
                           follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/review?status=pending"
    item = queue(client, status="relabelled")["items"][0]
    assert (item["message_id"], item["reviewer"]) == (message_id, "Budi")


def test_a_wrong_token_on_the_login_form(client):
    response = client.post("/review/login", data={"token": "nope"})
    assert str(response.url).endswith("/review?failed=1")
    assert client.cookies.get("nlu_review_token") is None
    assert 'id="login-error"' in response.text


# -- personal data never reaches the database ---------------------------------------------------

PII = {
    "phone": "081234567890",
    "phone +62 spaces": "+62 812 3456 7891",
    "phone +62 dashes": "+62-813-9876-5432",
    "email": "sitinurhaliza77@gmail.com",
    "nik": "3174012345678901",
    "account": "5271928374",
    "card": "4111 1111 1111 1111",
}


def forms(value):
    """The value as sent, and its digits alone (a store must not keep either)."""
    digits = re.sub(r"\D", "", value)
    return {value, value.split("@")[0]} | ({digits} if len(digits) >= 8 else set())


FORBIDDEN = set().union(*(forms(v) for v in PII.values()))


def test_personal_data_never_reaches_the_database(make_settings, unsampled):
    p = PII
    texts = [
        ("/v1/parse", {"text": f"hp saya {p['phone']}, paket blm nyampe"}),
        ("/v1/parse", {"text": f"rek bca {p['account']} a.n. siti, refund blm masuk"}),
        ("/v1/parse/batch", {"texts": [f"kartu {p['card']} ditolak",
                                       f"email saya {p['email']}"]}),
        ("/v1/chat", {"session_id": "s-pii", "text": f"nik {p['nik']}, akun diblokir"}),
        ("/v1/chat", {"session_id": "s-pii", "text": f"wa {p['phone +62 spaces']} ya kak"}),
        ("/model/parse", {"text": f"telp {p['phone +62 dashes']} tolong ganti nomor"}),
    ]
    settings = make_settings()
    path = Path(settings.database_url.removeprefix("sqlite:///"))
    with TestClient(create_app(settings)) as client:
        message_ids = []
        for url, body in texts:
            response = client.post(url, json=body)
            assert response.status_code == 200, response.text
            data = response.json()
            message_ids += [r["message_id"] for r in data.get("results", [data])
                            if "message_id" in r]
        comment = ("tolong telp " + ", ".join(p.values()) + " INV/20261103/MPL/3456789012")
        response = client.post("/v1/feedback", json={"message_id": message_ids[0],
                                                     "source": "customer", "comment": comment})
        assert response.status_code == 201
        decide(client, message_ids[0], "item_not_received")
        _wait_for_rows(path, "predictions", len(texts) + 1)

        # What a lead sees is masked too.
        seen = client.get("/v1/review", params={"limit": 500}, headers=admin(client)).text
        seen += client.get("/v1/review/export", headers=admin(client)).text
        assert not [v for v in FORBIDDEN if v in seen]
        _assert_nothing_stored(path)
    _assert_nothing_stored(path)  # after shutdown: checkpointed into the main file


def _wait_for_rows(path, table, count, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(path) as db:
            found = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        if found >= count or time.monotonic() > deadline:
            assert found == count
            return
        time.sleep(0.05)


def _assert_nothing_stored(path):
    files = [f for f in path.parent.iterdir() if f.name.startswith(path.name)]
    assert path in files
    for file in files:  # nlu.db, nlu.db-wal, nlu.db-shm
        content = file.read_bytes()
        assert not [v for v in FORBIDDEN if v.encode() in content], file
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert {"predictions", "feedback", "sessions", "reviews"} <= set(tables)
        cells = [str(value) for table in tables
                 for row in db.execute(f'SELECT * FROM "{table}"') for value in row]
        texts = dict(db.execute("SELECT endpoint, text FROM predictions").fetchall())
        comment = db.execute("SELECT comment FROM feedback").fetchone()[0]
    assert not [v for v in FORBIDDEN if any(v in cell for cell in cells)]
    # The masked texts are there, with their placeholders.
    assert texts["model_parse"] == "telp [PHONE] tolong ganti nomor"
    assert texts["chat"] in ("nik [NIK], akun diblokir", "wa [PHONE] ya kak")
    assert comment == ("tolong telp [PHONE], [PHONE], [PHONE], [EMAIL], [NIK], [ACCOUNT], "
                       "[CARD] INV/20261103/MPL/3456789012")


def test_a_model_trained_without_routes_takes_review_decisions(make_client, tiny_dataset,
                                                               tmp_path):
    """A model trained from a CSV (no route declared) still knows its intents: a lead's
    decision is checked against them, not against routes it does not have."""
    from nlu import save_model, train
    from nlu.data.writers import export_dataset

    export_dataset(tiny_dataset, tmp_path / "tiny.csv", "csv")
    routeless = train(load_dataset(tmp_path / "tiny.csv"), profile="fast")
    assert routeless.intent_routes == {}
    client = make_client(model_dir=save_model(routeless, tmp_path / "routeless"))
    message_id = parse(client, "batalin pesanan dong")["message_id"]
    response = decide(client, message_id, "cancel_order")
    assert response.status_code == 200, response.text
    assert response.json()["label"] == "cancel_order"
    assert decide(client, message_id, "buy_pizza").status_code == 422
