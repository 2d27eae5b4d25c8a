"""kill -9 of a real ``nlu serve`` under traffic: every prediction, chat turn and feedback
a client got an answer for is in the database (SQLite and PostgreSQL)."""

import threading
import time

import httpx
import pytest
from sqlalchemy import create_engine, text

from nlu.feedback.store import Store

CLIENTS = 8
#: Acknowledged predictions before the kill (or this many seconds, on a loaded machine).
TRAFFIC, TRAFFIC_SECONDS = 150, 15


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/nlu.db"
    return request.getfixturevalue("fresh_postgres_url")


def _client(url, number, acknowledged, stop):
    """Parse, chat and feedback in turn until ``stop``; note what was acknowledged."""
    last = None
    with httpx.Client(base_url=url, timeout=10) as http:
        for turn in range(10**6):
            if stop.is_set():
                return
            try:
                if turn % 3 == 0:
                    response = http.post("/v1/parse",
                                         json={"text": f"paket blm nyampe {number}-{turn}"})
                elif turn % 3 == 1:
                    response = http.post("/v1/chat", json={"session_id": f"s{number}",
                                                           "text": "mau refund dana saya"})
                else:
                    response = http.post("/v1/feedback", json={
                        "message_id": last, "source": "customer", "comment": f"{turn}"})
            except httpx.HTTPError:  # the server is gone: this request was never answered
                continue
            if response.status_code == 200:
                last = response.json()["message_id"]
                acknowledged["predictions"].append(last)
            elif response.status_code == 201:
                acknowledged["feedback"].append(response.json()["id"])
            else:
                acknowledged["errors"].append((response.status_code, response.text))


def _stored(database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return ({r[0] for r in connection.execute(text("SELECT message_id FROM predictions"))},
                    {r[0] for r in connection.execute(text("SELECT id FROM feedback"))})
    finally:
        engine.dispose()


def test_every_acknowledged_write_survives_kill_9(nlu_process, e2e_model_dir, database_url):
    server = nlu_process(e2e_model_dir, database_url)
    acknowledged = {"predictions": [], "feedback": [], "errors": []}
    stop = threading.Event()
    clients = [threading.Thread(target=_client, args=(server.url, n, acknowledged, stop))
               for n in range(CLIENTS)]
    for client in clients:
        client.start()
    deadline = time.monotonic() + TRAFFIC_SECONDS
    while len(acknowledged["predictions"]) < TRAFFIC and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # mid-traffic: requests in flight, rows being written
    stop.set()
    for client in clients:
        client.join()

    assert acknowledged["errors"] == []
    assert len(acknowledged["predictions"]) > 30 and len(acknowledged["feedback"]) > 10
    predictions, feedback = _stored(database_url)
    assert set(acknowledged["predictions"]) <= predictions
    assert set(acknowledged["feedback"]) <= feedback

    # The database opens again as it was left (a SQLite journal left hot is rolled back).
    store = Store(database_url)
    store.check()
    assert store.get_prediction(acknowledged["predictions"][0]) is not None
    store.dispose()
