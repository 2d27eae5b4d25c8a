"""Optional API keys (NLU_API_KEYS): when set, parse and chat need X-API-Key."""

import pytest

PROTECTED = [
    ("/v1/parse", {"text": "halo kak"}),
    ("/v1/parse/batch", {"texts": ["halo kak"]}),
    ("/v1/chat", {"session_id": "k", "text": "halo kak"}),
    ("/model/parse", {"text": "halo kak"}),
]
OPEN = ["/healthz", "/readyz", "/v1/model", "/metrics", "/openapi.json"]


@pytest.fixture(scope="module")
def keyed(make_shared_client):
    return make_shared_client(api_keys=["key-one", "key-two"])


@pytest.mark.parametrize("path, body", PROTECTED)
def test_without_a_key_is_401(keyed, path, body):
    response = keyed.post(path, json=body)

    assert response.status_code == 401
    assert response.json() == {"detail": "missing or wrong API key (header X-API-Key)"}


@pytest.mark.parametrize("path, body", PROTECTED)
def test_a_wrong_key_is_401(keyed, path, body):
    for key in ("key-three", "key-one ", "KEY-ONE", ""):
        assert keyed.post(path, json=body, headers={"X-API-Key": key}).status_code == 401


@pytest.mark.parametrize("path, body", PROTECTED)
def test_any_configured_key_is_accepted(keyed, path, body):
    for key in ("key-one", "key-two"):
        response = keyed.post(path, json=body, headers={"X-API-Key": key})
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", OPEN)
def test_operations_endpoints_need_no_key(keyed, path):
    assert keyed.get(path).status_code == 200


def test_keys_come_from_the_environment_comma_separated(make_client, monkeypatch):
    monkeypatch.setenv("NLU_API_KEYS", "env-one, env-two")
    client = make_client()

    assert client.post("/v1/parse", json={"text": "halo"}).status_code == 401
    ok = client.post("/v1/parse", json={"text": "halo"}, headers={"X-API-Key": "env-two"})
    assert ok.status_code == 200


def test_without_keys_configured_no_key_is_needed(shared_client):
    assert shared_client.post("/v1/parse", json={"text": "halo kak"}).status_code == 200
    assert shared_client.post("/v1/parse", json={"text": "halo kak"},
                              headers={"X-API-Key": "anything"}).status_code == 200


def test_the_key_is_checked_before_the_body(keyed):
    # An anonymous caller learns nothing about the request format.
    assert keyed.post("/v1/parse", json={"text": ""}).status_code == 401


def _security(client, path):
    return client.get("/openapi.json").json()["paths"][path]["post"]["security"]


@pytest.mark.parametrize("path", [path for path, _ in PROTECTED])
def test_the_schema_says_when_a_key_is_needed(keyed, shared_client, path):
    scheme = keyed.get("/openapi.json").json()["components"]["securitySchemes"]

    assert [s["name"] for s in scheme.values()] == ["X-API-Key"]
    assert _security(keyed, path) == [{name: []} for name in scheme]
    assert _security(shared_client, path) == [{}, *[{name: []} for name in scheme]]
