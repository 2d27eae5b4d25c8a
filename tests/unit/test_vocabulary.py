"""The product's words: one text form for "no intent", read back from every spelling."""

import math

import pytest

from nlu.vocabulary import (
    LANGUAGES,
    NONE,
    OUT_OF_SCOPE,
    ROUTES,
    intent_from_label,
    intent_label,
    route_label,
)


def test_the_taxonomy_words():
    assert ROUTES == ("answer", "invoice_chat", "live_chat", "resolution_center")
    assert LANGUAGES == ("id", "en", "mixed")


@pytest.mark.parametrize("spelling", [None, "", "  ", "out_of_scope", "oos", math.nan])
def test_every_spelling_of_out_of_scope_reads_as_no_intent(spelling):
    assert intent_from_label(spelling) is None


def test_an_intent_reads_as_itself_stripped():
    assert intent_from_label(" cancel_order ") == "cancel_order"


def test_text_forms_round_trip():
    assert intent_label(None) == OUT_OF_SCOPE
    assert intent_from_label(intent_label(None)) is None
    assert intent_label("greeting") == "greeting"
    assert (route_label(None), route_label("live_chat")) == (NONE, "live_chat")
