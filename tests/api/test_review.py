"""The review API: tokens, the queue (order, groups, filters), decisions with their history,
undo, bulk decisions, disagreements, blind double review and agreement, the summary, and
the page's shell."""

import json
import re
import sqlite3
from pathlib import Path

import pytest

from nlu.feedback.store import hash_token
from nlu.feedback.tables import utcnow
from nlu.text.privacy import mask_text
from training.cli import main as nlu_main

from .reviewing import (  # noqa: F401  (fixtures)
    add_lead,
    admin,
    auth,
    db_path,
    decide,
    draw,
    feedback,
    messages,
    parse,
    picks,
    queue,
    unsampled,
    wait_for_queue,
)

# -- tokens ---------------------------------------------------------------------------------

PROTECTED = [("GET", "/v1/review", None), ("GET", "/v1/review/stats", None),
             ("GET", "/v1/review/insights", None), ("GET", "/v1/review/agreement", None),
             ("GET", "/v1/review/export?format=csv", None),
             ("GET", "/v1/review/0123456789abcdef/history", None),
             ("POST", "/v1/review/0123456789abcdef", {"label": None}),
             ("POST", "/v1/review/bulk", {"message_ids": ["a"], "label": None}),
             ("POST", "/v1/review/undo", {"message_ids": ["a"]}),
             ("GET", "/v1/review/leads", None), ("POST", "/v1/review/leads/x", None),
             ("POST", "/v1/review/leads/x/revoke", None),
             ("POST", "/v1/review/leads/x/rotate", None),
             ("POST", "/v1/admin/reload", {})]


@pytest.mark.parametrize("method, path, body", PROTECTED)
def test_no_token_is_401_and_a_wrong_one_403(shared_client, method, path, body):
    client = shared_client
    response = client.request(method, path, json=body)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    response = client.request(method, path, json=body, headers={"Authorization": "Basic x"})
    assert response.status_code == 401
    response = client.request(method, path, json=body, headers=auth("not-the-token"))
    assert response.status_code == 403


def test_a_forged_page_cookie_is_refused(client):
    client.cookies.set("nlu_review_token", "forged")
    response = client.post("/v1/review/bulk", json={"message_ids": ["a"], "label": None})
    assert response.status_code == 403
    client.cookies.clear()


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
    assert client.post("/v1/admin/reload", json={}, headers=auth(token)).status_code == 403
    assert client.get("/v1/review/leads", headers=auth(token)).status_code == 403


def test_a_second_lead_with_the_same_name_is_refused(client, capsys):
    add_lead(client, "Sari", capsys)
    assert nlu_main(["review", "add-lead", "Sari", "--db",
                     client.app.state.nlu.settings.database_url]) == 2
    assert capsys.readouterr().err == "error: a lead named 'Sari' already exists\n"


# -- the queue ------------------------------------------------------------------------------

def test_the_queue_lists_feedback_first_then_the_most_doubtful(client, messages):
    body = queue(client)
    by_kind = {p["message_id"]: kind for kind, p in messages.items()}
    kinds = [by_kind[i["message_id"]] for i in body["items"]]
    assert set(kinds[:2]) == {"english", "misrouted"} and set(kinds[2:]) == {"fallback",
                                                                             "low_margin"}
    assert [i["priority"] for i in body["items"]][:2] == ["feedback", "feedback"]
    rest = body["items"][2:]
    assert [i["score"] for i in rest] == sorted((i["score"] for i in rest), reverse=True)
    assert (body["total"], body["messages"], body["limit"], body["offset"]) == (4, 4, 50, 0)
    assert body["truncated"] is False


