"""The prediction lane (serve/lane.py): the parse routes' usual request answered without
FastAPI's request machinery, and answered as FastAPI answers it; anything else left to
FastAPI, body and all."""

import asyncio
import json
from types import SimpleNamespace

import pytest
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from serve.app import create_app
from serve.deps import ApiKey
from serve.lane import PredictionLane
from serve.schemas import BatchRequest, ParseRequest, RasaParseRequest

# JSON to FastAPI ("+json"), not to the lane (application/json only): the same request
# through both ways.
VIA_FASTAPI = {"content-type": "application/vnd.api+json"}
INVOICE = "INV/20261103/MPL/3456789012"
ROUTES = [("/v1/parse", {"text": f"paket blm nyampe udh 5 hari min, {INVOICE}"}),
          ("/v1/parse/batch", {"texts": ["mau cancel order dong", "my voucher cannot use"]}),
          ("/model/parse", {"text": "mau ganti nomor hp 0812-3456-7890"})]


def _without_ids(body):
    if isinstance(body, dict):
        return {k: _without_ids(v) for k, v in body.items() if k != "message_id"}
    if isinstance(body, list):
        return [_without_ids(v) for v in body]
    return body


@pytest.fixture
def lane_bodies(monkeypatch):
    """The bodies the lane validated (FastAPI validates its own way, not through
    ``model_validate_json``)."""
    bodies = []
    for model in (ParseRequest, BatchRequest, RasaParseRequest):
        monkeypatch.setattr(model, "model_validate_json",
                            lambda raw, real=model.model_validate_json: bodies.append(raw)
                            or real(raw))
    return bodies


@pytest.mark.parametrize("path, body", ROUTES)
def test_the_lane_answers_as_fastapi_does(shared_client, path, body, lane_bodies):
    lane = shared_client.post(path, json=body)
    assert len(lane_bodies) == 1
    fastapi = shared_client.post(path, content=json.dumps(body), headers=VIA_FASTAPI)
    assert len(lane_bodies) == 1

    assert lane.status_code == fastapi.status_code == 200, (lane.text, fastapi.text)
    assert _without_ids(lane.json()) == _without_ids(fastapi.json())
    assert {k: v for k, v in lane.headers.items() if k != "content-length"} == \
        {k: v for k, v in fastapi.headers.items() if k != "content-length"}


@pytest.mark.parametrize("content", [
    '{"text": ""}', '{"text": "halo", "extra": 1}', '{"text": 5}', '{"text": "halo"',
    '{"texts": []}', '{"text": "' + "a" * 6000 + '"}', b'{"text": "\xff"}'])
def test_a_body_that_does_not_validate_gets_fastapis_answer(shared_client, content):
    for path in ("/v1/parse", "/v1/parse/batch"):
        lane = shared_client.post(path, content=content,
                                  headers={"content-type": "application/json"})
        fastapi = shared_client.post(path, content=content, headers=VIA_FASTAPI)

        assert lane.status_code == fastapi.status_code
        assert lane.status_code in (400, 413, 422)
        assert lane.json() == fastapi.json()


def test_a_chunked_body_is_read_whole_either_way(shared_client):
    def chunks(*parts):
        return iter(parts)

    ok = shared_client.post("/v1/parse", content=chunks(b'{"te', b'xt": "halo kak"}'),
                            headers={"content-type": "application/json"})
    refused = shared_client.post("/v1/parse", content=chunks(b'{"te', b'xt": ""}'),
                                 headers={"content-type": "application/json"})

    assert ok.status_code == 200 and ok.json()["text"] == "halo kak"
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "text"]


def test_requests_are_counted_under_their_route(make_client):
    client = make_client(max_body_bytes=100)
    client.post("/v1/parse", json={"text": "halo kak"})
    chunked = client.post("/v1/parse", content=iter([b'{"text": "', b"a" * 200, b'"}']),
                          headers={"content-type": "application/json"})

    assert chunked.status_code == 413
    metrics = client.get("/metrics").text
    for status in (200, 413):
        assert (f'nlu_http_requests_total{{endpoint="/v1/parse",method="POST",'
                f'status="{status}"}} 1.0') in metrics


