"""/docs (Swagger UI) and /redoc render in Chromium with every request to another host
refused: their scripts, styles and icon come from the server itself."""

import httpx
import pytest
from playwright.sync_api import expect


@pytest.fixture
def offline_page(browser, live_server):
    """A page that can reach the server and nothing else; ``page.outside`` lists what it
    tried to fetch elsewhere."""
    context = browser.new_context()
    outside = []

    def only_the_server(route):
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_server)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.outside = outside
    try:
        yield page
    finally:
        context.close()


def test_swagger_ui_renders_the_operations_offline(offline_page, live_server):
    page = offline_page
    page.goto(live_server + "/docs")

    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/v1/parse/batch")).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/v1/admin/reload")).to_be_visible()
    schema = httpx.get(live_server + "/openapi.json").json()
    assert operations.count() == sum(len(methods) for methods in schema["paths"].values())
    page.locator(".opblock-summary-path", has_text="/v1/chat").click()  # the page is live
    expect(page.locator(".opblock.is-open")).to_contain_text("session_id")
    assert page.outside == []


def test_redoc_renders_the_operations_offline(offline_page, live_server):
    page = offline_page
    page.goto(live_server + "/redoc")

    expect(page.get_by_role("heading", name="Classify one message")).to_be_visible()
    expect(page.get_by_role("heading", name="One turn of a conversation")).to_be_attached()
    expect(page.get_by_role("menuitem", name="operations")).to_be_visible()
    assert page.outside == []