def test_a_queue_item_has_what_a_lead_needs(client, messages, picks):
    parsed, truth = messages["misrouted"], picks["misrouted"]
    items = {i["message_id"]: i for i in queue(client)["items"]}
    item = items[parsed["message_id"]]
    assert item["text"] == mask_text(truth["text"], keep_invoices=True)
    assert (item["intent"], item["route"], item["fallback"]) == (
        parsed["intent"], parsed["route"], None)
    assert item["confidence"] == pytest.approx(parsed["confidence"])
    assert item["status"] == "pending" and item["label"] is None
    assert [(f["source"], f["correct_intent"], f["correct_route"]) for f in item["feedback"]] \
        == [("agent", truth["intent"], truth["route"])]
    assert item["agent_suggestion"] == {"label": truth["intent"]}
    assert item["default_label"] == parsed["intent"] == item["suggestions"][0]
    assert (item["count"], item["message_ids"]) == (1, [parsed["message_id"]])
    fallback = items[messages["fallback"]["message_id"]]
    assert (fallback["intent"], fallback["route"], fallback["fallback"]) == (
        None, None, messages["fallback"]["fallback"])
    # Confirming a fallback means out of scope, never the top guess.
    assert fallback["default_label"] is None
    assert fallback["suggestions"] == [r["intent"] for r in messages["fallback"]["ranking"][:3]]


def test_the_same_message_again_is_one_row_with_a_count(client, unsampled, picks):
    text = picks["fallback"]["text"]
    ids = [parse(client, variant)["message_id"]
           for variant in (text, text.upper(), f"{text}!!!")]
    (item,) = wait_for_queue(client, 1, messages=3)["items"]
    assert item["count"] == 3 and sorted(item["message_ids"]) == sorted(ids)
    response = client.post("/v1/review/bulk", json={"message_ids": item["message_ids"],
                                                    "label": None}, headers=admin(client))
    assert response.status_code == 200
    assert len(response.json()["decisions"]) == 3
    assert queue(client, status="pending")["total"] == 0


def test_a_sampled_confident_prediction_is_in_the_queue(client, monkeypatch, picks):
    draw(monkeypatch, 0.01)
    message_id = parse(client, picks["confident"]["text"])["message_id"]
    parse(client, picks["fallback"]["text"])
    items = wait_for_queue(client, 2)["items"]
    assert [i["priority"] for i in items] == ["fallback", "sample"]
    assert items[1]["message_id"] == message_id


def ids_for(client, **params):
    return [i["message_id"] for i in queue(client, **params)["items"]]


def test_filters(client, messages, capsys):
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
    assert ids_for(client, fallback="none") == [i for i in everything
                                                if by_id[i]["fallback"] is None]
    reason = messages["fallback"]["fallback"]
    assert ids_for(client, fallback=reason) == [messages["fallback"]["message_id"]]
    word = max(messages["english"]["text"].split(), key=len)
    assert messages["english"]["message_id"] in ids_for(client, q=word.upper())
    assert ids_for(client, q="zzzz-no-such-text") == []
    low = messages["low_margin"]["confidence"]
    assert messages["low_margin"]["message_id"] in ids_for(
        client, min_confidence=max(0, low - 0.001), max_confidence=min(1, low + 0.001))
    today = utcnow().date().isoformat()
    assert ids_for(client, date_from=today, date_to=today) == everything
    assert ids_for(client, date_to="2000-01-01") == []
    assert ids_for(client, status="relabelled") == []
    assert ids_for(client, status="pending") == everything
    token = add_lead(client, "Budi", capsys)
    decide(client, messages["fallback"]["message_id"], None, auth(token))
    assert ids_for(client, reviewer="Budi") == [messages["fallback"]["message_id"]]


def test_limit_and_offset(client, messages):
    everything = ids_for(client)
    first, second = queue(client, limit=3), queue(client, limit=3, offset=3)
    assert [i["message_id"] for i in first["items"] + second["items"]] == everything
    assert first["total"] == second["total"] == 4
    assert queue(client, limit=3, offset=10)["items"] == []


@pytest.mark.parametrize("params", [{"status": "done"}, {"lang": "fr"}, {"limit": 0},
                                    {"limit": 501}, {"offset": -1}, {"min_confidence": 2},
                                    {"fallback": "tired"}, {"q": "x" * 201},
                                    {"date_from": "yesterday"}, {"colour": "red"}])
