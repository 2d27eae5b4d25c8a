"""The review loop as a CS lead and an analyst run it, black box: ``nlu`` commands and HTTP.

Customers chat -> an agent and a customer send feedback -> the lead works the queue and
relabels -> the analyst exports the decisions, retrains with them, promotes the candidate
-> an admin reloads the server, which now serves the new version and gets the message right.
"""

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from nlu import load_dataset

from tests.api.reviewing import message_finder

from .conftest import ROOT, WORKFLOW_ADMIN_TOKEN

NLU = Path(sys.executable).with_name("nlu")
COMMAND = [str(NLU)] if NLU.exists() else [sys.executable, "-m", "training.cli"]
TRAIN = ROOT / "data" / "intents_id.yaml"
TEST = ROOT / "data" / "test_id.jsonl"
ADMIN = {"Authorization": f"Bearer {WORKFLOW_ADMIN_TOKEN}"}

# Three of the sixteen intents, three examples each: a candidate much worse than current.
BAD_DATA = """\
version: 1
intents:
  - id: greeting
    route: answer
    examples: ["halo kak", "selamat pagi min", "hai admin"]
  - id: refund_return
    route: resolution_center
    examples: ["mau refund", "dana belum kembali", "cara retur barang"]
  - id: track_order
    route: answer
    examples: ["paket sampai mana", "lacak paket", "cek resi"]
"""


def nlu(*args, check=True):
    result = subprocess.run(COMMAND + [str(a) for a in args], cwd=ROOT, capture_output=True,
                            text=True, timeout=180)
    assert "Traceback" not in result.stderr, result.stderr
    if check:
        assert result.returncode == 0, (result.stdout, result.stderr)
    return result


@pytest.fixture(scope="module")
def picks(e2e_model_dir):
    """Messages of data/test_id.jsonl the current model misroutes, rightly falls back on
    (out of scope), and gets right: ``{kind: {"text", "intent", "route"}}`` (true labels).
    Found with the model, so the test follows the training data."""
    first = message_finder(e2e_model_dir, [TEST])
    misrouted = first("a misroute", lambda r, p: p.fallback is None and
                      r["intent"] is not None and p.route != r["route"])
    return {
        "misrouted": misrouted,
        "fallback": first("an out-of-scope fallback", lambda r, p: p.fallback is not None
                          and r["intent"] is None),
        "right": first("right", lambda r, p: p.intent == r["intent"] is not None
                       and p.intent != misrouted["intent"]),
    }


@pytest.fixture
def workdir(tmp_path, e2e_model_dir):
    """models/current -> the e2e `fast` model, as `nlu train --link` leaves it."""
    (tmp_path / "models").mkdir()
    os.symlink(e2e_model_dir, tmp_path / "models" / "current")
    return tmp_path


def wait_for_queue(http, headers, total, timeout=5.0):
    """The queue once it holds ``total`` items or more (predictions are written every 50 ms;
    a confident one is sampled into the queue now and then)."""
    deadline = time.monotonic() + timeout
    while True:
        page = http.get("/v1/review", headers=headers).json()
        if page["total"] >= total or time.monotonic() > deadline:
            assert page["total"] >= total, page
            return page
        time.sleep(0.02)


def current_target(workdir):
    return (workdir / "models" / "current").resolve()


