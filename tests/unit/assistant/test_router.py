"""The routing rules, one test each, on the project's routes.yaml."""

from pathlib import Path

import pytest

from nlu.assistant.router import load_router
from nlu.errors import DataError

DATA = Path(__file__).resolve().parents[3] / "data"
ROUTES = {"item_not_received": "invoice_chat", "seller_unresponsive": "resolution_center",
          "payment_issue": "live_chat", "account_security": "live_chat",
          "voucher_promo": "live_chat", "track_order": "answer"}
INVOICE = "INV/20261103/MPL/3456789012"


@pytest.fixture(scope="module")
def router():
    return load_router(DATA / "routes.yaml", ROUTES)


def test_intent_goes_to_its_route_with_steps_in_the_customer_language(router):
    decision = router.route("item_not_received", "en")
    assert decision.route == "invoice_chat"
    assert decision.steps[0] == "Open Transaksi at the bottom right of the app."
    assert decision.steps[1] == "Find the order with the problem."
    assert not decision.urgent


def test_mixed_messages_get_indonesian_steps(router):
    assert router.route("item_not_received", "mixed").steps[0] == \
        "Buka menu Transaksi di kanan bawah aplikasi."


def test_invoice_number_is_echoed_in_the_invoice_chat_steps(router):
    decision = router.route("item_not_received", "id", invoice=INVOICE)
    assert decision.steps[1] == f"Cari pesanan {INVOICE}."
    assert decision.invoice == INVOICE
    assert INVOICE in decision.reason


def test_without_an_invoice_the_resi_names_the_order(router):
    assert router.route("item_not_received", "en", resi="JP1234567890").steps[1] == \
        "Find the order with tracking number JP1234567890."
    assert router.route("item_not_received", "id", invoice=INVOICE,
                        resi="JP1234567890").steps[1] == f"Cari pesanan {INVOICE}."


@pytest.mark.parametrize("n", [3, 4, 7, 14])
def test_seller_silent_for_three_days_or_more_goes_to_minta_bantuan(router, n):
    decision = router.route("seller_unresponsive", "id", days=n)
    assert decision.route == "resolution_center"
    assert decision.escalate and decision.wait_days is None
    assert any("Minta Bantuan" in step for step in decision.steps)
    assert f"{n} days" in decision.reason


@pytest.mark.parametrize("n, remaining", [(1, 2), (2, 1), (2.5, 1), (0.5, 3)])
def test_seller_silent_for_less_waits_the_remaining_days(router, n, remaining):
    decision = router.route("seller_unresponsive", "en", days=n, complaint=True)
    assert decision.route == "resolution_center"
    assert decision.wait_days == remaining and not decision.escalate
    assert f"{remaining} more day(s)" in decision.reason
    # The steps follow the complaint filed, they do not file one again.
    assert decision.steps[1] == ("Open the complaint's details in the Resolution Center to "
                                 "see the seller's response.")
    assert not any("Ajukan Komplain" in step for step in decision.steps)


@pytest.mark.parametrize("days", [None, 1, 5])
def test_no_complaint_filed_yet_files_one_first(router, days):
    decision = router.route("seller_unresponsive", "id", days=days, complaint=False)
    assert decision.file_first and not decision.escalate and decision.wait_days is None
    assert decision.steps[1] == "Ketuk ikon titik tiga, lalu pilih Ajukan Komplain."


def test_seller_unresponsive_without_a_duration_gets_the_complaint_steps(router):
    decision = router.route("seller_unresponsive", "en")
    assert decision.wait_days is None and not decision.escalate and not decision.file_first
    assert decision.steps[1].startswith("Tap the three dots, then choose Ajukan Komplain")


@pytest.mark.parametrize("intent, urgent", [("payment_issue", True), ("account_security", True),
                                            ("voucher_promo", False)])
def test_payment_and_account_security_are_urgent(router, intent, urgent):
    decision = router.route(intent, "id")
    assert decision.route == "live_chat" and decision.urgent is urgent


def test_no_intent_has_no_route(router):
    assert router.route(None, "id") is None


def test_routes_have_customer_names_and_small_talk_is_declared(router):
    assert router.name("live_chat", "id") == "Live chat Tokopedia Care"
    assert router.name("invoice_chat", "en") == "Chat with CS from your order's invoice"
    assert router.small_talk == {"greeting", "thanks_goodbye"}


def test_a_route_file_missing_a_language_is_refused(tmp_path):
    text = (DATA / "routes.yaml").read_text(encoding="utf-8")
    name = ('    name: {id: "Chat CS lewat invoice pesanan", '
            'en: "Chat with CS from your order\'s invoice"}')
    broken = text.replace(name, '    name: {id: "Chat CS lewat invoice pesanan"}')
    path = tmp_path / "routes.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(DataError) as error:
        load_router(path, ROUTES)
    line = broken.splitlines().index('    name: {id: "Chat CS lewat invoice pesanan"}') + 1
    assert [str(p) for p in error.value.problems] == [
        f"{path}:{line}: route 'invoice_chat' name: missing or empty 'en' text"]