def test_bad_filters_are_422(shared_client, params):
    response = shared_client.get("/v1/review", params=params, headers=admin(shared_client))
    assert response.status_code == 422, response.text


# -- decisions ------------------------------------------------------------------------------

def test_a_decision_records_who_when_from_what_and_with_which_model(client, messages, picks,
                                                                     capsys):
    token = add_lead(client, "Sari", capsys)
    parsed, label = messages["misrouted"], picks["misrouted"]["intent"]
    before = utcnow()
    response = decide(client, parsed["message_id"], label, auth(token))
    assert response.status_code == 200, response.text
    body = response.json()
    version = client.get("/v1/model").json()["version"]
    assert (body["message_id"], body["label"], body["reviewer"], body["out_of_scope"]) == (
        parsed["message_id"], label, "Sari", False)
    assert (body["previous_label"], body["model_version"]) == (parsed["intent"], version)
    item = queue(client, status="relabelled")["items"][0]
    assert (item["message_id"], item["label"], item["reviewer"]) == (parsed["message_id"],
                                                                     label, "Sari")
    assert before.isoformat() <= item["reviewed_at"] <= utcnow().isoformat()
    history = client.get(f"/v1/review/{parsed['message_id']}/history",
                         headers=auth(token)).json()
    assert [(d["reviewer"], d["previous_label"], d["label"], d["model_version"])
            for d in history["decisions"]] == [("Sari", parsed["intent"], label, version)]
    assert history["hidden"] == 0


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
    assert client.get(f"/v1/review/{'f' * 32}/history",
                      headers=admin(client)).status_code == 404


def test_a_decision_with_an_unknown_intent_is_422(client, messages):
    message_id = messages["misrouted"]["message_id"]
    response = decide(client, message_id, "buy_pizza")
    assert response.status_code == 422
    assert response.json()["detail"].startswith(
        "label 'buy_pizza' is not an intent of the model (known: account_security, ")
    assert client.post(f"/v1/review/{message_id}", json={},
                       headers=admin(client)).status_code == 422


def test_two_reviewers_disagreeing_are_told_and_listed_until_resolved(client, messages,
                                                                       capsys):
    sari, budi = auth(add_lead(client, "Sari", capsys)), auth(add_lead(client, "Budi", capsys))
    message_id = messages["low_margin"]["message_id"]
    assert decide(client, message_id, "refund_return", sari).json()["others"] == []
    second = decide(client, message_id, "cancel_order", budi).json()
    assert second["others"] == [{"reviewer": "Sari", "label": "refund_return"}]
    assert second["disagreement"] is True
    (item,) = queue(client, status="disagreement")["items"]
    assert item["labels"] == [{"reviewer": "Sari", "label": "refund_return"},
                              {"reviewer": "Budi", "label": "cancel_order"}]
    assert client.get("/v1/review/stats", headers=sari).json()["disagreements"] == 1
    settled = decide(client, message_id, "cancel_order", headers=admin(client), resolve=True)
    assert settled.json()["resolves"] and not settled.json()["disagreement"]
    assert queue(client, status="disagreement")["items"] == []


def test_undo_puts_the_message_back(client, messages, capsys):
    sari = auth(add_lead(client, "Sari", capsys))
    message_id = messages["fallback"]["message_id"]
    decide(client, message_id, None, sari)
    assert message_id not in ids_for(client, status="pending")
    response = client.post("/v1/review/undo", json={"message_ids": [message_id]}, headers=sari)
    assert response.status_code == 200
    (undone,) = response.json()["undone"]
    assert undone["pending"] is True and undone["undone"]["undone_by"] == "Sari"
    assert message_id in ids_for(client, status="pending")
    history = client.get(f"/v1/review/{message_id}/history", headers=sari).json()["decisions"]
    assert [(d["label"], d["undone_by"]) for d in history] == [(None, "Sari")]
    again = client.post("/v1/review/undo", json={"message_ids": [message_id]}, headers=sari)
    assert again.status_code == 404
    assert again.json() == {"detail": f"Sari has no decision on message {message_id!r} to undo"}


