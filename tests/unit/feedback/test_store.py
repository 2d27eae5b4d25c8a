"""The store on SQLite: WAL, Alembic migrations, predictions, feedback, leads, sessions.

PostgreSQL is exercised by tests/e2e/test_concurrency.py against a real server.
"""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import inspect, select, text

from nlu.errors import (
    Conflict,
    InvalidName,
    NLUError,
    RecordRejected,
    StoreError,
    UnknownLead,
    UnknownMessage,
)
from nlu.feedback.store import Store, hash_token, head_revision
from nlu.feedback.tables import leads, utcnow

TABLES = {"alembic_version", "predictions", "sessions", "feedback", "reviews", "decisions",
          "leads"}


def prediction(message_id="m1", **overrides):
    row = dict(message_id=message_id, created_at=datetime(2026, 11, 20, 10, 30),
               session_id="s-1", model_version="20261120-fast", endpoint="chat",
               text="hp saya [PHONE], paket belum sampai", lang="id",
               intent="item_not_received", top_intent="item_not_received", confidence=0.81,
               margin=0.62, ranking=[{"intent": "item_not_received", "confidence": 0.81},
                                     {"intent": "track_order", "confidence": 0.19}],
               route="invoice_chat", fallback=None)
    return {**row, **overrides}


def test_the_default_backend_is_a_sqlite_file_with_a_journal_and_no_mmap(store, db_path):
    # No WAL: its index is a memory-mapped file, and a write into the mapping of a file
    # made unwritable kills the process (SIGBUS); a rollback journal fails with an error.
    assert store.engine.dialect.name == "sqlite"
    assert db_path.is_file()  # the parent folder was created
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "truncate"
        assert connection.execute(text("PRAGMA mmap_size")).scalar() == 0
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert not db_path.with_name("nlu.db-shm").exists()


def test_migrate_creates_every_table_at_the_alembic_head(store):
    assert set(inspect(store.engine).get_table_names()) == TABLES
    with store.engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert [v[0] for v in versions] == [head_revision()]


def test_migrating_twice_is_a_no_op_and_keeps_the_data(store, db_path):
    store.add_predictions([prediction()])
    token = store.add_lead("Sari")
    again = Store(f"sqlite:///{db_path}")
    again.migrate()
    again.migrate()
    with again.engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert [v[0] for v in versions] == [head_revision()]
    assert set(inspect(again.engine).get_table_names()) == TABLES
    assert again.get_prediction("m1")["text"] == "hp saya [PHONE], paket belum sampai"
    assert again.lead_for_token(token) == "Sari"
    again.dispose()


def test_a_bad_url_is_an_nlu_error():
    with pytest.raises(NLUError, match="database URL 'nosuchdb://x'"):
        Store("nosuchdb://x")


def test_a_postgresql_url_gets_a_postgresql_engine():
    # No connection is made until first use; the dialect follows the URL.
    store = Store("postgresql+psycopg://postgres@127.0.0.1:1/postgres")
    assert store.engine.dialect.name == "postgresql"
    assert store.engine.dialect.driver == "psycopg"


def test_migrating_an_unreachable_database_is_an_nlu_error():
    store = Store("postgresql+psycopg://postgres@127.0.0.1:1/postgres")
    with pytest.raises(NLUError, match="cannot open or migrate: connection failed"):
        store.migrate()


def test_a_prediction_is_stored_with_every_field(store):
    row = prediction()
    store.add_predictions([dict(row)])
    stored = store.get_prediction("m1")
    sample = stored.pop("sample")
    assert 0.0 <= sample < 1.0
    assert stored == row


def test_a_fallback_prediction_keeps_its_ranking_and_reason(store):
    row = prediction("m2", intent=None, route=None, fallback="low_confidence",
                     confidence=0.31, margin=0.02, session_id=None, endpoint="parse")
    store.add_predictions([dict(row)])
    stored = store.get_prediction("m2")
    assert stored["intent"] is None and stored["top_intent"] == "item_not_received"
    assert stored["fallback"] == "low_confidence"
    assert stored["ranking"][1] == {"intent": "track_order", "confidence": 0.19}
    assert stored["session_id"] is None


def test_unknown_prediction_is_none(store):
    assert store.get_prediction("nope") is None


def test_no_rows_is_nothing_to_do(store):
    store.add_predictions([])
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM predictions")).scalar() == 0


