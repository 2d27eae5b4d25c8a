"""Conversation state: plain data for the store, and back."""

import pytest

from nlu.assistant.conversation import ConversationState


def test_state_round_trips_through_plain_data():
    state = ConversationState(misses=1)
    assert ConversationState.from_dict(state.to_dict()) == state
    assert state.to_dict() == {"misses": 1}


@pytest.mark.parametrize("stored", [None, "x", [], {}, {"misses": -1}, {"misses": "2"}])
def test_missing_or_bad_data_starts_a_new_conversation(stored):
    assert ConversationState.from_dict(stored) == ConversationState()
