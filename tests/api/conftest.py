"""Fixtures for the black-box API tests: a `fast` model on the real data, apps over it.

The model is trained once per session and saved twice: as served (``api-fast``) and with an
ambiguity margin of 1.0 (``api-fast-strict``), under which every in-scope message is an
ambiguous miss; the strict artifact is the "other good artifact" of the reload tests and
makes the suggestion buttons deterministic. ``client`` is an app of the test's own (own
SQLite store, own metrics); ``shared_client`` is one app per module, for tests that change
nothing the others look at.
"""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nlu import load_dataset, save_model, train
from serve.app import create_app
from serve.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = REPO / "data"
ADMIN_TOKEN = "test-admin"
MODEL_VERSION = "api-fast"
STRICT_VERSION = "api-fast-strict"


@pytest.fixture(scope="session")
def trained_model():
    """The fast profile trained once on data/intents_id.yaml; never mutate it."""
    return train(load_dataset(DATA_DIR / "intents_id.yaml"), profile="fast")


@pytest.fixture(scope="session")
def artifacts_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def model_dir(trained_model, artifacts_dir):
    """The served artifact; tests copy it before damaging it."""
    return save_model(trained_model, artifacts_dir / MODEL_VERSION)


@pytest.fixture(scope="session")
def strict_model_dir(trained_model, artifacts_dir):
    """The same pipeline with margin 1.0: a confident prediction becomes ``ambiguous``."""
    return save_model(trained_model.with_thresholds(margin=1.0), artifacts_dir / STRICT_VERSION)


def _settings(store_dir, **overrides):
    values = dict(domain_dir=DATA_DIR, database_url=f"sqlite:///{store_dir}/nlu.db",
                  admin_token=ADMIN_TOKEN, access_log=False)
    return Settings(**{**values, **overrides})


class _Clients:
    """Starts apps (lifespan included) with setting overrides; closes them all at the end."""

    def __init__(self, model_dir, store_dir):
        self.model_dir, self.store_dir, self.clients = model_dir, store_dir, []

    def settings(self, **overrides):
        # Reloads load from the folder the session's artifacts are saved in.
        return _settings(self.store_dir, **{"model_dir": self.model_dir,
                                            "models_dir": self.model_dir.parent, **overrides})

    def __call__(self, **overrides):
        client = TestClient(create_app(self.settings(**overrides))).__enter__()
        self.clients.append(client)
        return client

    def close(self):
        for client in reversed(self.clients):
            client.__exit__(None, None, None)


@pytest.fixture
def make_settings(model_dir, tmp_path):
    """Settings for an app on ``model_dir`` with a store in this test's tmp dir."""
    return _Clients(model_dir, tmp_path).settings


@pytest.fixture
def make_client(model_dir, tmp_path):
    """``make_client(**overrides)``: a started app of this test, on the test's own store."""
    clients = _Clients(model_dir, tmp_path)
    yield clients
    clients.close()


@pytest.fixture
def client(make_client):
    return make_client()


@pytest.fixture(scope="module")
def make_shared_client(model_dir, tmp_path_factory):
    """``make_client`` for a whole module, for tests whose requests change nothing the
    others look at (bad input, refusals, fresh chat sessions): an app per test would
    dominate their run time."""
    clients = _Clients(model_dir, tmp_path_factory.mktemp("store"))
    yield clients
    clients.close()


@pytest.fixture(scope="module")
def shared_client(make_shared_client):
    return make_shared_client()


@pytest.fixture
def labels(shared_client):
    """The intents the served model answers, from its manifest."""
    return set(shared_client.get("/v1/model").json()["labels"])
