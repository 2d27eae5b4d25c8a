"""The chat page at GET / in a real headless Chromium, against a real ``nlu serve`` process.

Each test gets its own browser context, so its own sessionStorage and so its own chat
session on the server. The page must speak to customers: route names in their words,
suggestions as buttons, a visible hand-over, never an internal id; it must fit a phone
(390 px) and a desktop (1440 px) without scrolling sideways, and run under a Content
Security Policy that allows scripts from the site only.
"""

import re
import struct

import pytest
from playwright.sync_api import expect

INVOICE = "INV/20261103/MPL/3456789012"
SCREENSHOT = "/tmp/chat_page.png"
CSP = "default-src 'self'; script-src 'self'; style-src 'self'"
# An intent or route id (snake_case) or "out_of_scope" in what the page shows.
INTERNAL_ID = re.compile(r"\b[a-z]+_[a-z_]+\b")


def send(page, text, *, press_enter=False):
    """Type ``text`` like a person and submit the form; the input is cleared on submit."""
    page.locator("#text").click()
    page.locator("#text").press_sequentially(text, delay=0)
    if press_enter:
        page.locator("#text").press("Enter")
    else:
        page.locator("#send").click()
    expect(page.locator("#text")).to_have_value("")


def visible_text(page):
    return page.evaluate("() => document.body.innerText")


def test_invoice_message_shows_reply_route_and_steps(chat_page):
    page = chat_page
    expect(page).to_have_title("Tokopedia Care assistant")
    text = f"paket saya {INVOICE} belum sampai padahal sudah 5 hari"

    send(page, text)

    user = page.locator("#log .msg.user")
    expect(user).to_have_count(1)
    expect(user).to_have_text(text)
    bot = page.locator("#log .msg.bot")
    expect(bot).to_have_count(1)
    expect(bot).not_to_have_class(re.compile(r"\berror\b"))
    expect(bot).not_to_have_class(re.compile(r"\bhandoff\b"))
    expect(bot).to_contain_text("Caranya")  # the reply itself, before the route and the steps

    route = bot.locator(".route")
    expect(route).to_have_text("➡ Chat CS lewat invoice pesanan")  # words, not an id
    expect(route).to_be_visible()

    steps = bot.locator("ol.steps > li")
    expect(steps.first).to_be_visible()
    assert steps.count() >= 2
    expect(bot.locator("ol.steps")).to_contain_text(INVOICE)  # the invoice number is echoed

    # The reply sits below the user's message, both inside the log, the form below them.
    user_box, bot_box = user.bounding_box(), bot.bounding_box()
    log_box, form_box = page.locator("#log").bounding_box(), page.locator("#form").bounding_box()
    assert user_box["y"] + user_box["height"] <= bot_box["y"]
    assert log_box["y"] <= user_box["y"] and bot_box["y"] + bot_box["height"] <= (
        log_box["y"] + log_box["height"])
    assert form_box["y"] >= log_box["y"] + log_box["height"]
    assert not INTERNAL_ID.search(visible_text(page))


def test_two_misses_in_a_row_hand_the_chat_to_live_chat(chat_page):
    page = chat_page
    bot = page.locator("#log .msg.bot")

    send(page, "asdfghjkl qwerty", press_enter=True)
    expect(bot).to_have_count(1)
    first = bot.nth(0)
    expect(first).not_to_have_class(re.compile(r"\bhandoff\b"))
    expect(first.locator(".route")).to_have_count(0)
    expect(first.locator("ol.steps")).to_have_count(0)

    send(page, "zxcvbnm poiuyt", press_enter=True)
    expect(bot).to_have_count(2)
    second = bot.nth(1)
    expect(second).to_have_class(re.compile(r"\bhandoff\b"))
    expect(second.locator(".route")).to_have_text(
        "Diteruskan ke agen CS · Live chat Tokopedia Care")
    expect(second.locator("ol.steps > li").first).to_be_visible()
    assert second.locator("ol.steps > li").count() >= 2


def test_html_in_a_message_is_shown_as_text(chat_page):
    page = chat_page
    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    text = "halo <script>alert(1)</script> <img src=x onerror=alert(2)>"

    send(page, text)

    user = page.locator("#log .msg.user")
    expect(user).to_have_text(text)  # literally, tags and all
    expect(page.locator("#log .msg.bot")).to_have_count(1)  # the round trip finished
    expect(page.locator("#log script")).to_have_count(0)
    expect(page.locator("#log img")).to_have_count(0)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in user.inner_html()
    page.wait_for_timeout(200)  # give a stray handler the chance to fire
    assert dialogs == []


