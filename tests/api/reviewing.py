"""What the review API tests share: requests as a lead makes them, and stored messages
chosen with the served model (so the tests follow the training data)."""

import json
import time
import types
from pathlib import Path

import pytest

import nlu.feedback.store
from nlu import load_model
from nlu.feedback.queue import ReviewQueue
from training.cli import main as nlu_main

DATA = Path(__file__).resolve().parents[2] / "data"
LOW_MARGIN = ReviewQueue(store=None, labels=(), intent_routes={}).low_margin


def _margin(prediction):
    return prediction.confidence - prediction.ranking[1].confidence


def message_finder(model_dir, paths):
    """``first(kind, condition)``: the first row of the .jsonl files ``paths`` whose
    prediction by the model in ``model_dir`` meets ``condition(row, prediction)``; the test
    fails when none does (the training data changed)."""
    rows = [json.loads(line) for path in paths for line in path.read_text().splitlines()]
    predictions = load_model(model_dir).predict([r["text"] for r in rows])

    def first(kind, condition):
        for row, p in zip(rows, predictions):
            if condition(row, p):
                return row
        pytest.fail(f"no message of {', '.join(p.name for p in paths)} is {kind} for "
                    "this model")

    return first


@pytest.fixture(scope="module")
def picks(model_dir):
    """Messages of the test sets with the prediction each test needs, found with the
    served model: ``{kind: {"text", "intent", "route"}}`` (the true labels)."""
    first = message_finder(model_dir, [DATA / "test_id.jsonl", DATA / "test_informal_id.jsonl"])
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


def decide(client, message_id, label, headers=None, **fields):
    return client.post(f"/v1/review/{message_id}", json={"label": label, **fields},
                       headers=headers or admin(client))


def wait_for_queue(client, total, messages=0, timeout=5.0):
    """The queue once ``total`` rows (and ``messages`` messages) are in it: predictions
    are written every 50 ms."""
    deadline = time.monotonic() + timeout
    while ((body := queue(client))["total"] < total or body["messages"] < messages) \
            and time.monotonic() < deadline:
        time.sleep(0.02)
    return body


def draw(monkeypatch, value):
    """Every stored prediction's uniform draw is ``value``: below 0.05 it is in the random
    sample of confident answers, from 0.9 it is reviewed twice, blind."""
    monkeypatch.setattr(nlu.feedback.store, "random", types.SimpleNamespace(random=lambda: value))


@pytest.fixture
def unsampled(monkeypatch):
    """No prediction is in the confident sample or the double-review sample."""
    draw(monkeypatch, 0.5)


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
