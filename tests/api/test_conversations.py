"""Thirty scripted conversations (Indonesian, English, code-mixed) through POST /v1/chat, as a
frontend runs them: each turn's reply language follows the rule, conversations about an
order are asked for it once, ambiguous turns offer suggestions, angry turns hand over, and
no reply shows an internal id. The script is conversations.yaml."""

import re
import uuid
from pathlib import Path

import pytest
from ruamel.yaml import YAML

SCRIPT = YAML(typ="safe").load((Path(__file__).parent / "conversations.yaml")
                               .read_text(encoding="utf-8"))["conversations"]
CHECKED = {"lang", "intent", "route", "awaiting", "urgent", "handoff"}
# An internal id in customer text: an intent or route id (snake_case), or "out_of_scope".
INTERNAL_ID = re.compile(r"\b[a-z]+_[a-z_]+\b")


def test_the_script_is_thirty_conversations_in_three_languages():
    assert len(SCRIPT) == 30
    assert {c["name"].split()[0] for c in SCRIPT} == {"id", "en", "mixed", "language"}
    assert all(t.get("lang") in ("id", "en") for c in SCRIPT for t in c["turns"])


def customer_texts(body):
    """Everything of a reply that a chat page shows the customer."""
    texts = [body["reply"], body["route_name"] or "", *body["steps"],
             *(s["label"] for s in body["suggestions"])]
    if body["kb_article"]:
        texts.append(body["kb_article"]["title"])
    return texts


@pytest.mark.parametrize("conversation", SCRIPT, ids=[c["name"] for c in SCRIPT])
def test_scripted_conversation(shared_client, conversation):
    session, previous, asked_order = f"script-{uuid.uuid4().hex}", None, 0
    for number, turn in enumerate(conversation["turns"], 1):
        where = f"turn {number} {turn.get('say') or turn.get('click')!r}"
        request = {"session_id": session, "text": turn.get("say")}
        if "click" in turn:
            [button] = [s for s in previous["suggestions"] if s["label"] == turn["click"]]
            request = {"session_id": session, "text": button["label"],
                       "intent": button["intent"]}
        response = shared_client.post("/v1/chat", json=request)
        assert response.status_code == 200, (where, response.text)
        body = response.json()

        for key in CHECKED & set(turn):
            assert body[key] == turn[key], (where, key, body)
        assert body["frustrated"] is bool(turn.get("angry")), (where, body)
        if turn.get("angry"):
            assert body["handoff"] and body["route"] == "live_chat", (where, body)
            assert any(apology in body["reply"]
                       for apology in ("Maaf banget", "I'm really sorry")), (where, body)
        if body["handoff"]:
            assert body["route"] == "live_chat" and body["steps"], (where, body)
        for intent in turn.get("suggestions", ()):
            assert intent in [s["intent"] for s in body["suggestions"]], (where, body)
        if "steps" in turn:
            assert any(turn["steps"] in step for step in body["steps"]), (where, body)
        if "reply" in turn:
            assert turn["reply"] in body["reply"], (where, body)

        answering = previous is not None and set(previous["awaiting"]) & {"order", "days"}
        if body["fallback"] == "ambiguous" and not answering and not body["handoff"]:
            assert body["awaiting"] == ["choice"], (where, "an ambiguous turn", body)
        if body["awaiting"] == ["choice"]:
            assert 2 <= len(body["suggestions"]) <= 3, (where, body)
        for text in customer_texts(body):
            assert not INTERNAL_ID.search(text), (where, "an internal id shown", text)
        asked_order += "order" in body["awaiting"]
        previous = body
    assert asked_order == conversation["order_asked"], "times the order was asked"