def test_review_loop_from_feedback_to_a_reloaded_model(workdir, nlu_server, e2e_model_dir,
                                                        picks):
    truth = picks["misrouted"]
    db = f"sqlite:///{workdir / 'nlu.db'}"

    # An admin creates a CS lead; the token is printed once.
    created = nlu("review", "add-lead", "Sari Dewi", "--db", db)
    lead = {"Authorization": f"Bearer {created.stdout.strip().splitlines()[-1]}"}

    server = nlu_server(workdir / "models" / "current", db)
    http = httpx.Client(base_url=server, timeout=30)
    assert http.get("/v1/model").json()["version"] == e2e_model_dir.name

    # Customers talk to the bot.
    misrouted = http.post("/v1/chat", json={"session_id": "cust-1",
                                            "text": truth["text"]}).json()
    assert misrouted["route"] != truth["route"] and misrouted["fallback"] is None
    oos = http.post("/v1/parse", json={"text": picks["fallback"]["text"]}).json()
    assert oos["fallback"] is not None
    right = http.post("/v1/parse", json={"text": picks["right"]["text"]}).json()
    assert right["intent"] == picks["right"]["intent"]

    # The customer says it did not help; the agent who took the chat says what it was.
    for body in ({"source": "customer", "comment": "bukan itu pertanyaan saya"},
                 {"source": "agent", "correct_intent": truth["intent"],
                  "correct_route": truth["route"]}):
        response = http.post("/v1/feedback", json={"message_id": misrouted["message_id"],
                                                   **body})
        assert response.status_code == 201, response.text

    # The lead opens the queue: the message with feedback first, then the fallback.
    assert http.get("/v1/review").status_code == 401
    items = wait_for_queue(http, lead, 2)["items"]
    assert [(i["message_id"], i["priority"]) for i in items[:2]] == [
        (misrouted["message_id"], "feedback"), (oos["message_id"], "fallback")]
    assert items[0]["status"] == "pending"
    assert [f["source"] for f in items[0]["feedback"]] == ["customer", "agent"]

    # The lead relabels the misroute, confirms the fallback as out of scope and the right one.
    for message_id, label in ((misrouted["message_id"], truth["intent"]),
                              (oos["message_id"], None),
                              (right["message_id"], right["intent"])):
        response = http.post(f"/v1/review/{message_id}", json={"label": label}, headers=lead)
        assert response.status_code == 200, response.text
        assert response.json()["reviewer"] == "Sari Dewi"
    relabelled = http.get("/v1/review", params={"status": "relabelled"}, headers=lead).json()
    assert [i["message_id"] for i in relabelled["items"]] == [misrouted["message_id"]]
    stats = http.get("/v1/review/stats", headers=lead).json()
    assert (stats["reviewed"], stats["wrong_intent"], stats["misrouted"]) == (3, 1, 1)
    assert (stats["fallbacks"], stats["fallbacks_out_of_scope"]) == (1, 1)
    assert stats["misroutes_by_route"] == [
        {"predicted_route": misrouted["route"], "correct_route": truth["route"], "count": 1}]

    # The analyst exports the decisions (API and CLI give the same file) ...
    exported = http.get("/v1/review/export", params={"format": "yaml"}, headers=lead)
    assert exported.status_code == 200
    reviewed = workdir / "reviewed.yaml"
    reviewed.write_bytes(exported.content)
    nlu("review", "export", "--db", db, "--out", workdir / "reviewed-cli.yaml")
    assert (workdir / "reviewed-cli.yaml").read_bytes() == exported.content
    assert truth["text"] in exported.text and picks["fallback"]["text"] in exported.text

    # ... retrains with them ...
    trained = nlu("train", "--data", TRAIN, "--data", reviewed, "--profile", "fast",
                  "--out", workdir / "models" / "v2")
    assert json.loads(trained.stdout)["examples"] == len(load_dataset(TRAIN)) + 3

    # ... and promotes the candidate: both reports side by side, then the link moves.
    promoted = nlu("promote", "--candidate", workdir / "models" / "v2", "--test", TEST,
                   "--current", workdir / "models" / "current")
    header, *rows = promoted.stdout.splitlines()[:7]
    assert header.split() == ["current", "candidate", "difference"]
    assert [r.split()[0] for r in rows[:2]] == ["accuracy", "macro_f1"]
    assert f"promoted: {workdir / 'models' / 'current'} -> {workdir / 'models' / 'v2'}" \
        in promoted.stdout
    assert current_target(workdir) == (workdir / "models" / "v2").resolve()

    # The server still serves the old model until an admin reloads it.
    assert http.get("/v1/model").json()["version"] == e2e_model_dir.name
    assert http.post("/v1/admin/reload", json={}, headers=lead).status_code == 403
    reload = http.post("/v1/admin/reload", json={}, headers=ADMIN)
    assert reload.status_code == 200, reload.text
    assert reload.json()["version"] == "v2"
    assert reload.json()["previous_version"] == e2e_model_dir.name
    assert http.get("/v1/model").json()["version"] == "v2"

    # The new model gets the reviewed message right, and its predictions say so.
    again = http.post("/v1/parse", json={"text": truth["text"]}).json()
    assert (again["intent"], again["route"]) == (truth["intent"], truth["route"])
    feedback = http.post("/v1/feedback", json={"message_id": again["message_id"],
                                               "source": "customer", "comment": "makasih"})
    assert feedback.status_code == 201
    http.close()
    with sqlite3.connect(workdir / "nlu.db") as connection:
        versions = dict(connection.execute(
            "SELECT message_id, model_version FROM predictions").fetchall())
    assert versions[misrouted["message_id"]] == e2e_model_dir.name
    assert versions[again["message_id"]] == "v2"


def test_promote_refuses_a_worse_candidate_and_leaves_the_link(workdir):
    (workdir / "bad.yaml").write_text(BAD_DATA, encoding="utf-8")
    nlu("train", "--data", workdir / "bad.yaml", "--profile", "fast",
        "--out", workdir / "models" / "bad")
    before = os.readlink(workdir / "models" / "current")

    refused = nlu("promote", "--candidate", workdir / "models" / "bad", "--test", TEST,
                  "--current", workdir / "models" / "current", check=False)
    assert refused.returncode == 3, (refused.stdout, refused.stderr)
    table = {line.split()[0]: [float(v) for v in line.split()[1:]]
             for line in refused.stdout.splitlines()[1:]}
    current, candidate, difference = table["accuracy"]
    assert refused.stderr == (f"not promoted: the candidate's accuracy {candidate:.4f} is more "
                              f"than 0.01 below the current model's {current:.4f}\n")
    assert candidate < current - 0.01
    assert difference == pytest.approx(candidate - current, abs=1e-4)
    assert os.readlink(workdir / "models" / "current") == before

    # The margin decides: allowed to lose everything, the same candidate goes through.
    accepted = nlu("promote", "--candidate", workdir / "models" / "bad", "--test", TEST,
                   "--current", workdir / "models" / "current", "--max-drop", "1")
    assert accepted.returncode == 0
    assert current_target(workdir) == (workdir / "models" / "bad").resolve()
