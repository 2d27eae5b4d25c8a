"""A fresh, migrated SQLite store per test, and a review queue over it."""

import pytest

from nlu.feedback.queue import ReviewQueue
from nlu.feedback.store import Store

from .samples import ROUTES


@pytest.fixture
def review_store(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/review.db")
    store.migrate()
    yield store
    store.dispose()


@pytest.fixture
def make_queue():
    """``make_queue(store, **options)``: the queue the server would build, no double review
    unless ``double_rate`` says so."""

    def make(store, **options):
        return ReviewQueue(store, ROUTES, ROUTES, low_margin=0.2, sample_rate=0.05,
                           double_rate=options.pop("double_rate", 0.0), model_version="v2",
                           **options)

    return make
