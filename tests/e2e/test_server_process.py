"""``nlu serve`` as an operator runs it: a real process, real HTTP, a clean stop.

The server runs in a scratch directory with the domain folder passed explicitly, so the
test writes nothing into the repository; its settings come from ``NLU_*`` variables.
"""

import json
import shutil
import signal
import sqlite3
import threading
import time

import httpx

from benchmarks.server import ROOT, ServerProcess

ADMIN_TOKEN = "e2e-process-admin"
PHONE = "0812-3456-7890"
INVOICE = "INV/20261103/MPL/3456789012"


def test_serve_answers_over_http_and_stops_cleanly(e2e_model_dir, tmp_path):
    database = tmp_path / "nlu.db"
    server = ServerProcess(e2e_model_dir, tmp_path, domain_dir=ROOT / "data", cwd=tmp_path,
                           env={"NLU_DATABASE_URL": f"sqlite:///{database}",
                                "NLU_ADMIN_TOKEN": ADMIN_TOKEN})
    try:
        server.wait_ready()
        with httpx.Client(base_url=server.url, timeout=10) as http:
            parse = http.post("/v1/parse",
                              json={"text": f"paket blm nyampe udh 5 hari, {INVOICE}"})
            first = http.post("/v1/chat", json={"session_id": "e2e-1",
                                                "text": f"tolong telp saya di {PHONE}, "
                                                        "resep nasi goreng yang enak"})
            second = http.post("/v1/chat", json={"session_id": "e2e-1",
                                                 "text": "write me a poem about cats"})
            wrong = http.post("/v1/admin/reload",
                              headers={"Authorization": "Bearer not-the-token"})
            version = http.get("/v1/model").json()["version"]
    finally:
        status = server.stop()
    output = server.log_text()

    assert parse.status_code == 200, parse.text
    assert parse.json()["intent"] == "item_not_received"
    assert parse.json()["route"] == "invoice_chat"
    assert f"Cari pesanan {INVOICE}." in parse.json()["steps"]
    assert first.status_code == 200 and first.json()["handoff"] is False
    assert second.status_code == 200 and second.json()["handoff"] is True
    assert second.json()["route"] == "live_chat" and second.json()["lang"] == "en"
    assert wrong.status_code == 403  # NLU_ADMIN_TOKEN is the token
    assert version == e2e_model_dir.name

    assert status == 0, output[-3000:]  # SIGTERM is a requested stop: a clean exit
    assert "Application shutdown complete." in output
    assert "Traceback" not in output
    access = [json.loads(line) for line in output.splitlines() if line.startswith('{"ts"')]
    assert [(a["path"], a["status"]) for a in access if a["path"].startswith("/v1/")] == [
        ("/v1/parse", 200), ("/v1/chat", 200), ("/v1/chat", 200), ("/v1/admin/reload", 403),
        ("/v1/model", 200)]
    # The phone number reaches neither the log nor the store; stored rows keep the invoice.
    assert PHONE not in output and "[PHONE]" in output
    with sqlite3.connect(database) as db:  # written on shutdown at the latest
        rows = db.execute("SELECT endpoint, session_id, text FROM predictions "
                          "ORDER BY created_at").fetchall()
    assert [(endpoint, session) for endpoint, session, _ in rows] == [
        ("parse", None), ("chat", "e2e-1"), ("chat", "e2e-1")]
    assert INVOICE in rows[0][2]
    assert PHONE not in rows[1][2] and "[PHONE]" in rows[1][2]


def test_sigterm_under_load_loses_no_acknowledged_request(e2e_model_dir, tmp_path):
    """Clients keep parsing while the server is told to stop: it stops accepting, answers
    what it has accepted, writes every prediction it acknowledged, and exits 0."""
    database = tmp_path / "nlu.db"
    server = ServerProcess(e2e_model_dir, tmp_path, domain_dir=ROOT / "data", cwd=tmp_path,
                           env={"NLU_DATABASE_URL": f"sqlite:///{database}",
                                "NLU_ADMIN_TOKEN": ADMIN_TOKEN, "NLU_ACCESS_LOG": "false"})
    acknowledged, refused, failures = [], [], []
    stop = threading.Event()

    def client(number):
        with httpx.Client(base_url=server.url, timeout=30) as http:
            while not stop.is_set():
                try:
                    response = http.post("/v1/parse", json={"text": f"paket {number} blm nyampe"})
                except httpx.TransportError:  # the server no longer accepts: expected
                    refused.append(number)
                    time.sleep(0.01)
                    continue
                if response.status_code == 200:
                    acknowledged.append(response.json()["message_id"])
                else:
                    failures.append(response.text)

    try:
        server.wait_ready()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        answered_before = len(acknowledged)
        server.process.send_signal(signal.SIGTERM)
        status = server.process.wait(30)
        stop.set()
        for thread in threads:
            thread.join(30)
    finally:
        stop.set()
        server.stop()
    output = server.log_text()

    assert status == 0, output[-3000:]
    assert answered_before > 20 and refused  # load was running, then the door closed
    assert failures == []  # no 5xx: every request accepted was answered
    with sqlite3.connect(database) as db:
        stored = {row[0] for row in db.execute("SELECT message_id FROM predictions")}
    assert set(acknowledged) <= stored, len(set(acknowledged) - stored)
    assert "Traceback" not in output and "Application shutdown complete." in output


def test_a_reload_reaches_every_worker(e2e_model_dir, tmp_path):
    models = tmp_path / "models"
    first, second = models / "first", models / "second"
    shutil.copytree(e2e_model_dir, first)
    shutil.copytree(e2e_model_dir, second)
    server = ServerProcess(first, tmp_path, workers=2, domain_dir=ROOT / "data", cwd=tmp_path,
                           env={"NLU_DATABASE_URL": f"sqlite:///{tmp_path / 'nlu.db'}",
                                "NLU_ADMIN_TOKEN": ADMIN_TOKEN, "NLU_MODELS_DIR": str(models),
                                "NLU_ACCESS_LOG": "false"})
    try:
        server.wait_ready()
        reload = httpx.post(f"{server.url}/v1/admin/reload", json={"model_dir": str(second)},
                            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=60)
        # Each request on a new connection: either worker may answer it.
        deadline, versions = time.monotonic() + 30, []
        while time.monotonic() < deadline:
            versions = [httpx.get(f"{server.url}/v1/model", timeout=10).json()["version"]
                        for _ in range(20)]
            if set(versions) == {"second"}:
                break
            time.sleep(0.2)
    finally:
        status = server.stop()

    assert reload.status_code == 200, reload.text
    assert set(versions) == {"second"}, versions
    assert "another worker reloaded: now serving second" in server.log_text()
    assert status == 0
