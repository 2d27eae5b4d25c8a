"""The Recorder stores every prediction before its answer; a store that fails is an error
clients and readiness see; a row the database refuses is set aside, never retried."""

import asyncio
import json
import logging
import sqlite3
import threading

import pytest

from nlu.errors import RecordRejected, StoreError
from nlu.feedback.store import Store
from serve import recorder as recorder_module
from serve.metrics import Metrics
from serve.recorder import Recorder

from .test_ops import metric_samples, sample


class FakeStore:
    """Records each write's rows; ``gate`` (an Event) holds writes; ``refuse`` ids refused;
    ``down`` a StoreError raised instead of writing."""

    def __init__(self, refuse=(), down=None, gate=None):
        self.writes, self.refuse, self.down, self.gate = [], set(refuse), down, gate

    def add_predictions(self, rows):
        if self.gate is not None:
            self.gate.wait(10)
        if self.down is not None:
            raise self.down
        self.writes.append([r["message_id"] for r in rows])
        return [(r, "value refused") for r in rows if r["message_id"] in self.refuse]


def run(store, scenario):
    async def main():
        recorder = Recorder(store, Metrics())
        await recorder.start()
        try:
            return await scenario(recorder)
        finally:
            await recorder.stop()
    return asyncio.run(main())


def rows(*ids):
    return [{"message_id": i} for i in ids]


def test_rows_of_concurrent_requests_share_a_commit():
    gate = threading.Event()
    store = FakeStore(gate=gate)

    async def scenario(recorder):
        first = asyncio.create_task(recorder.record(rows("a")))
        await asyncio.sleep(0.05)  # "a" is being written; the others gather meanwhile
        others = [asyncio.create_task(recorder.record(rows(i))) for i in "bcd"]
        await asyncio.sleep(0.05)
        gate.set()
        await asyncio.gather(first, *others)

    run(store, scenario)
    assert store.writes == [["a"], ["b", "c", "d"]]


def test_record_returns_only_once_the_rows_are_written():
    gate = threading.Event()
    store = FakeStore(gate=gate)

    async def scenario(recorder):
        task = asyncio.create_task(recorder.record(rows("a", "b")))
        await asyncio.sleep(0.1)
        done_before = task.done()
        gate.set()
        await task
        return done_before

    assert run(store, scenario) is False
    assert store.writes == [["a", "b"]]


def test_a_store_that_fails_fails_the_requests_waiting_for_it():
    store = FakeStore(down=StoreError("database x: disk I/O error"))

    async def scenario(recorder):
        with pytest.raises(StoreError, match="disk I/O error"):
            await recorder.record(rows("a"))
        return recorder.failure

    assert run(store, scenario) == "database x: disk I/O error"


def test_a_refused_row_fails_its_request_only():
    store = FakeStore(refuse={"b"})

    async def scenario(recorder):
        return await asyncio.gather(recorder.record(rows("a")), recorder.record(rows("b")),
                                    return_exceptions=True)

    ok, refused = run(store, scenario)
    assert ok is None
    assert isinstance(refused, RecordRejected)
    assert str(refused) == "the prediction could not be stored: value refused"


def test_a_store_far_behind_answers_at_once(monkeypatch):
    monkeypatch.setattr(recorder_module, "MAX_PENDING", 3)
    gate = threading.Event()
    store = FakeStore(gate=gate)

    async def scenario(recorder):
        writing = asyncio.create_task(recorder.record(rows("a")))
        await asyncio.sleep(0.05)
        waiting = asyncio.create_task(recorder.record(rows("b", "c")))
        await asyncio.sleep(0)
        with pytest.raises(StoreError, match="the database is 2 predictions behind: "
                                             "nothing stored"):
            await recorder.record(rows("d", "e"))
        gate.set()
        await asyncio.gather(writing, waiting)

    run(store, scenario)
    assert store.writes == [["a"], ["b", "c"]]


def test_stop_writes_what_is_pending():
    gate = threading.Event()
    store = FakeStore(gate=gate)

    async def main():
        recorder = Recorder(store, Metrics())
        await recorder.start()
        tasks = [asyncio.create_task(recorder.record(rows(i))) for i in "ab"]
        await asyncio.sleep(0.05)
        threading.Timer(0.1, gate.set).start()
        await recorder.stop()
        return [t.done() and t.exception() is None for t in tasks]

    assert asyncio.run(main()) == [True, True]
    assert sorted(sum(store.writes, [])) == ["a", "b"]


# -- through HTTP ------------------------------------------------------------------------------


def database(client):
    return client.app.state.nlu.settings.database_url.removeprefix("sqlite:///")


def stored_ids(client):
    with sqlite3.connect(database(client)) as db:
        return {row[0] for row in db.execute("SELECT message_id FROM predictions")}