def test_a_bulk_decision_is_all_or_none(client, messages):
    ids = [messages[k]["message_id"] for k in ("fallback", "low_margin")]
    response = client.post("/v1/review/bulk", json={"message_ids": ids + ["f" * 32],
                                                    "label": None}, headers=admin(client))
    assert response.status_code == 404
    assert set(ids) <= set(ids_for(client, status="pending"))
    response = client.post("/v1/review/bulk", json={"message_ids": ids, "label": None},
                           headers=admin(client))
    assert [d["message_id"] for d in response.json()["decisions"]] == ids
    assert not set(ids) & set(ids_for(client, status="pending"))
    for body in ({"message_ids": [], "label": None}, {"message_ids": ids},
                 {"message_ids": ["x"] * 2001, "label": None}):
        assert client.post("/v1/review/bulk", json=body,
                           headers=admin(client)).status_code == 422


def test_blind_double_review_and_agreement(client, monkeypatch, picks, capsys):
    draw(monkeypatch, 0.95)  # every message is reviewed twice
    sari, budi = auth(add_lead(client, "Sari", capsys)), auth(add_lead(client, "Budi", capsys))
    ids = [parse(client, picks[k]["text"])["message_id"] for k in ("fallback", "low_margin")]
    wait_for_queue(client, 2)
    first = decide(client, ids[0], None, sari).json()
    assert first["blind"] is True
    for_budi = {i["message_id"]: i for i in queue(client, budi, status="pending")["items"]}
    assert for_budi[ids[0]]["double_review"] is True
    assert (for_budi[ids[0]]["label"], for_budi[ids[0]]["reviewer"]) == (None, None)
    hidden = client.get(f"/v1/review/{ids[0]}/history", headers=budi).json()
    assert (hidden["decisions"], hidden["hidden"]) == ([], 1)
    assert ids[0] not in ids_for(client, headers=sari, status="pending")
    second = decide(client, ids[0], None, budi).json()
    assert second["blind"] and second["others"] == [{"reviewer": "Sari", "label": None}]
    decide(client, ids[1], "refund_return", sari)
    decide(client, ids[1], "cancel_order", budi)
    agreement = client.get("/v1/review/agreement", headers=sari).json()
    assert agreement["double_rate"] == 0.1
    # Agreed on 1 of 2; by chance they would on 1 in 4 (each gave out of scope once).
    assert agreement["pairs"] == [{"reviewers": ["Budi", "Sari"], "messages": 2, "agreed": 1,
                                   "observed": 0.5, "kappa": round((0.5 - 0.25) / 0.75, 4)}]


# -- feedback saying out of scope -------------------------------------------------------------

def test_an_agent_can_say_out_of_scope_and_a_lead_take_it(client, messages):
    message_id = messages["low_margin"]["message_id"]
    feedback(client, message_id, correct_intent="out_of_scope")
    item = next(i for i in queue(client)["items"] if i["message_id"] == message_id)
    assert item["agent_suggestion"] == {"label": None}
    assert item["feedback"][-1]["out_of_scope"] is True
    with sqlite3.connect(db_path(client)) as db:
        assert db.execute("SELECT correct_intent, out_of_scope FROM feedback "
                          "WHERE message_id = ?", (message_id,)).fetchall() == [(None, 1)]


# -- the summary --------------------------------------------------------------------------------

