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
    """A set of phrases, found as whole words, left to right, the longest at each word.

    >>> Phrases(["tidak ada", "ada"]).find(words_of("ga ada kak"))
    [(0, 2)]
    """

    def __init__(self, phrases):
        self.phrases = tuple(sorted({tuple(words_of(p)) for p in phrases} - {()},
                                    key=len, reverse=True))
        # Phrases by their first word, longest first: a message is scanned once.
        self._starting = {}
        for phrase in self.phrases:
            self._starting.setdefault(phrase[0], []).append(phrase)

    def find(self, words):
        """``(start, end)`` of each phrase in ``words``, without overlaps, in order."""
        found, start = [], 0
        while start < len(words):
            for phrase in self._starting.get(words[start], ()):
                end = start + len(phrase)
                if tuple(words[start:end]) == phrase:
                    found.append((start, end))
                    start = end
                    break
            else:
                start += 1
        return found

    def occur_in(self, words):
        """Whether one of the phrases is in ``words`` (a message's :func:`words_of`)."""
        return bool(self.find(words))

    def __contains__(self, text):
        """Whether ``text`` (a message) holds one of the phrases."""
        return self.occur_in(words_of(text))
