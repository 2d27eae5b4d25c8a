"""A fresh, migrated SQLite store per test (in a folder it makes), and a review queue
over it."""

import pytest

from nlu.feedback.queue import ReviewQueue
from nlu.feedback.store import Store

from .samples import ROUTES


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "sub" / "nlu.db"


@pytest.fixture
def store(db_path):
    store = Store(f"sqlite:///{db_path}")
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