def test_a_failure_is_told_in_customer_words_without_a_status_or_detail(chat_page):
    page = chat_page
    page.route("**/v1/chat", lambda route: route.fulfill(
        status=503, content_type="application/json",
        body='{"detail": "the database cannot be opened: OperationalError"}'))

    send(page, "paket saya belum sampai")

    error = page.locator("#log .msg.error")
    expect(error).to_have_text("Maaf, ada gangguan di sistem kami. Coba kirim lagi sebentar "
                               "lagi.")
    expect(page.locator("#log .typing")).to_have_count(0)


def test_a_long_conversation_scrolls_inside_the_log_and_keeps_the_form_in_view(chat_page):
    page = chat_page
    page.set_viewport_size({"width": 800, "height": 600})
    bot = page.locator("#log .msg.bot")
    for count, text in enumerate([f"paket saya {INVOICE} belum sampai padahal sudah 5 hari",
                                  "mau refund dana saya", f"batalkan pesanan {INVOICE}"], 1):
        send(page, text, press_enter=True)
        expect(bot).to_have_count(count)
        expect(bot.last.locator("ol.steps")).to_have_count(1)  # wait for the full reply

    sizes = page.evaluate("""() => {
        const log = document.getElementById("log");
        return {scrollHeight: log.scrollHeight, clientHeight: log.clientHeight,
                scrollTop: log.scrollTop,
                pageHeight: document.documentElement.scrollHeight,
                viewport: window.innerHeight};
    }""")
    assert sizes["scrollHeight"] > sizes["clientHeight"], "the test needs an overflowing log"
    assert sizes["pageHeight"] <= sizes["viewport"], "the page, not the log, scrolls"
    # The log follows the conversation down to the end of the last reply's steps.
    assert sizes["scrollTop"] + sizes["clientHeight"] >= sizes["scrollHeight"] - 1
    expect(bot.last.locator("ol.steps > li").last).to_be_in_viewport()
    expect(page.locator("#text")).to_be_in_viewport()


def _png_width(path):
    with open(path, "rb") as image:
        header = image.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">I", header[16:20])[0]


@pytest.mark.parametrize("width, height", [(1440, 900), (390, 844)],
                         ids=["desktop", "phone"])
def test_a_whole_conversation_speaks_to_the_customer_at_any_width(browser, live_server,
                                                                  width, height):
    """Suggestions as buttons, the order asked with a button, an angry turn handed over:
    in customer words, under a strict CSP, without sideways scrolling."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    def with_csp(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers,
                                                  "content-security-policy": CSP})
    page.route(live_server + "/", with_csp)
    try:
        page.goto(live_server + "/")
        bot = page.locator("#log .msg.bot")

        send(page, "mau tukar barang, ukurannya kekecilan")
        buttons = bot.nth(0).locator(".suggestions button")
        expect(buttons.first).to_have_text("Refund atau retur")
        assert 2 <= buttons.count() <= 3
        buttons.first.click()
        expect(page.locator("#log .msg.user").nth(1)).to_have_text("Refund atau retur")
        expect(buttons.first).to_be_disabled()

        expect(bot).to_have_count(2)
        expect(bot.nth(1)).to_contain_text("Boleh tahu pesanan yang mana?")
        expect(bot.nth(1).locator(".route")).to_have_text("➡ Komplain di Pusat Resolusi")
        bot.nth(1).locator(".suggestions button", has_text="Lewati").click()
        expect(bot).to_have_count(3)
        expect(bot.nth(2)).to_contain_text("tanpa nomor invoice juga bisa")
        expect(bot.nth(2).locator("ol.steps > li").first).to_be_visible()

        send(page, "udah seminggu ga ada kabar, parah banget pelayanannya!!!")
        expect(bot).to_have_count(4)
        handoff = bot.nth(3)
        expect(handoff).to_have_class(re.compile(r"\bhandoff\b"))
        expect(handoff).to_contain_text("Maaf banget")
        expect(handoff.locator(".route")).to_be_visible()
        expect(handoff.locator(".route")).to_contain_text("Live chat Tokopedia Care")

        shown = visible_text(page)
        assert not INTERNAL_ID.search(shown), INTERNAL_ID.findall(shown)
        overflow = page.evaluate("""() => {
            const root = document.documentElement;
            const wide = [...document.querySelectorAll("#log *")]
                .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1);
            return {page: root.scrollWidth - root.clientWidth, wide: wide.length};
        }""")
        assert overflow == {"page": 0, "wide": 0}, overflow
        shot = f"/tmp/chat_page_{width}.png"
        page.screenshot(path=shot, full_page=True)
        assert _png_width(shot) == width  # a full-page shot grows with sideways overflow
        if width == 1440:
            page.screenshot(path=SCREENSHOT, full_page=True)
        assert not [e for e in errors if "Content Security Policy" in e], errors
    finally:
        context.close()
