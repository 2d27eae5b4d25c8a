"""Schemathesis against the app's /openapi.json: no 5xx, and every response as documented.

Each operation gets requests generated from its schema, valid and invalid ones, and every
default check runs: no server error, documented status codes and content types, responses
that match their schema, schema-valid requests accepted and invalid ones rejected. The seed
is fixed, so a run is reproducible, and the example count is small enough for CI.
"""

import tempfile
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from nlu import load_dataset, save_model, train
from serve.app import create_app
from serve.settings import Settings

from .conftest import ADMIN_TOKEN, DATA_DIR

# Raised inside schemathesis' own strategies, not by anything here.
pytestmark = pytest.mark.filterwarnings(
    "ignore::hypothesis.errors.HypothesisDeprecationWarning")
# Schemathesis' defaults for "invalid data was rejected", plus 413: this API answers an
# over-long text (a schema violation) with 413, and documents it.
REJECTED = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]
CONFIG = SchemathesisConfig.from_dict({
    "seed": 20261127,
    "generation": {"max-examples": 40},
    "checks": {"negative_data_rejection": {"expected-statuses": REJECTED}},
})


def _openapi():
    """The document a running app serves: it lists the served model's intents, so a small
    model is trained and the app started (schemathesis needs the schema at collection)."""
    with tempfile.TemporaryDirectory() as scratch:
        model = save_model(train(load_dataset(DATA_DIR / "intents_id.yaml"), profile="fast"),
                           Path(scratch) / "model")
        settings = Settings(model_dir=model, domain_dir=DATA_DIR, access_log=False,
                            database_url=f"sqlite:///{scratch}/nlu.db")
        with TestClient(create_app(settings)) as client:
            response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


schema = schemathesis.openapi.from_dict(_openapi(), config=CONFIG)


def _httpx_kwargs(case):
    """The generated request as TestClient (httpx) arguments."""
    kwargs = case.as_transport_kwargs()
    if not kwargs.get("cookies"):
        kwargs.pop("cookies", None)
    if "data" in kwargs and isinstance(kwargs["data"], (bytes, str)):
        kwargs["content"] = kwargs.pop("data")
    return kwargs


@schema.parametrize()
@settings(deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_every_operation_conforms_to_its_schema(case, client):
    # One app per operation (the fixture), shared by its examples: chats and reloads pile up.
    if case.path == "/v1/admin/reload" or case.path.startswith("/v1/review"):
        # With the token, the fuzzer reaches the handlers, not only the 401/403.
        case.headers = {**(case.headers or {}), "authorization": f"Bearer {ADMIN_TOKEN}"}
    response = client.request(**_httpx_kwargs(case))

    case.validate_response(response)