def test_a_deleted_database_is_a_503_for_clients_and_readiness(client, caplog):
    from pathlib import Path

    path = Path(database(client))
    assert client.post("/v1/parse", json={"text": "halo"}).status_code == 200
    path.unlink()

    with caplog.at_level(logging.ERROR, logger="nlu.serve"):
        answers = [client.post("/v1/parse", json={"text": "halo kak"}) for _ in range(3)]
        chat = client.post("/v1/chat", json={"session_id": "s1", "text": "halo"})
        ready = client.get("/readyz")

    for response in answers + [chat]:
        assert response.status_code == 503, response.text
        assert "the file is gone" in response.json()["detail"]
    assert ready.status_code == 503
    assert ready.json()["model"] == "ok" and "the file is gone" in ready.json()["store"]
    assert ready.json()["status"] == "not ready"
    # One log line for the outage, not one per write.
    assert len([r for r in caplog.records if "cannot store predictions" in r.getMessage()]) == 1
    samples = metric_samples(client)
    assert sample(samples, "nlu_store_errors_total") == 3
    assert sample(samples, "nlu_store_up") == 0

    # A database back at the path (restored, or migrated anew) is used again.
    fresh = Store(f"sqlite:///{path}")
    fresh.migrate()
    fresh.dispose()
    again = client.post("/v1/parse", json={"text": "halo kak"})
    assert again.status_code == 200
    assert again.json()["message_id"] in stored_ids(client)
    assert client.get("/readyz").status_code == 200
    assert sample(metric_samples(client), "nlu_store_up") == 1


def test_a_row_the_database_refuses_is_set_aside_and_counted(client, monkeypatch, caplog):
    import serve.api

    real = serve.api.prediction_record

    def poisoned(prediction, *args, **kwargs):
        row = real(prediction, *args, **kwargs)
        if "racun" in prediction.text:  # what sanitization would have caught
            row["text"] += " \ud800"
        return row

    monkeypatch.setattr(serve.api, "prediction_record", poisoned)
    with caplog.at_level(logging.ERROR, logger="nlu.serve"):
        refused = client.post("/v1/parse", json={"text": "ini racun"})
        batch = client.post("/v1/parse/batch", json={"texts": ["halo", "racun", "makasih"]})
        after = client.post("/v1/parse", json={"text": "halo kak"})

    assert refused.status_code == batch.status_code == 503
    assert refused.json()["detail"].startswith("the prediction could not be stored: database ")
    assert "surrogates not allowed" in refused.json()["detail"]
    assert after.status_code == 200 and after.json()["message_id"] in stored_ids(client)
    with sqlite3.connect(database(client)) as db:
        texts = sorted(t for (t,) in db.execute("SELECT text FROM predictions"))
    assert texts == ["halo", "halo kak", "makasih"]  # the batch's other rows are stored
    samples = metric_samples(client)
    assert sample(samples, "nlu_records_rejected_total") == 2
    assert sample(samples, "nlu_store_up") == 1  # the database itself is fine
    set_aside = [r.getMessage() for r in caplog.records if "set aside" in r.getMessage()]
    assert len(set_aside) == 2  # once each, never retried
    assert all("racun" not in line for line in set_aside)  # no text in the log


def test_a_nul_byte_is_stored_as_a_space(client):
    response = client.post("/v1/parse", json={"text": "paket\u0000blm nyampe"})
    assert response.status_code == 200
    stored = client.app.state.nlu.store.get_prediction(response.json()["message_id"])
    assert stored["text"] == "paket blm nyampe"


def test_a_session_id_carrying_a_phone_number_is_hashed_everywhere(client):
    session = "wa-081234567890"
    first = client.post("/v1/chat", json={"session_id": session, "text": "resep nasi goreng"})
    second = client.post("/v1/chat", json={"session_id": session, "text": "puisi kucing"})
    assert first.status_code == second.status_code == 200
    # The conversation is one all the same: two misses hand over.
    assert (first.json()["handoff"], second.json()["handoff"]) == (False, True)
    with sqlite3.connect(database(client)) as db:
        stored = {s for (s,) in db.execute("SELECT session_id FROM predictions")} | {
            s for (s,) in db.execute("SELECT session_id FROM sessions")}
    assert len(stored) == 1 and stored.pop().startswith("anon-")
    raw = open(database(client), "rb").read()
    assert b"081234567890" not in raw and b"81234567890" not in raw


def test_the_access_log_masks_texts_and_paths(make_client, caplog):
    client = make_client(access_log=True)
    text = "hp 0812.3456.7890 INV/20261103/MPL/3456789012"
    with caplog.at_level(logging.INFO, logger="nlu.access"):
        for path, body in (("/v1/parse", {"text": text}), ("/model/parse", {"text": text}),
                           ("/v1/chat", {"session_id": "s", "text": text}),
                           ("/v1/parse/batch", {"texts": [text]})):
            assert client.post(path, json=body).status_code == 200
        for _ in range(2):  # the second time from the paths the log keeps
            client.post("/v1/review/0812-3456-7890", json={"label": None},
                        headers={"Authorization": "Bearer test-admin"})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "nlu.access"]
    assert [line["text"] for line in lines[:4]] == ["hp [PHONE] [INVOICE]"] * 4
    assert [line["path"] for line in lines[4:]] == ["/v1/review/[PHONE]"] * 2
    assert lines[4]["status"] == 404
    assert "3456" not in caplog.text
    # What the database keeps: the invoice number, for CS leads.
    with sqlite3.connect(database(client)) as db:
        texts = {t for (t,) in db.execute("SELECT text FROM predictions")}
    assert texts == {"hp [PHONE] INV/20261103/MPL/3456789012"}
