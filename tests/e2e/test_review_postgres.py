"""The review store on a real PostgreSQL: the migrations over earlier data, the queue's SQL,
and two reviewers deciding the same message at the same moment (both kept, disagreeing).
"""

from nlu.feedback.queue import ReviewQueue
from nlu.feedback.store import Store
from tests.unit.feedback.samples import ROUTES, row
from tests.unit.feedback.test_decisions import check_two_reviewers_at_once
from tests.unit.feedback.test_migrations import (
    check_downgrade_and_upgrade_again,
    check_upgrade_keeps_earlier_decisions,
)


def test_migrations_keep_earlier_decisions_on_postgresql(fresh_postgres_url):
    store = Store(fresh_postgres_url)
    try:
        check_upgrade_keeps_earlier_decisions(store)
        check_downgrade_and_upgrade_again(store)
    finally:
        store.dispose()


def test_the_queue_and_concurrent_decisions_on_postgresql(fresh_postgres_url):
    store = Store(fresh_postgres_url)
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
