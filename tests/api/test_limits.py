"""Fair use: the body-size limit (before the body is read), characters per request, and the
per-client rate limit (off by default)."""

import asyncio
import json

import pytest
from starlette.exceptions import HTTPException

from serve.limits import BodyLimit

JSON = {"content-type": "application/json"}


def test_a_body_over_the_limit_is_413_whatever_it_holds(make_client):
    client = make_client(max_body_bytes=1000)
    body = json.dumps({"texts": ["paket blm nyampe"] * 100}).encode()  # 2 KB

    response = client.post("/v1/parse/batch", content=body, headers=JSON)

    assert response.status_code == 413
    assert response.json() == {"detail": f"the request body has {len(body)} bytes; at most "
                                         "1000 bytes (NLU_MAX_BODY_BYTES)"}
    assert client.post("/v1/parse", json={"text": "halo kak"}).status_code == 200


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read():
    """The app below the limit is never called and not one body message is received."""
    received, called, sent = [], [], []

    async def app(scope, receive, send):
        called.append(scope)

    async def receive():
        received.append(1)
        return {"type": "http.request", "body": b"x" * 10, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "headers": [(b"content-length", b"200000000")]}
    asyncio.run(BodyLimit(app, max_bytes=1000)(scope, receive, send))

    assert received == [] and called == []
    assert sent[0]["status"] == 413
    assert b"200000000 bytes; at most 1000" in sent[1]["body"]


def test_a_chunked_body_is_cut_off_as_soon_as_it_passes_the_limit():
    chunks = [b"x" * 400] * 10
    taken = []

    async def app(scope, receive, send):
        while (message := await receive())["more_body"]:
            taken.append(message)

    async def receive():
        return {"type": "http.request", "body": chunks.pop(), "more_body": bool(chunks)}

    async def send(message):
        pass

    with pytest.raises(HTTPException, match="has more than 1000 bytes"):
        asyncio.run(BodyLimit(app, max_bytes=1000)({"type": "http", "headers": []}, receive,
                                                   send))
    assert len(taken) == 2 and len(chunks) == 7  # the third chunk passed the limit


def test_a_chunked_body_over_the_limit_is_a_413_over_http(make_client):
    client = make_client(max_body_bytes=1000)

    def chunks():
        yield b'{"texts": ['
        for _ in range(100):
            yield b'"paket blm nyampe",'
        yield b'"halo"]}'

    response = client.post("/v1/parse/batch", content=chunks(), headers=JSON)

    assert response.status_code == 413
    assert response.json() == {"detail": "the request body has more than 1000 bytes "
                                         "(NLU_MAX_BODY_BYTES)"}


def test_a_batch_over_the_characters_per_request_is_413(make_client):
    client = make_client(max_request_chars=5000)

    over = client.post("/v1/parse/batch", json={"texts": ["a" * 1000] * 6})
    under = client.post("/v1/parse/batch", json={"texts": ["a" * 1000] * 5})

    assert over.status_code == 413
    assert over.json() == {"detail": "the texts have 6000 characters in all; at most 5000 per "
                                     "request (NLU_MAX_REQUEST_CHARS)"}
    assert under.status_code == 200 and len(under.json()["results"]) == 5


def test_there_is_no_rate_limit_by_default(shared_client):
    statuses = {shared_client.post("/v1/parse", json={"text": "halo"}).status_code
                for _ in range(50)}
    assert statuses == {200}


def test_each_client_has_its_own_token_bucket(make_client):
    client = make_client(rate_limit=0.5, rate_burst=3, api_keys=["key-a", "key-b"])

    def parse(key):
        return client.post("/v1/parse", json={"text": "halo"}, headers={"X-API-Key": key})

    a = [parse("key-a").status_code for _ in range(4)]
    b = parse("key-b")
    refused = parse("key-a")

    assert a == [200, 200, 200, 429]
    assert b.status_code == 200  # another key, another bucket
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) in (1, 2)
    assert "at most 0.5 a second (bursts of 3)" in refused.json()["detail"]


def test_without_api_keys_clients_are_told_apart_by_address(make_client):
    client = make_client(rate_limit=1, rate_burst=1)

    first = client.post("/v1/chat", json={"session_id": "r", "text": "halo"})
    second = client.post("/v1/parse", json={"text": "halo"})

    assert (first.status_code, second.status_code) == (200, 429)
