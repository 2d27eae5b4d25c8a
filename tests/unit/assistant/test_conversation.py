"""Conversation state: plain data for the store and back, the session language, memory."""

import json

import pytest

from nlu.assistant.conversation import (
    ConversationState,
    Question,
    remember,
    session_language,
)
from nlu.errors import UnknownLabel
from nlu.text.entities import Entity

INVOICE = "INV/20261103/MPL/3456789012"


def test_state_round_trips_through_json():
    state = ConversationState(
        misses=1, lang="en", entities={"invoice": INVOICE, "duration": 2.5},
        last_intent="item_not_received", served=("item_not_received",), asked=("order",),
        complaint=False, question=Question(intent="seller_unresponsive", slots=("days", "order"),
                          confidence=0.91))
    stored = json.loads(json.dumps(state.to_dict()))  # what a JSON column gives back
    assert ConversationState.from_dict(stored) == state
    clarifying = ConversationState(question=Question(
        candidates=(("damaged_or_wrong_item", 0.56), ("refund_return", 0.28)), days=4))
    assert ConversationState.from_dict(json.loads(json.dumps(clarifying.to_dict()))) == \
        clarifying


def test_the_click_of_a_turn_is_not_stored():
    state = ConversationState().choose("cancel_order", {"cancel_order", "track_order"})
    assert state.choice == "cancel_order"
    assert ConversationState.from_dict(state.to_dict()).choice is None


def test_a_click_on_an_unknown_intent_is_refused():
    with pytest.raises(UnknownLabel, match="unknown intent 'nlu_fallback': a suggestion's "
                                           "intent is one of cancel_order, track_order"):
        ConversationState().choose("nlu_fallback", {"cancel_order", "track_order"})
    assert ConversationState().choose(None, set()) == ConversationState()


@pytest.mark.parametrize("stored", [None, "x", [], {}, {"misses": -1}, {"misses": "2"},
                                    {"misses": True}])
def test_missing_or_bad_data_starts_a_new_conversation(stored):
    assert ConversationState.from_dict(stored) == ConversationState()


def test_a_state_stored_before_conversations_had_memory_still_reads():
    assert ConversationState.from_dict({"misses": 1}) == ConversationState(misses=1)


def test_bad_fields_are_reset_and_the_good_ones_kept():
    state = ConversationState.from_dict({
        "misses": 1, "lang": "fr", "entities": {"invoice": INVOICE, "phone": "+62812",
                                                "amount": [1], "duration": True},
        "last_intent": 7, "served": "cancel_order", "asked": ["order", "colour", 3],
        "question": {"candidates": [["a", 0.5], ["b"], "c"], "slots": ["days"]}})
    assert state == ConversationState(misses=1, entities={"invoice": INVOICE},
                                      asked=("order",),
                                      question=Question(candidates=(("a", 0.5),),
                                                        slots=("days",)))


@pytest.mark.parametrize("question", [{}, {"intent": "cancel_order"}, {"slots": ["order"]},
                                      {"intent": "cancel_order", "slots": ["colour"]}, "x"])
def test_a_question_without_candidates_or_slots_is_no_question(question):
    assert ConversationState.from_dict({"question": question}).question is None


@pytest.mark.parametrize("previous, lang, markers, words, expected", [
    (None, "en", (0, 1), 1, "en"),      # the first message sets it, clear or not
    (None, "mixed", (1, 3), 4, "id"),   # mixed messages are answered in Indonesian
    ("id", "en", (0, 1), 1, "id"),      # "ok" after Indonesian turns
    ("en", "id", (1, 0), 1, "en"),      # "wkwk" after English turns
    ("en", "id", (0, 0), 2, "en"),      # no marker at all (an emoji, an invoice number)
    ("id", "en", (0, 2), 2, "id"),      # "ok thanks": short
    ("id", "en", (0, 4), 4, "en"),      # "thank you so much": clear English
    ("en", "mixed", (2, 1), 3, "id"),   # "mau cancel dong": clear enough Indonesian
    ("en", "mixed", (1, 4), 5, "en"),   # "pls check my order kak": not enough Indonesian
])
def test_the_last_clear_message_sets_the_language(previous, lang, markers, words, expected):
    assert session_language(previous, lang, markers, words) == expected


def test_memory_keeps_the_latest_order_and_the_longest_duration_of_a_message():
    memory = remember({}, [Entity("invoice", INVOICE, 0, 27), Entity("duration", 2, 30, 36),
                           Entity("duration", 5, 40, 46), Entity("phone", "+6281234", 50, 62)])
    assert memory == {"invoice": INVOICE, "duration": 5}  # no phone number kept
    later = remember(memory, [Entity("resi", "JP1234567890", 5, 17),
                              Entity("duration", 1, 20, 26)])
    assert later == {"invoice": INVOICE, "duration": 1, "resi": "JP1234567890"}
    assert memory == {"invoice": INVOICE, "duration": 5}  # not changed in place
