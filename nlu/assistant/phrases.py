"""Phrase lists matched on normalized words: what the assistant listens for in a message.

Messages and phrases go through the same normalization (slang expanded, repeated letters
collapsed), so one phrase covers its spellings ("ga becus", "gk becus", "gaaa becus").
"""

__all__ = ["Phrases", "words_of"]

from functools import lru_cache

from ..text.normalize import Normalizer


@lru_cache(maxsize=1)
def _normalizer():
    return Normalizer()


def words_of(text):
    """The normalized words of ``text``.

    >>> words_of("Gk tau kak")
    ['tidak', 'tahu', 'kakak']
    """
    return _normalizer()(text).split()


class Phrases:
    """A set of phrases, found as whole words, longest first.

    >>> Phrases(["tidak ada", "ada"]).find(words_of("ga ada kak"))
    [(0, 2)]
    """

    def __init__(self, phrases):
        self.phrases = tuple(sorted({tuple(words_of(p)) for p in phrases} - {()},
                                    key=len, reverse=True))

    def find(self, words):
        """``(start, end)`` of each phrase in ``words``, without overlaps, in order."""
        taken, found = set(), []
        for phrase in self.phrases:
            n = len(phrase)
            for start in range(len(words) - n + 1):
                span = set(range(start, start + n))
                if tuple(words[start:start + n]) == phrase and not span & taken:
                    taken |= span
                    found.append((start, start + n))
        return sorted(found)

    def __contains__(self, text):
        """Whether ``text`` (a message) holds one of the phrases."""
        return bool(self.find(words_of(text)))
