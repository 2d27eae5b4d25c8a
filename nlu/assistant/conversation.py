"""The state of one conversation, kept by the caller between turns.

The library never stores it: :meth:`Responder.respond` takes the state and returns the new
one, and the caller stores it per session (as :meth:`ConversationState.to_dict`).
"""

__all__ = ["ConversationState", "MAX_MISSES"]

from dataclasses import asdict, dataclass

#: The miss that hands the conversation over to live chat.
MAX_MISSES = 2


@dataclass(frozen=True)
class ConversationState:
    """Consecutive misses (messages the bot could not place) in one conversation."""

    misses: int = 0

    def to_dict(self):
        """Plain data for the store."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        """The state stored by :meth:`to_dict`; a new conversation for None or bad data."""
        if not isinstance(data, dict):
            return cls()
        misses = data.get("misses", 0)
        return cls(misses=misses if isinstance(misses, int) and misses >= 0 else 0)
