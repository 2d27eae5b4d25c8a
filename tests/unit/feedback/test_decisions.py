"""Decisions at the same moment: two reviewers deciding one message concurrently are both
kept and disagree, whichever commits first (SQLite here; PostgreSQL in
tests/e2e/test_review_postgres.py)."""

import threading

from nlu.feedback.queue import ReviewQueue

from .samples import ROUTES, row


def check_two_reviewers_at_once(store, attempts=5):
    queue = ReviewQueue(store, ROUTES, ROUTES, double_rate=0.0)
    for attempt in range(attempts):
        message_id = f"race{attempt}"
        store.add_predictions([row(message_id, margin=0.1, text=f"balapan {attempt}")])
        barrier, errors = threading.Barrier(2), []

        def decide(reviewer, label):
            try:
                barrier.wait()
                queue.decide(message_id, label, reviewer)
            except Exception as exc:  # surfaced by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=decide, args=pair)
                   for pair in (("Sari", "refund_return"), ("Budi", "contact_cs"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        history = queue.history(message_id)["decisions"]
        assert sorted(d["reviewer"] for d in history) == ["Budi", "Sari"]
        # The later one saw the earlier one: "from" is the other reviewer's label.
        assert history[1]["previous_label"] == history[0]["label"]
        (item,) = queue.list(status="disagreement", q=f"balapan {attempt}").items
        assert {(label["reviewer"], label["label"]) for label in item["labels"]} == {
            ("Sari", "refund_return"), ("Budi", "contact_cs")}


def test_two_reviewers_at_once_on_sqlite(store):
    check_two_reviewers_at_once(store)