def test_feedback_is_stored_against_its_prediction(store):
    store.add_predictions([prediction()])
    first = store.add_feedback("m1", "customer", comment="tidak membantu")
    second = store.add_feedback("m1", "agent", correct_intent="track_order",
                                correct_route="answer")
    assert second == first + 1
    with store.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT message_id, source, correct_intent, correct_route, comment, created_at "
            "FROM feedback ORDER BY id")).all()
    assert [tuple(r[:5]) for r in rows] == [
        ("m1", "customer", None, None, "tidak membantu"),
        ("m1", "agent", "track_order", "answer", None)]
    assert all(r[5] is not None for r in rows)


def test_feedback_on_an_unknown_message_is_refused(store):
    with pytest.raises(UnknownMessage, match="unknown message_id 'nope'"):
        store.add_feedback("nope", "customer")
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM feedback")).scalar() == 0


def test_a_lead_token_is_stored_only_as_its_hash(store, db_path):
    token = store.add_lead("Sari")
    assert len(token) >= 32
    with store.engine.connect() as connection:
        row = connection.execute(select(leads)).mappings().one()
    assert row["name"] == "Sari"
    assert row["token_hash"] == hash_token(token) != token
    assert token not in " ".join(str(v) for v in row.values())
    store.dispose()
    for path in db_path.parent.iterdir():  # the file, and the WAL if it is still there
        assert token.encode() not in path.read_bytes()


def test_lead_tokens_identify_their_lead(store):
    sari, budi = store.add_lead("Sari"), store.add_lead("Budi")
    assert sari != budi
    assert store.lead_for_token(sari) == "Sari"
    assert store.lead_for_token(budi) == "Budi"
    assert store.lead_for_token(sari + "x") is None
    assert store.lead_for_token("") is None


def test_a_lead_name_is_unique(store):
    store.add_lead("Sari")
    with pytest.raises(NLUError, match="a lead named 'Sari' already exists"):
        store.add_lead("Sari")


def test_conversation_state_round_trip_and_expiry(store):
    assert store.load_session("s-1") is None
    store.save_session("s-1", {"misses": 2, "lang": "id"}, ttl_seconds=60)
    assert store.load_session("s-1") == {"misses": 2, "lang": "id"}
    store.save_session("s-1", {"misses": 1}, ttl_seconds=60)
    assert store.load_session("s-1") == {"misses": 1}
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE sessions SET expires_at = :t"),
                           {"t": utcnow() - timedelta(seconds=1)})
    assert store.load_session("s-1") is None
    # Expired sessions are swept when another is saved.
    store.save_session("s-2", {"misses": 1}, ttl_seconds=60)
    with store.engine.connect() as connection:
        assert [r[0] for r in connection.execute(text("SELECT session_id FROM sessions"))] \
            == ["s-2"]


# -- a database that fails --------------------------------------------------------------------


def test_a_row_the_database_refuses_is_set_aside_and_the_others_are_stored(store):
    bad = prediction("bad", text="a lone surrogate \ud800 no driver can encode")
    refused = store.add_predictions([prediction("m1"), bad, prediction("m2")])
    assert [(row["message_id"], "surrogates not allowed" in reason)
            for row, reason in refused] == [("bad", True)]
    assert store.get_prediction("m1") and store.get_prediction("m2")
    assert store.get_prediction("bad") is None


def test_a_duplicate_row_is_refused_not_retried(store):
    store.add_predictions([prediction("m1")])
    [(row, reason)] = store.add_predictions([prediction("m1")])
    assert row["message_id"] == "m1" and "UNIQUE constraint failed" in reason


def test_errors_never_carry_the_statement_or_its_texts(store):
    with pytest.raises(RecordRejected) as error:
        with store.transaction() as connection:
            connection.execute(text("INSERT INTO predictions (message_id, text) VALUES "
                                    "(:m, :t)"), {"m": "x", "t": "secret \ud800"})
    assert "secret" not in str(error.value) and "INSERT" not in str(error.value)
    assert str(error.value).startswith("database ")
    assert "\n" not in str(error.value)


def test_a_database_file_deleted_while_in_use_is_an_error_not_a_void(store, db_path):
    store.add_predictions([prediction("m1")])
    db_path.unlink()
    for call in (lambda: store.add_predictions([prediction("m2")]),
                 lambda: store.get_prediction("m1"), store.check):
        with pytest.raises(StoreError, match=r"nlu\.db: the file is gone \(No such file or "
                                             r"directory\); nothing can be stored"):
            call()


def test_a_database_file_replaced_is_opened_anew(store, db_path, tmp_path):
    store.add_predictions([prediction("m1")])
    other = Store(f"sqlite:///{tmp_path / 'other.db'}")
    other.migrate()
    other.add_predictions([prediction("o1")])
    other.dispose()
    (tmp_path / "other.db").replace(db_path)  # restored from a backup, say
    assert store.get_prediction("o1") is not None and store.get_prediction("m1") is None


