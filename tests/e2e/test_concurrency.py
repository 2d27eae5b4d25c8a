"""Concurrent writers against a real ``nlu serve --workers 2``: not one feedback row lost.

Eight writer processes, each with its own HTTP client, post 250 feedback items each while
the server's two worker processes write to SQLite (one file, a rollback journal) or PostgreSQL.
"""

import multiprocessing
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import create_engine, inspect, text

from nlu.feedback.store import Store, head_revision

WRITERS = 8
ITEMS_PER_WRITER = 120
RACES = 50
MESSAGES = ["paket blm nyampe udh 5 hari", "mau refund dana saya", "halo kak",
            "resep nasi goreng enak", "my voucher cannot be used", "ganti nomor hp dong",
            "tolong sambungkan ke agen manusia", "pesanan belum dikirim seller"]
INTENTS = ["item_not_received", "refund_return", None, "contact_cs"]


def post_feedback(args):
    """One writer process: ``ITEMS_PER_WRITER`` feedback posts; returns status counts and
    the feedback ids the server gave back."""
    base_url, writer, message_ids = args
    statuses, ids, errors = Counter(), [], []
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for i in range(ITEMS_PER_WRITER):
            body = {"message_id": message_ids[(writer + i) % len(message_ids)],
                    "source": "agent" if i % 2 else "customer",
                    "correct_intent": INTENTS[i % len(INTENTS)],
                    "comment": f"writer {writer} item {i}"}
            try:
                response = client.post("/v1/feedback", json=body)
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] += 1
                errors.append(repr(exc))
                continue
            statuses[response.status_code] += 1
            if response.status_code == 201:
                ids.append(response.json()["id"])
            elif len(errors) < 5:
                errors.append(response.text)
    return dict(statuses), ids, errors[:5]


def count(database_url, table):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/nlu.db"
    return request.getfixturevalue("postgres_url")


def test_eight_writer_processes_lose_no_feedback(nlu_server, e2e_model_dir, database_url,
                                                 tmp_path):
    before = count_or_zero(database_url)
    metrics_dir = tmp_path / "metrics"
    base_url = nlu_server(e2e_model_dir, database_url, workers=2,
                          PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    _assert_migrated(database_url)
    with httpx.Client(base_url=base_url, timeout=30) as client:
        parsed = [client.post("/v1/parse", json={"text": t}).json() for t in MESSAGES]
    message_ids = [p["message_id"] for p in parsed]
    _wait_for_predictions(database_url, message_ids)
    _assert_stored(database_url, parsed, e2e_model_dir.name)

    started = time.monotonic()
    context = multiprocessing.get_context("spawn")
    with context.Pool(WRITERS) as pool:
        results = pool.map(post_feedback, [(base_url, w, message_ids) for w in range(WRITERS)])
    seconds = time.monotonic() - started

    statuses = sum((Counter(s) for s, _, _ in results), Counter())
    errors = [e for _, _, es in results for e in es]
    assert statuses == {201: WRITERS * ITEMS_PER_WRITER}, (statuses, errors)
    ids = [i for _, writer_ids, _ in results for i in writer_ids]
    assert len(set(ids)) == WRITERS * ITEMS_PER_WRITER  # every row its own id
    assert count(database_url, "feedback") - before == WRITERS * ITEMS_PER_WRITER
    # A frontend opening a new connection per request reaches either worker: feedback right
    # after a parse must find the message even while the other worker still buffers it.
    statuses = Counter()
    no_keepalive = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=base_url, timeout=30, limits=no_keepalive) as client:
        for _ in range(RACES):
            message_id = client.post("/v1/parse", json={"text": "halo kak"}).json()["message_id"]
            statuses[client.post("/v1/feedback", json={"message_id": message_id,
                                                       "source": "customer"}).status_code] += 1
    assert statuses == {201: RACES}
    # Both workers served, and /metrics (answered by either) counts every request once.
    assert len(list(metrics_dir.glob("counter_*.db"))) == 2
    for _ in range(4):
        requests = _request_counts(base_url)
        assert requests[("/v1/feedback", "201")] == WRITERS * ITEMS_PER_WRITER + RACES
        assert requests[("/v1/parse", "200")] == len(MESSAGES) + RACES
    print(f"{WRITERS * ITEMS_PER_WRITER} feedback posts in {seconds:.1f} s "
          f"({WRITERS * ITEMS_PER_WRITER / seconds:.0f}/s) on {database_url.split(':')[0]}")


def _request_counts(base_url):
    """``{(endpoint, status): count}`` of ``nlu_http_requests_total``, over a new
    connection (so either worker may answer)."""
    from prometheus_client.parser import text_string_to_metric_families

    text_ = httpx.get(base_url + "/metrics", timeout=10).text
    return Counter({(s.labels["endpoint"], s.labels["status"]): s.value
                    for family in text_string_to_metric_families(text_)
                    for s in family.samples if s.name == "nlu_http_requests_total"})


def _assert_migrated(database_url):
    """`nlu serve` applied the migrations before starting; applying them again changes
    nothing."""
    store = Store(database_url)
    try:
        head = head_revision()
        assert _versions(store) == [head]
        with store.engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
        assert {"predictions", "sessions", "feedback", "reviews", "leads"} <= tables
        store.migrate()
        store.migrate()
        assert _versions(store) == [head]
    finally:
        store.dispose()


def _versions(store):
    with store.engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")
                                  ).scalars().all()


def _assert_stored(database_url, parsed, version):
    """Every field of each prediction is in the database, on either backend."""
    store = Store(database_url)
    try:
        for response in parsed:
            row = store.get_prediction(response["message_id"])
            assert row["text"] == response["text"] and row["endpoint"] == "parse"
            assert (row["intent"], row["route"], row["fallback"], row["lang"]) == (
                response["intent"], response["route"], response["fallback"],
                response["lang"])
            assert row["confidence"] == pytest.approx(response["confidence"])
            assert row["ranking"] == response["ranking"]
            assert row["model_version"] == version and row["created_at"] is not None
            assert row["session_id"] is None
    finally:
        store.dispose()


def count_or_zero(database_url):
    """Rows already in the feedback table (the PostgreSQL cluster lives for the session)."""
    try:
        return count(database_url, "feedback")
    except Exception:  # no schema yet
        return 0


def _wait_for_predictions(database_url, message_ids, timeout=10):
    """The server writes predictions every 50 ms; wait until they are all there."""
    engine = create_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as connection:
                found = connection.execute(text("SELECT message_id FROM predictions")
                                           ).scalars().all()
            if set(message_ids) <= set(found) or time.monotonic() > deadline:
                assert set(message_ids) <= set(found)
                return
            time.sleep(0.05)
    finally:
        engine.dispose()
