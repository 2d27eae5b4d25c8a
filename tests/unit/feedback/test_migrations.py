"""Migrations 0003-0005 on a database that has data from before them (SQLite here; the
same checks run on PostgreSQL in tests/e2e/test_review_postgres.py)."""

from datetime import datetime

from alembic import command
from sqlalchemy import inspect, text

from nlu.feedback.store import Store, _alembic_config, head_revision

PREDICTION = ("INSERT INTO predictions (message_id, created_at, session_id, model_version, "
              "endpoint, text, lang, intent, top_intent, confidence, margin, ranking, route, "
              "fallback, sample) VALUES (:id, :at, NULL, 'v0', 'parse', 'halo', 'id', "
              ":intent, 'greeting', 0.9, 0.8, '[]', NULL, NULL, 0.5)")


def upgrade(store, revision):
    config = _alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(store, revision):
    config = _alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def check_upgrade_keeps_earlier_decisions(store):
    """At 0002, store two predictions and one decision; upgrade; what the history says."""
    at = datetime(2026, 11, 20, 9, 30)
    upgrade(store, "0002")
    with store.engine.begin() as connection:
        for message_id, intent in (("m1", "greeting"), ("m2", None)):
            connection.execute(text(PREDICTION), {"id": message_id, "at": at, "intent": intent})
        connection.execute(text("INSERT INTO reviews (message_id, label, out_of_scope, "
                                "reviewer, created_at) VALUES ('m1', 'thanks_goodbye', "
                                ":f, 'Sari', :at)"), {"at": at, "f": False})
        connection.execute(text("INSERT INTO leads (name, token_hash, created_at) VALUES "
                                "('Sari', 'h', :at)"), {"at": at})
        connection.execute(text("INSERT INTO feedback (message_id, source, created_at) "
                                "VALUES ('m2', 'agent', :at)"), {"at": at})
    store.migrate()
    with store.engine.connect() as connection:
        decisions = connection.execute(text(
            "SELECT message_id, reviewer, label, previous_label, model_version, blind, "
            "resolves, undone_at FROM decisions")).all()
        review = connection.execute(text(
            "SELECT label, reviewers, disagreement FROM reviews")).one()
        lead = connection.execute(text("SELECT revoked_at, rotated_at FROM leads")).one()
        note = connection.execute(text("SELECT out_of_scope FROM feedback")).one()
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert [tuple(d) for d in decisions] == [
        ("m1", "Sari", "thanks_goodbye", "greeting", "v0", False, False, None)]
    assert (review.label, review.reviewers, bool(review.disagreement)) == (
        "thanks_goodbye", 1, False)
    assert tuple(lead) == (None, None) and not note.out_of_scope
    assert version == head_revision()


def check_downgrade_and_upgrade_again(store):
    downgrade(store, "0002")
    assert "decisions" not in inspect(store.engine).get_table_names()
    store.migrate()
    assert "decisions" in inspect(store.engine).get_table_names()


def test_migrations_keep_the_decisions_made_before_them(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/old.db")
    try:
        check_upgrade_keeps_earlier_decisions(store)
        check_downgrade_and_upgrade_again(store)
    finally:
        store.dispose()
