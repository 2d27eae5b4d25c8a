"""Bad input is a 4xx with a `detail` a frontend developer can act on, never a 5xx.

The app is shared by the module: a refused request changes nothing, and the few accepted
ones only add predictions.
"""

import json

import pytest

JSON = {"content-type": "application/json"}
# Each endpoint taking customer text: how to wrap one text, and where an error in it points.
TEXT_ENDPOINTS = {
    "/v1/parse": (lambda text: {"text": text}, ["body", "text"]),
    "/v1/parse/batch": (lambda text: {"texts": ["halo", text]}, ["body", "texts", 1]),
    "/v1/chat": (lambda text: {"session_id": "s-1", "text": text}, ["body", "text"]),
    "/model/parse": (lambda text: {"text": text}, ["body", "text"]),
}
JSON_ENDPOINTS = [*TEXT_ENDPOINTS, "/v1/admin/reload"]
ADMIN = {"Authorization": "Bearer test-admin"}


def assert_detail(response, status, msg, loc=None):
    """``status``, a JSON body whose ``detail`` lists an error with ``msg`` (and ``loc``)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail, detail
    assert all(set(e) == {"loc", "msg", "type"} for e in detail)
    assert any(e["msg"] == msg and (loc is None or e["loc"] == loc) for e in detail), detail


@pytest.mark.parametrize("path", TEXT_ENDPOINTS)
@pytest.mark.parametrize("text, status, msg", [
    ("", 422, "String should have at least 1 character"),
    (" ", 422, "Value error, text is empty or only whitespace"),
    ("  \n\t\r ", 422, "Value error, text is empty or only whitespace"),
    ("\u3000\u00a0\u2003", 422, "Value error, text is empty or only whitespace"),
    ("x" * 2001, 413, "String should have at most 2000 characters"),
    (" " * 2001, 413, "String should have at most 2000 characters"),
    (5, 422, "Input should be a valid string"),
    (None, 422, "Input should be a valid string"),
    (True, 422, "Input should be a valid string"),
    (["halo"], 422, "Input should be a valid string"),
    ({"text": "halo"}, 422, "Input should be a valid string"),
], ids=["empty", "space", "whitespace", "unicode-spaces", "2001-chars", "2001-spaces",
        "int", "null", "bool", "list", "object"])
def test_bad_text(shared_client, path, text, status, msg):
    wrap, loc = TEXT_ENDPOINTS[path]

    response = shared_client.post(path, json=wrap(text))

    assert_detail(response, status, msg, loc)


@pytest.mark.parametrize("path, body, loc", [
    ("/v1/parse", {}, ["body", "text"]),
    ("/v1/parse/batch", {}, ["body", "texts"]),
    ("/v1/chat", {"text": "halo"}, ["body", "session_id"]),
    ("/v1/chat", {"session_id": "s-1"}, ["body", "text"]),
    ("/model/parse", {"message_id": "m"}, ["body", "text"]),
])
def test_missing_field(shared_client, path, body, loc):
    assert_detail(shared_client.post(path, json=body), 422, "Field required", loc)


@pytest.mark.parametrize("path, body, loc", [
    ("/v1/parse", {"text": "halo", "lang": "en"}, ["body", "lang"]),
    ("/v1/parse/batch", {"texts": ["halo"], "text": "halo"}, ["body", "text"]),
    ("/v1/chat", {"session_id": "s", "text": "halo", "user": "x"}, ["body", "user"]),
])
def test_extra_field_is_rejected_by_the_v1_api(shared_client, path, body, loc):
    response = shared_client.post(path, json=body)

    assert_detail(response, 422, "Extra inputs are not permitted", loc)


def test_rasa_parse_ignores_extra_fields_as_rasa_does(shared_client):
    response = shared_client.post("/model/parse", json={"text": "halo kak", "sender": "u1"})

    assert response.status_code == 200
    assert response.json()["intent"]["name"] == "greeting"


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
@pytest.mark.parametrize("raw, status, msg", [
    # Not JSON at all: 400, as the OpenAPI schema says; JSON of the wrong shape: 422.
    (b'{"text": "halo"', 400, "JSON decode error"),
    (b"{text: 'halo'}", 400, "JSON decode error"),
    (b"[]", 422, "Input should be a valid dictionary or object to extract fields from"),
    (b'"halo"', 422, "Input should be a valid dictionary or object to extract fields from"),
], ids=["truncated", "not-json", "array", "string"])
def test_body_that_is_not_a_json_object(shared_client, path, raw, status, msg):
    response = shared_client.post(path, content=raw, headers={**JSON, **ADMIN})

    assert_detail(response, status, msg)


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
@pytest.mark.parametrize("raw", [
    b'{"text": "halo \xff\xfe kak"}',
    b'{"text": "\xc3\x28"}',
    b'{"text":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
], ids=["invalid-utf8", "bad-continuation", "nested-100k"])
def test_undecodable_body_is_400(shared_client, path, raw):
    response = shared_client.post(path, content=raw, headers={**JSON, **ADMIN})

    assert response.status_code == 400
    assert response.json() == {"detail": "There was an error parsing the body"}


@pytest.mark.parametrize("path", TEXT_ENDPOINTS)
def test_empty_body(shared_client, path):
    assert_detail(shared_client.post(path, content=b"", headers=JSON), 422, "Field required",
                  ["body"])


@pytest.mark.parametrize("path", TEXT_ENDPOINTS)
def test_lone_surrogate_is_not_a_string(shared_client, path):
    wrap, loc = TEXT_ENDPOINTS[path]
    raw = json.dumps(wrap("halo \ud800")).encode()  # valid JSON, not valid Unicode

    response = shared_client.post(path, content=raw, headers=JSON)

    assert_detail(response, 422, "Input should be a valid string, unable to parse raw data "
                  "as a unicode string", loc)


def test_json_sent_as_text_plain_is_422(shared_client):
    # What fetch() sends when the frontend forgets the Content-Type header.
    response = shared_client.post("/v1/parse", content=b'{"text": "halo"}',
                           headers={"content-type": "text/plain;charset=UTF-8"})

    assert_detail(response, 422,
                  "Input should be a valid dictionary or object to extract fields from")


def test_a_text_over_the_limit_is_413_not_a_crash(shared_client):
    raw = json.dumps({"text": "paket blm nyampe " * 20_000}).encode()  # 340 KB

    response = shared_client.post("/v1/parse", content=raw, headers=JSON)

    assert_detail(response, 413, "String should have at most 2000 characters")


@pytest.mark.parametrize("texts, status, msg, loc", [
    ([], 422, "List should have at least 1 item after validation, not 0", ["body", "texts"]),
    (["halo"] * 257, 422, "List should have at most 256 items after validation, not 257",
     ["body", "texts"]),
    ("halo", 422, "Input should be a valid list", ["body", "texts"]),
    (None, 422, "Input should be a valid list", ["body", "texts"]),
    (["halo", ""], 422, "String should have at least 1 character", ["body", "texts", 1]),
], ids=["0", "257", "string", "null", "one-empty"])
def test_bad_batch(shared_client, texts, status, msg, loc):
    response = shared_client.post("/v1/parse/batch", json={"texts": texts})

    assert_detail(response, status, msg, loc)


def test_batch_reports_every_bad_text(shared_client):
    response = shared_client.post("/v1/parse/batch", json={"texts": ["", "ok", 3, "  "]})

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [
        ["body", "texts", 0], ["body", "texts", 2], ["body", "texts", 3]]


@pytest.mark.parametrize("session_id", [
    "bad id!", "a/b", "../../etc/passwd", "sesi-ü", "a\nb", "<script>", "id;drop", "",
])
def test_session_id_with_bad_characters_is_422(shared_client, session_id):
    response = shared_client.post("/v1/chat", json={"session_id": session_id, "text": "halo"})

    msg = ("String should have at least 1 character" if session_id == "" else
           "String should match pattern '^[A-Za-z0-9_.:-]+$'")
    assert_detail(response, 422, msg, ["body", "session_id"])


@pytest.mark.parametrize("session_id, status", [
    ("A-z_0.9:x", 200), ("s" * 128, 200), ("s" * 129, 422), (42, 422),
])
def test_session_id_limits(shared_client, session_id, status):
    response = shared_client.post("/v1/chat", json={"session_id": session_id, "text": "halo"})

    assert response.status_code == status, response.text


@pytest.mark.parametrize("path", TEXT_ENDPOINTS)
@pytest.mark.parametrize("text", [
    "refund Rp" + "9" * 400 + " belum masuk",          # an amount past float range
    "refund " + "9" * 400 + "rb belum masuk",
    "seller ga bales komplain udh " + "9" * 400 + " hari",
    "refund Rp1" + ".000" * 150,                        # a 451-digit whole amount
    "\x00", "😡😡😡", "‏مرحبا", "a" * 2000, "INV/" * 500,
], ids=["rp-400-digits", "rb-400-digits", "days-400-digits", "rp-451-digits", "nul",
        "emoji", "rtl", "2000-chars", "invoice-prefixes"])
def test_odd_but_valid_text_is_answered(shared_client, path, text):
    wrap, _ = TEXT_ENDPOINTS[path]

    response = shared_client.post(path, json=wrap(text))

    assert response.status_code == 200, response.text


def test_a_number_too_large_for_a_float_is_no_entity(shared_client):
    body = shared_client.post("/v1/parse", json={
        "text": "seller ga bales komplain udh " + "9" * 400 + " hari"}).json()

    assert body["entities"] == []
    assert body["intent"] == "seller_unresponsive"


def test_unknown_endpoint_is_404(shared_client):
    for method, path in [("GET", "/v1/unknown"), ("POST", "/v2/parse"), ("GET", "/admin")]:
        response = shared_client.request(method, path)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize("method, path, allow", [
    ("GET", "/v1/parse", "POST"),
    ("PUT", "/v1/parse/batch", "POST"),
    ("DELETE", "/v1/chat", "POST"),
    ("GET", "/model/parse", "POST"),
    ("GET", "/v1/admin/reload", "POST"),
    ("POST", "/healthz", "GET"),
    ("POST", "/v1/model", "GET"),
])
def test_wrong_method_is_405_with_allow(shared_client, method, path, allow):
    response = shared_client.request(method, path)

    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json() == {"detail": "Method Not Allowed"}
