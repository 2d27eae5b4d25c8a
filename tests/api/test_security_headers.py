"""Security headers: every response is nosniff, unframeable and sends no Referer; every HTML
page has a Content-Security-Policy that allows scripts and styles from this server only."""

import pytest

from serve import docs
from serve.security import CONTENT_SECURITY_POLICY

STRICT = {"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"}


@pytest.mark.parametrize("path", ["/", "/review", "/review?failed=1"])
def test_every_page_has_the_policy(shared_client, path):
    response = shared_client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = {p.strip() for p in response.headers["content-security-policy"].split(";")}
    assert STRICT <= policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in response.text  # inline scripts would be blocked


@pytest.mark.parametrize("path", ["/static/review.js", "/static/review.css",
                                  "/static/chat.js", "/static/chat.css"])
def test_the_pages_assets_are_served_from_static(shared_client, path):
    response = shared_client.get(path)
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in response.headers


def test_api_responses_get_the_headers_but_no_page_policy(shared_client):
    response = shared_client.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" not in response.headers
    assert shared_client.get("/static/nothing.js").status_code == 404


@pytest.mark.parametrize("path", ["/docs", "/redoc", docs.OAUTH2_REDIRECT_PATH])
def test_the_docs_pages_keep_their_own_policy(shared_client, path):
    """Their inline start script is allowed by serve/docs.py's policy, which stays the
    only one (a second policy would block it), and still allows no other host."""
    response = shared_client.get(path)
    assert response.status_code == 200
    assert response.headers.get_list("content-security-policy") == [docs.POLICY]
    assert "http" not in docs.POLICY
    assert response.headers["x-frame-options"] == "DENY"


def test_the_policy_blocks_everything_foreign():
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY
