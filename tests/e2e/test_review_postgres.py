"""The review store on a real PostgreSQL: the migrations over earlier data, the queue's SQL,
and two reviewers deciding the same message at the same moment (both kept, disagreeing).
"""

import uuid

import pytest
from sqlalchemy import create_engine, text

from nlu.feedback.queue import ReviewQueue
from nlu.feedback.store import Store
from tests.unit.feedback.samples import ROUTES, row
from tests.unit.feedback.test_decisions import check_two_reviewers_at_once
from tests.unit.feedback.test_migrations import (
    check_downgrade_and_upgrade_again,
    check_upgrade_keeps_earlier_decisions,
)


@pytest.fixture
def database(postgres_url):
    """A fresh database in the session's cluster; its URL."""
    name = f"review_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_keep_earlier_decisions_on_postgresql(database):
    store = Store(database)
    try:
        check_upgrade_keeps_earlier_decisions(store)
        check_downgrade_and_upgrade_again(store)
    finally:
        store.dispose()


def test_the_queue_and_concurrent_decisions_on_postgresql(database):
    store = Store(database)
    store.migrate()
    try:
        store.add_predictions([
            row("m1", margin=0.1, text="Paket 100% belum sampai"),
            row("m2", minutes=1, margin=0.1, text="paket 100% BELUM sampai!!"),
            row("m3", minutes=2, intent=None, fallback="low_confidence", text="asdfghjkl",
                sample=0.95)])
        queue = ReviewQueue(store, ROUTES, ROUTES, double_rate=0.1, model_version="pg")
        page = queue.list("Sari", q="100%")
        assert [(i["message_id"], i["count"]) for i in page.items] == [("m2", 2)]
        assert queue.list("Sari", fallback="none", max_confidence=0.9).total == 1

        check_two_reviewers_at_once(store)

        # Blind double review and kappa, on this backend's booleans.
        queue.decide("m3", None, "Sari")
        assert "m3" in [i["message_id"] for i in queue.list("Budi", status="pending").items]
        queue.decide("m3", None, "Budi")
        assert queue.agreement()[0]["reviewers"] == ["Budi", "Sari"]
        assert queue.undo("m3", "Budi")["pending"] is False
    finally:
        store.dispose()