def test_stats_count_fallbacks_apart_from_misroutes(client, messages, picks):
    misrouted, english, fallback = (messages[k] for k in ("misrouted", "english", "fallback"))
    truth = picks["misrouted"]
    routes = client.app.state.nlu.engine.model.intent_routes
    # The fallback was really a question for an intent on a route the other two are not.
    missed = next(i for i, r in sorted(routes.items())
                  if r not in (truth["route"], english["route"]))
    decide(client, misrouted["message_id"], truth["intent"])   # wrong intent and route
    decide(client, english["message_id"], english["intent"])   # right
    decide(client, fallback["message_id"], missed)              # a fallback that missed
    response = client.get("/v1/review/stats", headers=admin(client))
    assert response.status_code == 200
    stats = response.json()
    assert (stats["predictions"], stats["feedback"], stats["reviewed"], stats["pending"]) == (
        5, 2, 3, 1)
    assert (stats["answered"], stats["wrong_intent"], stats["misrouted"]) == (2, 1, 1)
    assert (stats["fallbacks"], stats["fallbacks_missed"], stats["fallbacks_out_of_scope"]) \
        == (1, 1, 0)
    assert stats["misroutes_by_route"] == [
        {"predicted_route": misrouted["route"], "correct_route": truth["route"], "count": 1}]
    assert (stats["sure_reviewed"], stats["sure_precision"]) == (0, None)  # none sampled


def test_insights_name_confusions_and_training_gaps(client, messages, picks):
    truth = picks["misrouted"]
    decide(client, messages["misrouted"]["message_id"], truth["intent"])
    decide(client, messages["fallback"]["message_id"], None)
    found = client.get("/v1/review/insights", headers=admin(client)).json()
    assert found["confused_intents"] == [{
        "predicted": messages["misrouted"]["intent"], "correct": truth["intent"], "count": 1,
        "examples": [mask_text(truth["text"], keep_invoices=True)]}]
    assert found["fallbacks_per_day"][0]["out_of_scope"] == 1
    assert found["training_error"] is None
    assert found["training"]["examples"] > 1000 and found["training"]["too_similar"]
    missing = client.app.state.nlu.settings.model_copy(
        update={"training_data": Path("nowhere.yaml")})
    client.app.state.nlu.settings = missing
    found = client.get("/v1/review/insights", headers=admin(client)).json()
    assert found["training"] is None
    assert found["training_error"].startswith("nowhere.yaml: no training data there")


# -- the page -----------------------------------------------------------------------------------

def test_the_page_is_a_shell_that_loads_its_script_and_never_inlines_one(client, messages,
                                                                          capsys):
    token = add_lead(client, "Sari", capsys)
    assert "Sign in" in client.get("/review").text
    response = client.post("/review/login", data={"token": token})
    assert response.status_code == 200 and response.url.path == "/review"
    html = response.text
    assert 'id="reviewer">Sari<' in html
    assert '<script src="/static/review.js" defer></script>' in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs, _ in scripts)
    config = json.loads(re.search(r'id="review-config">(.*?)</script>', html, re.S).group(1))
    assert config["reviewer"] == "Sari" and "greeting" in config["intents"]
    assert "style=" not in html
    # Messages come from the API (rendered as text by the script), never in the HTML.
    assert messages["fallback"]["text"] not in html
    for keys in ("1 2 3", "o", "a", "j / k", "u"):
        assert f"<kbd>{keys}</kbd>" in html
    assert client.get("/static/review.js").status_code == 200


def test_markup_in_messages_is_returned_as_text(client):
    script = "<script>alert(1)</script> paket saya belum sampai"
    message_id = parse(client, script)["message_id"]
    feedback(client, message_id, source="customer", comment="<img src=x onerror=alert(2)>")
    items = wait_for_queue(client, 1)["items"]
    assert items[0]["text"] == script
    assert items[0]["feedback"][0]["comment"] == "<img src=x onerror=alert(2)>"


def test_a_wrong_token_on_the_login_form(client):
    response = client.post("/review/login", data={"token": "nope"})
    assert str(response.url).endswith("/review?failed=1")
    assert client.cookies.get("nlu_review_token") is None
    assert 'id="login-error"' in response.text


def test_a_model_trained_without_routes_takes_review_decisions(make_client, tiny_dataset,
                                                               tmp_path):
    """A model trained from a CSV (no route declared) still knows its intents: a lead's
    decision is checked against them, not against routes it does not have."""
    from nlu import load_dataset, save_model, train
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
