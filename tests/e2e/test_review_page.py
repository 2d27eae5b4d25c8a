"""The review inbox at /review in a real headless Chromium, at a laptop's width (1440 px)
and a phone's (390 px), against a real ``nlu serve`` with its own SQLite database (the
``review_server`` fixture; half of its messages are reviewed twice, blind).

A hundred messages of generated traffic are stored once, through the public API, in
families: each test works on its own family (found with the page's text search on the
family's code word), so the tests do not depend on one another's order. Every test checks
that nothing is wider than the screen, on the page and on a full-page screenshot.
"""

import json
import re
import struct
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

import nlu
from nlu.feedback.queue import ReviewQueue

from .conftest import ROOT

WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}
SCRIPT = "<script>alert(1)</script>"


# Each family's texts end with its code word, unknown to the model and unique to the
# family; the number of messages in each. Texts come from data/test_id.jsonl, chosen with
# the served model among those that land in the queue (a fallback or a close call).
FAMILIES = {"kodeplace": 8, "kodekbd": 24, "kodehp": 7, "kodedua": 12}
FIXED = {
    "kodefb": ["asdfghjkl qwerty zxcv", "zxcvbnm poiuyt lkjh", "qqqq wwww eeee rrrr"],
    "kodeagen": ["lapor penipuan penjual", "ini bukan urusan tokopedia sih"],
    "kodexss": [f"tolong {SCRIPT} <img src=x onerror=alert(2)> ini apa"],
}
TOTAL = 100
LOW_MARGIN = ReviewQueue(store=None, labels=(), intent_routes={}).low_margin


def _queued_texts(model_dir):
    """``{family: [texts]}``: for each family, test messages that, with its code word, are
    in the queue; plus "kodegrup": two queued messages written 5 and 3 ways."""
    rows = [json.loads(line) for line in (ROOT / "data" / "test_id.jsonl").read_text()
            .splitlines()]
    model, free = nlu.load_model(model_dir), [r["text"] for r in rows]
    chosen = {}
    for family, size in {**FAMILIES, "kodegrup": 2}.items():
        predictions = model.predict([f"{t} {family}" for t in free])
        queued = [t for t, p in zip(free, predictions)
                  if p.fallback or p.margin < LOW_MARGIN]
        assert len(queued) >= size, f"too few queued test messages for {family}"
        chosen[family] = queued[:size]
        free = [t for t in free if t not in chosen[family]]
    one, two = chosen["kodegrup"]
    chosen["kodegrup"] = [one, one.upper(), f"{one}!!", f"  {one} ", f"{one}?"] + [
        two, two.upper(), f"{two}!!!"]
    return chosen, free


def _post(url, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _get(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _lead(server, name):
    nlu_cli = Path(sys.executable).parent / "nlu"
    command = [str(nlu_cli)] if nlu_cli.exists() else [sys.executable, "-m", "training.cli"]
    result = subprocess.run(command + ["review", "add-lead", name, "--db", server.database_url],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].strip()


@pytest.fixture(scope="module")
def traffic(review_server, e2e_model_dir):
    """The 100 messages, stored; agents' feedback on the agent family. Returns
    ``{family: [parse results]}`` (the filler under None)."""
    chosen, free = _queued_texts(e2e_model_dir)
    families = {**chosen, **FIXED}
    texts = [(family, f"{text} {family}") for family, items in families.items()
             for text in items]
    texts += [(None, text) for text in free[:TOTAL - len(texts)]]
    results = _post(review_server.url + "/v1/parse/batch",
                    {"texts": [t for _, t in texts]})["results"]
    assert len(results) == TOTAL
    by_family = {}
    for (family, _), result in zip(texts, results):
        by_family.setdefault(family, []).append(result)
    for result in by_family["kodefb"] + by_family["kodexss"]:
        assert result["fallback"], result
    fraud, other = by_family["kodeagen"]
    _post(review_server.url + "/v1/feedback", {"message_id": fraud["message_id"],
                                               "source": "agent", "correct_intent": "contact_cs"})
    _post(review_server.url + "/v1/feedback", {"message_id": other["message_id"],
                                               "source": "agent",
                                               "correct_intent": "out_of_scope"})
    return by_family


@pytest.fixture(scope="module")
def leads(review_server):
    return {name: _lead(review_server, name) for name in ("rina", "budi")}


@pytest.fixture(params=list(WIDTHS))
def width(request):
    return request.param


@pytest.fixture
def open_page(browser, review_server, traffic, width, tmp_path):
    """``open_page(token=admin, query="")``: a signed-in page at the test's width, in a
    fresh context (own cookies); ``page.dialogs`` collects any alert."""
    contexts = []

    def open_(token=None, query=""):
        w, h = WIDTHS[width]
        context = browser.new_context(viewport={"width": w, "height": h},
                                      accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message),
                                          dialog.dismiss()))
        # Signed in as the sign-in form leaves it (test_sign_in checks the form itself).
        context.add_cookies([{"name": "nlu_review_token", "url": review_server.url,
                              "value": token or review_server.admin_token}])
        page.goto(review_server.url + "/review" + (f"?{query}" if query else ""))
        expect(page.locator("#reviewer")).to_be_visible()
        expect(page.locator("#queue-summary")).not_to_be_empty()
        page.width_name, page.shots = width, tmp_path
        return page

    yield open_
    for context in contexts:
        context.close()


