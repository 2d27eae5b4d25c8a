"""Reading slot answers: the order, the days since a complaint, whether one was filed."""

import pytest

from nlu.assistant.phrases import words_of
from nlu.assistant.slots import Answer, load_answer_reader, longest_duration
from nlu.text.entities import Entity, extract_entities

INVOICE = "INV/20261103/MPL/3456789012"


@pytest.fixture(scope="module")
def reader():
    return load_answer_reader()


def read(reader, text, slots=("order", "days")):
    return reader.read(text, extract_entities(text), slots)


@pytest.mark.parametrize("text, filed", [
    ("seller ga bales komplain saya", True),
    ("penjual belum merespons komplain saya sudah 1 hari", True),
    ("seller not responding to my complaint", True),
    ("seller ga bales chat baru 1 hari", False),        # only a chat
    ("saya belum ajukan komplain, seller ga bales", False),
    ("seller ga bales udh 5 hari", None),               # the customer does not say
])
def test_whether_a_complaint_was_filed(reader, text, filed):
    assert reader.complaint_filed(text) is filed


@pytest.mark.parametrize("text", ["lewati", "Skip", "gk tau", "yg kemarin aja", "lupa kak",
                                  "I don't know"])
def test_going_on_without_the_order(reader, text):
    assert read(reader, text, ("order",)) == Answer(skipped=True)


def test_an_order_is_its_invoice_or_its_resi(reader):
    assert read(reader, f"ini {INVOICE}", ("order",)).invoice == INVOICE
    answer = read(reader, "resi JP1234567890", ("order",))
    assert answer.resi == "JP1234567890" and answer.given


@pytest.mark.parametrize("text, days, filed", [
    ("2 hari", 2, None), ("udah 4 hari kak", 4, None), ("kemarin", 1, None),
    ("dari minggu lalu", 7, None), ("2 hari, komplainnya", 2, True), ("belum", None, False),
    ("belum kak", None, False), ("not yet", None, False), ("belum komplain", None, False),
])
def test_days_since_the_complaint(reader, text, days, filed):
    answer = read(reader, text, ("days",))
    assert (answer.days, answer.filed) == (days, filed)


def test_not_yet_is_a_short_answer_only(reader):
    assert read(reader, "belum ada nomor invoicenya nih kak", ("days",)).filed is None


def test_an_unrelated_reply_answers_nothing(reader):
    assert not read(reader, "hmm gimana ya").given


@pytest.mark.parametrize("text", ["belum kak", "2 hari, komplainnya", "lewati aja"])
def test_words_normalized_by_the_caller_read_as_the_text(reader, text):
    entities = extract_entities(text)
    assert reader.read(text, entities, words=words_of(text)) == reader.read(text, entities)
    assert reader.complaint_filed(text, words_of(text)) is reader.complaint_filed(text)


def test_the_longest_duration_of_a_message():
    assert longest_duration([Entity("duration", 2, 0, 6), Entity("duration", 5, 9, 15)]) == 5
    assert longest_duration([Entity("amount", 150000, 0, 9)]) is None