def test_cors_headers_are_on_the_lanes_answers(make_client):
    origin = "https://care.example"
    client = make_client(cors_origins=[origin])

    for headers in ({}, VIA_FASTAPI):
        response = client.post("/v1/parse", content='{"text": "halo kak"}',
                               headers={"content-type": "application/json", **headers,
                                        "origin": origin})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == origin
    preflight = client.options("/v1/parse", headers={
        "origin": origin, "access-control-request-method": "POST",
        "access-control-request-headers": "content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin


def test_an_unexpected_error_is_a_logged_500(make_settings, caplog):
    with TestClient(create_app(make_settings()), raise_server_exceptions=False) as client:
        def broken(texts, states=None):
            raise RuntimeError("the model broke")

        client.app.state.nlu.engine = SimpleNamespace(parse=broken, version="broken")
        response = client.post("/v1/parse", json={"text": "halo kak"})

    assert response.status_code == 500
    assert response.json() == {"detail": "internal error; the incident was logged"}
    assert any("unexpected error on POST /v1/parse" in r.getMessage() for r in caplog.records)


# -- the lane alone, in front of an app that records what reaches it ----------------------

class Echo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str


_router = APIRouter(dependencies=[ApiKey])


@_router.post("/echo")
async def echo(body: Echo, request: Request):
    if body.text == "teapot":
        raise HTTPException(418, "short and stout")
    if body.text == "boom":
        raise KeyError("boom")
    return JSONResponse({"echo": body.text, "route": request.scope["route"].path})


class Recorder:
    """The app behind the lane: records each request's body, answers 299."""

    def __init__(self):
        self.bodies = []

    async def __call__(self, scope, receive, send):
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b"inner"})


async def _teapot(request, exc):
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)


def _call(lane, chunks, method="POST", path="/echo", content_type=b"application/json",
          api_keys=()):
    """Send one request through ``lane``: ``(status, body)``."""
    settings = SimpleNamespace(api_keys=list(api_keys))
    app = SimpleNamespace(state=SimpleNamespace(nlu=SimpleNamespace(settings=settings,
                                                                    rate_limits=None)),
                          exception_handlers={HTTPException: _teapot})
    headers = [(b"content-type", content_type)] if content_type else []
    scope = {"type": "http", "method": method, "path": path, "headers": headers,
             "query_string": b"", "app": app}
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
                for i, c in enumerate(chunks)]
    sent = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(lane(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


@pytest.fixture
def lane():
    inner = Recorder()
    return PredictionLane(inner, routes=_router.routes), inner


def test_a_valid_body_goes_to_the_endpoint_and_not_beyond(lane):
    lane, inner = lane

    status, body = _call(lane, [b'{"text": ', b'"halo"}'])

    assert (status, json.loads(body)) == (200, {"echo": "halo", "route": "/echo"})
    assert inner.bodies == []


@pytest.mark.parametrize("request_", [
    dict(chunks=[b'{"text": ', b'1}']),  # does not validate
    dict(chunks=[b'{"text": "halo"}'], content_type=b"text/plain"),
    dict(chunks=[b'{"text": "halo"}'], content_type=None),
    dict(chunks=[b'{"text": "halo"}'], method="PUT"),
    dict(chunks=[b'{"text": "halo"}'], path="/other"),
])
def test_anything_else_goes_on_with_its_body(lane, request_):
    lane, inner = lane

    assert _call(lane, **request_) == (299, b"inner")
    assert inner.bodies == [b"".join(request_["chunks"])]


def test_errors_are_answered_by_the_apps_handlers(lane):
    lane, inner = lane

    assert _call(lane, [b'{"text": "teapot"}']) == (418, b'{"detail":"short and stout"}')
    assert _call(lane, [b'{"text": "halo"}'], api_keys=["k"])[0] == 401
    with pytest.raises(KeyError):  # no handler: up to the server-error middleware
        _call(lane, [b'{"text": "boom"}'])
    assert inner.bodies == []


def test_a_route_with_other_dependencies_is_refused():
    router = APIRouter(dependencies=[Depends(lambda: None)])
    router.post("/other")(echo)

    with pytest.raises(ValueError, match="/other"):
        PredictionLane(Recorder(), routes=router.routes)