def assert_fits(page, name):
    """Nothing wider than the screen: the document, every button, a full-page screenshot."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    wide = page.evaluate("""(w) => [...document.querySelectorAll(
        'button, select, input, td, .message, h2, a')]
        .filter(e => e.offsetParent && e.getBoundingClientRect().right > w + 1)
        .map(e => e.outerHTML.slice(0, 80))""", width)
    assert wide == []
    path = page.shots / f"{name}-{page.width_name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert struct.unpack(">I", path.read_bytes()[16:20])[0] == width  # the PNG's width


def rows(page):
    return page.locator("#queue .item")


def current_id(page):
    return page.evaluate("document.activeElement.dataset.messageId")


def decided(server, message_id):
    history = _get(f"{server.url}/v1/review/{message_id}/history", server.admin_token)
    return [(d["reviewer"], d["label"], d["undone_at"] is not None)
            for d in history["decisions"]]


def test_sign_in(browser, review_server, leads, width):
    context = browser.new_context(viewport=dict(zip(("width", "height"), WIDTHS[width])))
    page = context.new_page()
    page.goto(review_server.url + "/review")
    expect(page).to_have_title(re.compile("Sign in"))
    page.locator("#token").fill("not-a-token")
    page.locator("#sign-in").click()
    expect(page.locator("#login-error")).to_have_text("That token is not valid.")
    expect(page.locator("#queue")).to_have_count(0)
    page.locator("#token").fill(leads["rina"])
    page.locator("#sign-in").click()
    expect(page.locator("#reviewer")).to_have_text("rina")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#token")).to_be_visible()
    context.close()


def test_a_decision_keeps_your_place_and_focuses_the_next_message(open_page, traffic,
                                                                  review_server):
    page = open_page(query="q=kodeplace")
    # Pending only, by default; the shortcuts are on the page.
    expect(page.locator("select[name=status]")).to_have_value("pending")
    expect(page.locator("#tab-queue")).to_have_attribute("aria-selected", "true")
    for keys in ("1 2 3", "o", "a", "j / k", "u", "x"):
        expect(page.locator("#shortcuts kbd", has_text=keys).first).to_be_visible()
    expect(rows(page).first).to_be_visible()
    assert_fits(page, "queue")
    before = rows(page).count()
    first, second = (rows(page).nth(i).get_attribute("data-message-id") for i in (0, 1))
    page.evaluate("window.placeKept = true; window.scrollTo(0, 60)")
    scroll = page.evaluate("window.scrollY")
    rows(page).first.locator(".actions .primary").click()
    expect(rows(page)).to_have_count(before - 1)
    assert page.evaluate("window.placeKept") is True  # no reload
    assert current_id(page) == second
    assert abs(page.evaluate("window.scrollY") - scroll) < 80
    assert [(who, undone) for who, _, undone in decided(review_server, first)] == [
        ("admin", False)]
    expect(page.locator("#toast")).to_have_text("Saved")
    assert_fits(page, "after-decision")


def test_twenty_decisions_by_keyboard_alone_and_an_undo(open_page, traffic, review_server,
                                                        width):
    family = "kodekbd" if width == "desktop" else "kodehp"
    wanted = 20 if width == "desktop" else 5
    page = open_page(query=f"q={family}")
    made = []
    for _ in range(wanted):
        node = page.locator("#queue .item.current")
        message_id = node.get_attribute("data-message-id")
        if "fallback" in (node.get_attribute("class") or ""):
            page.keyboard.press("o")                    # the bot's answer: out of scope
        else:
            page.keyboard.press("1")                    # confirm the bot's intent
        expect(page.locator(f'.item[data-message-id="{message_id}"]')).to_have_count(0)
        made.append(message_id)
        if len(made) % 5 == 0:  # move around too: down and back up
            page.keyboard.press("j")
            page.keyboard.press("k")
    for message_id in made:
        assert [r for r, _, undone in decided(review_server, message_id) if not undone] == [
            "admin"]
    page.keyboard.press("u")
    expect(page.locator("#toast")).to_have_text("Undone")
    expect(page.locator(f'.item[data-message-id="{made[-1]}"]')).to_have_count(1)
    assert current_id(page) == made[-1]  # back where it was, focused
    assert decided(review_server, made[-1])[-1][2] is True
    assert_fits(page, "keyboard")


def test_a_group_is_one_row_and_one_bulk_decision_covers_it(open_page, traffic, review_server,
                                                           width):
    page = open_page(query="q=kodegrup")
    group = page.locator("#queue .item", has=page.locator(".count", has_text="×5"))
    expect(group).to_have_count(1)
    expect(page.locator("#queue .item", has=page.locator(".count", has_text="×3"))).to_have_count(1)
    ids = [r["message_id"] for r in traffic["kodegrup"][:5]]
    # Select the group with x, another row with its box; label both at once.
    group.click(position={"x": 5, "y": 5})
    page.keyboard.press("x")
    other = page.locator("#queue .item", has=page.locator(".count", has_text="×3"))
    other.locator("input.select").check()
    expect(page.locator("#bulk-count")).to_have_text("2 rows (8 messages) selected")
    assert_fits(page, "bulk")
    label = "item_not_received" if width == "desktop" else "track_order"
    page.locator("#bulk-intent").select_option(label)
    page.locator("#bulk-label").click()
    expect(page.locator("#toast")).to_have_text("8 messages labelled")
    expect(group).to_have_count(0)
    for message_id in ids:
        assert decided(review_server, message_id)[-1] == ("admin", label, False)
    page.keyboard.press("u")  # one undo takes the whole bulk decision back
    expect(page.locator("#queue .item", has=page.locator(".count", has_text="×5"))).to_have_count(1)
    assert all(decided(review_server, m)[-1][2] for m in ids)


def test_a_fallback_is_out_of_scope_by_default_and_a_guess_needs_two_presses(
        open_page, traffic, review_server, width, tmp_path):
    page = open_page(query="q=kodefb")
    first = rows(page).first
    expect(first).to_have_class(re.compile(r"\bfallback\b"))
    primary = first.locator(".actions .primary")
    expect(primary).to_have_text(re.compile("out of scope"))
    guess = first.locator('.suggestion[data-rank="1"]')
    guessed = guess.get_attribute("data-label")
    guess.click()  # one click only arms it
    expect(guess).to_have_class(re.compile(r"\barmed\b"))
    expect(guess).to_contain_text("press again")
    message_id = first.get_attribute("data-message-id")
    assert decided(review_server, message_id) == []
    if width == "desktop":
        primary.click()
        outcome = None
    else:
        guess.click()  # the second press takes the guess, deliberately
        outcome = guessed
    expect(page.locator(f'.item[data-message-id="{message_id}"]')).to_have_count(0)
    assert decided(review_server, message_id) == [("admin", outcome, False)]
    with page.expect_download() as info:
        page.locator("#export-yaml").click()
    path = tmp_path / "reviewed.yaml"
    info.value.save_as(path)
    labels = {e.text: e.intent for e in nlu.load_dataset(path).examples}
    text = next(r["text"] for r in traffic["kodefb"] if r["message_id"] == message_id)
    assert labels[text] == outcome
    assert_fits(page, "fallback")


def test_the_agents_correction_in_one_key(open_page, traffic, review_server, width):
    page = open_page(query="q=kodeagen")
    # An agent said "contact_cs" of one message, "out of scope" of the other.
    index, label = (0, "contact_cs") if width == "desktop" else (1, None)
    message_id = traffic["kodeagen"][index]["message_id"]
    item = page.locator(f'.item[data-message-id="{message_id}"]')
    expect(item.locator(".agent")).to_have_text(f"aagent: {label or 'out of scope'}")
    item.click(position={"x": 5, "y": 5})
    page.keyboard.press("a")
    expect(item).to_have_count(0)
    assert decided(review_server, message_id)[-1] == ("admin", label, False)


def test_disagreements_history_filters_and_agreement(open_page, traffic, review_server, leads,
                                                     width):
    # Budi decides blind through the API; Rina, in the browser, differently.
    double = [r for r in _get(review_server.url + "/v1/review?q=kodedua&status=pending",
                              leads["budi"])["items"] if r["double_review"]]
    assert double, "half of the messages should be reviewed twice"
    target = double[0]
    _post(f"{review_server.url}/v1/review/{target['message_id']}", {"label": "greeting"},
          leads["budi"])
    page = open_page(token=leads["rina"], query="q=kodedua")
    item = page.locator(f'.item[data-message-id="{target["message_id"]}"]')
    expect(item.locator(".status")).to_have_text("pending")  # blind: Budi's label unseen
    item.locator(".relabel-select").select_option("refund_return")
    item.locator(".relabel").click()
    expect(page.locator("#toast")).to_contain_text("budi said greeting")
    # The disagreements view shows both labels.
    page.locator("#tab-disagreements").click()
    shown = page.locator(f'.item[data-message-id="{target["message_id"]}"]')
    expect(shown.locator(".status")).to_contain_text("reviewers disagree")
    expect(shown.locator(".status")).to_contain_text("budi: greeting")
    expect(shown.locator(".status")).to_contain_text("rina: refund_return")
    shown.click(position={"x": 5, "y": 5})
    page.keyboard.press("h")
    expect(shown.locator(".history li")).to_have_count(2)
    expect(shown.locator(".history")).to_contain_text("rina:")
    assert_fits(page, "disagreements")
    # Filters: text search, fallback reason, confidence range.
    page.locator("#tab-queue").click()
    if not page.locator("#filters-box").evaluate("e => e.open"):
        page.locator("#filters-box summary").click()
    page.locator("input[name=q]").fill("kodefb")
    page.locator("select[name=fallback]").select_option("none")
    page.locator("#apply-filters").click()
    expect(page).to_have_url(re.compile(r"q=kodefb.*fallback=none|fallback=none.*q=kodefb"))
    expect(page.locator("#empty")).to_be_visible()
    page.locator("select[name=fallback]").select_option("")
    page.locator("input[name=max_confidence]").fill("1")
    page.locator("#apply-filters").click()
    expect(page.locator("#queue .item.fallback").first).to_be_visible()
    assert_fits(page, "filters")
    # Insights: agreement per pair, in plain words.
    page.locator("#tab-insights").click()
    # The first insights work out the training data's gaps (seconds on a busy machine).
    expect(page.locator("#agreement")).to_contain_text("budi & rina", timeout=30_000)
    expect(page.locator("#agreement td").nth(3)).to_have_text(re.compile(r"-?\d\.\d\d"))
    for heading in ("The bot mixes up these intents", "Sent to the wrong place, per day",
                    "Not understood (fallbacks), per day",
                    "Out-of-scope topics that keep coming back",
                    "Intents whose examples look alike", "Intents that need more examples"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.locator("#too-similar td").first).not_to_be_empty()
    assert_fits(page, "insights")


def test_markup_in_messages_is_shown_as_text(open_page, traffic):
    page = open_page(query="q=kodexss&status=")
    text = page.locator("#queue .item .message").first
    expect(text).to_contain_text(SCRIPT)
    expect(page.locator("#queue script")).to_have_count(0)
    expect(page.locator("#queue img")).to_have_count(0)
    page.wait_for_timeout(200)  # give a stray handler the chance to fire
    assert page.dialogs == []
