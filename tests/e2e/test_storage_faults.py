"""A real ``nlu serve`` whose database fails under it: files made immutable, the folder
deleted, PostgreSQL made read-only, a NUL byte. The server never dies, never answers 2xx
for what it did not store, says so in /readyz, and recovers when the database does."""

import shutil
import subprocess
from datetime import datetime

import httpx
import pytest
from sqlalchemy import create_engine, text

from nlu.feedback.store import Store

from .conftest import apt_install


@pytest.fixture(scope="module")
def chattr():
    if shutil.which("chattr") is None:
        apt_install("e2fsprogs", "chattr")
    return shutil.which("chattr")


def _set_immutable(chattr, paths, on):
    result = subprocess.run([chattr, "+i" if on else "-i", *map(str, paths)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"chattr cannot make {paths} immutable here (needs root and a file "
                    f"system with the flag, e.g. ext4): {result.stderr}", pytrace=False)


def _traffic(http, message_id):
    """One of each kind of write; their statuses."""
    return [http.post("/v1/parse", json={"text": "paket blm nyampe"}).status_code,
            http.post("/v1/parse/batch", json={"texts": ["halo", "refund"]}).status_code,
            http.post("/v1/chat", json={"session_id": "f1", "text": "halo"}).status_code,
            http.post("/v1/feedback", json={"message_id": message_id,
                                            "source": "agent"}).status_code]


def test_sqlite_files_made_immutable_or_deleted(nlu_process, e2e_model_dir, tmp_path, chattr):
    folder = tmp_path / "db"
    server = nlu_process(e2e_model_dir, f"sqlite:///{folder}/nlu.db")
    with httpx.Client(base_url=server.url, timeout=30) as http:
        message_id = http.post("/v1/parse", json={"text": "halo"}).json()["message_id"]
        # (-wal and -shm would exist in WAL mode, whose memory-mapped index then SIGBUSes)
        files = [folder / name for name in ("nlu.db", "nlu.db-journal", "nlu.db-wal",
                                            "nlu.db-shm") if (folder / name).exists()]
        _set_immutable(chattr, files, True)
        try:
            during = [_traffic(http, message_id) for _ in range(5)]
            ready = http.get("/readyz")
        finally:
            _set_immutable(chattr, files, False)
        assert server.process.poll() is None, server.log_tail()  # alive: no SIGBUS
        assert all(status == 503 for statuses in during for status in statuses), during
        assert ready.status_code == 503 and ready.json()["model"] == "ok"
        assert ready.json()["store"].startswith(f"database {folder / 'nlu.db'}: ")

        after = _traffic(http, message_id)
        assert after == [200, 200, 200, 201], server.log_tail()
        assert http.get("/readyz").status_code == 200

        shutil.rmtree(folder)  # the whole folder, mid-run
        gone = _traffic(http, message_id)
        ready = http.get("/readyz")
        assert gone == [503] * 4
        assert "the file is gone" in ready.json()["store"]
        detail = http.post("/v1/parse", json={"text": "halo"}).json()["detail"]
        assert "the file is gone" in detail and "nothing can be stored" in detail
    assert server.process.poll() is None
    log = server.log_text()
    assert "Traceback" not in log
    assert log.count("cannot store predictions") == 2  # once per outage
    assert log.count("the database is back") == 1


def test_postgresql_made_read_only_then_writable(nlu_process, e2e_model_dir,
                                                 fresh_postgres_url):
    name = fresh_postgres_url.rsplit("/", 1)[1]
    admin = create_engine(fresh_postgres_url.rsplit("/", 1)[0] + "/postgres",
                          isolation_level="AUTOCOMMIT")

    def read_only(on):
        with admin.connect() as connection:
            connection.execute(text(f"ALTER DATABASE {name} SET default_transaction_read_only"
                                    f" = {'on' if on else 'off'}"))
            # The server's pooled connections end; the new ones get the setting.
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = :name"), {"name": name})

    server = nlu_process(e2e_model_dir, fresh_postgres_url)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            nul = http.post("/v1/parse", json={"text": "paket\u0000blm nyampe"})
            assert nul.status_code == 200
            message_id = nul.json()["message_id"]
            read_only(True)
            during = [_traffic(http, message_id) for _ in range(3)]
            ready = http.get("/readyz").json()
            read_only(False)
            after = _traffic(http, message_id)
    finally:
        admin.dispose()
    assert all(status == 503 for statuses in during for status in statuses), during
    assert "read-only transaction" in ready["store"]
    assert after == [200, 200, 200, 201]
    store = Store(fresh_postgres_url)
    assert store.get_prediction(message_id)["text"] == "paket blm nyampe"
    store.dispose()
    assert "Traceback" not in server.log_text()


def test_a_row_postgresql_refuses_is_set_aside_and_the_others_stored(fresh_postgres_url):
    store = Store(fresh_postgres_url)
    store.migrate()

    def row(message_id, text):
        return {"message_id": message_id, "created_at": datetime(2026, 11, 20),
                "session_id": None, "model_version": "v", "endpoint": "parse", "text": text,
                "lang": "id", "intent": None, "top_intent": "greeting", "confidence": 0.5,
                "margin": 0.1, "ranking": [], "route": None, "fallback": "low_confidence"}

    # Unsanitized on purpose: what the recorder met before text was cleaned.
    refused = store.add_predictions([row("a", "ok"), row("b", "nul\x00byte"), row("c", "ok")])
    assert [(r["message_id"], "NUL" in reason) for r, reason in refused] == [("b", True)]
    assert store.get_prediction("a") and store.get_prediction("c")
    assert store.get_prediction("b") is None
    store.check()  # the database itself is fine
    store.dispose()