def test_check_passes_on_a_writable_database_and_fails_without_the_schema(store, tmp_path):
    store.check()
    empty = Store(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(StoreError, match="no such table: alembic_version"):
        empty.check()
    empty.dispose()


def test_an_unreachable_database_is_a_store_error():
    store = Store("postgresql+psycopg://nobody@127.0.0.1:1/nlu")
    with pytest.raises(StoreError, match=r"^database postgresql\+psycopg://nobody@127\.0\.0\.1"
                                         r":1/nlu: .*(refused|failed)"):
        store.add_predictions([prediction("m1")])


def test_a_duplicate_lead_is_still_a_conflict(store):
    store.add_lead("Sari")
    with pytest.raises(Conflict, match="a lead named 'Sari' already exists"):
        store.add_lead("Sari")


@pytest.mark.parametrize("first, second", [("\u00e7elik", "\u00c7ELIK"), ("\u00c7elik", "\u00e7elik"),
                                           ("Sari", "\uff33\uff41\uff52\uff49")])
def test_a_lead_name_is_unique_whatever_the_case_of_any_letter(store, first, second):
    store.add_lead(first)
    with pytest.raises(Conflict, match=f"a lead named {first!r} already exists"):
        store.add_lead(second)


def test_a_lead_name_is_unique_whatever_the_case(store):
    store.add_lead("Sari")
    with pytest.raises(Conflict, match="a lead named 'Sari' already exists"):
        store.add_lead("sari")


@pytest.mark.parametrize("name, message", [
    ("admin", "lead name 'admin' is reserved"), (" Admin ", "lead name 'Admin' is reserved"),
    ("SYSTEM", "lead name 'SYSTEM' is reserved"), ("   ", "a lead needs a name"),
    ("x" * 65, "at most 64 characters"), (" sari  ", None), ("sari\n", "no control"),
    ("\tsari", "no control"), (" " + "x" * 64, "at most 64"), ("sa\x00ri", "no control"),
    ("ad\u200bmin", "U[+]200B is invisible"), ("\xa0Sari", "U[+]00A0 is invisible"),
    ("Sa\u2028ri", "U[+]2028 is invisible"), ("\uff21\uff24\uff2d\uff29\uff2e", "is reserved"),
    ("sa\x85ri", "no control"), ("\u200b", "no visible character"),
    ("\u200d\u200e \ufeff", "no visible character"),
])
def test_reserved_and_unusable_lead_names(store, name, message):
    if message is None:  # surrounding spaces are trimmed
        store.add_lead(name)
        assert [lead["name"] for lead in store.list_leads()] == ["sari"]
        return
    with pytest.raises(InvalidName, match=message):
        store.add_lead(name)
    assert store.list_leads() == []


def test_leads_are_listed_revoked_and_rotated(store):
    sari, budi = store.add_lead("Sari"), store.add_lead("Budi")
    store.add_predictions([prediction("m1")])
    from nlu.feedback.queue import ReviewQueue

    ReviewQueue(store, ["item_not_received"], {}).decide("m1", None, "Sari")
    listed = {lead["name"]: lead for lead in store.list_leads()}
    assert (listed["Sari"]["decisions"], listed["Budi"]["decisions"]) == (1, 0)
    assert listed["Sari"]["last_decision"] is not None and listed["Budi"]["revoked_at"] is None

    new = store.rotate_lead("Budi")
    assert store.lead_for_token(budi) is None and store.lead_for_token(new) == "Budi"
    assert store.list_leads()[1]["rotated_at"] is not None

    store.revoke_lead("Sari")
    assert store.lead_for_token(sari) is None
    assert store.list_leads()[0]["revoked_at"] is not None
    with pytest.raises(UnknownLead, match="lead 'Sari' is revoked"):
        store.rotate_lead("Sari")
    with pytest.raises(Conflict):
        store.add_lead("Sari")  # the name stays taken: the history names them
    with pytest.raises(UnknownLead, match="no lead named 'Nobody'"):
        store.revoke_lead("Nobody")
    with pytest.raises(UnknownLead):
        store.rotate_lead("Nobody")


def test_feedback_can_say_out_of_scope(store):
    store.add_predictions([prediction("m1")])
    store.add_feedback("m1", "agent", out_of_scope=True)
    with store.engine.connect() as connection:
        row = connection.execute(text("SELECT correct_intent, out_of_scope FROM feedback")).one()
    assert tuple(row) == (None, 1)
