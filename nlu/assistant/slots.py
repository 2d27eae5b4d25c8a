"""The details a route needs, read from what the customer writes: which order, how many days
since a complaint, whether a complaint was filed at all, or that the customer goes on
without. The words listened for are data (``resources/answers.yaml``).
"""

__all__ = ["Answer", "AnswerReader", "load_answer_reader", "longest_duration"]

from dataclasses import dataclass
from importlib import resources

from ruamel.yaml import YAML

from .phrases import Phrases, words_of

_LISTS = ("skip", "not_filed", "not_yet", "complaint", "chat")
#: An answer of at most this many words made of a "not yet" word means "no complaint yet".
SHORT_ANSWER_WORDS = 3


@dataclass(frozen=True)
class Answer:
    """What one message says about the slots.

    ``filed`` is True when a complaint exists, False when none was filed ("belum
    komplain", or only a chat), None when the message does not say.
    """

    invoice: str | None = None
    resi: str | None = None
    days: float | None = None
    filed: bool | None = None
    skipped: bool = False

    @property
    def given(self):
        """Whether the message answers anything."""
        return (self.invoice is not None or self.resi is not None or self.days is not None
                or self.filed is not None or self.skipped)


class AnswerReader:
    """Read slot answers from messages.

    Parameters
    ----------
    skip, not_filed, not_yet, complaint, chat : iterable of str
        Phrases (see ``resources/answers.yaml``).
    days : dict
        ``{days: [phrases]}``: durations said in words ("kemarin": 1).

    >>> reader = load_answer_reader()
    >>> reader.complaint_filed("seller ga bales chat baru 1 hari")
    False
    >>> reader.read("lewati aja", (), slots=("order",)).skipped
    True
    """

    def __init__(self, skip, not_filed, not_yet, complaint, chat, days):
        self.skip = Phrases(skip)
        self.not_filed = Phrases(not_filed)
        self.not_yet = Phrases(not_yet)
        self.complaint = Phrases(complaint)
        self.chat = Phrases(chat)
        self.days = [(float(count), Phrases(phrases)) for count, phrases in days.items()]

    def complaint_filed(self, text, words=None):
        """True, False or None: does a message about a silent seller say a complaint exists?

        ``words`` are ``words_of(text)`` when the caller has them already.
        """
        words = words_of(text) if words is None else words
        if self.not_filed.occur_in(words):
            return False
        if self.complaint.occur_in(words):
            return True
        return False if self.chat.occur_in(words) else None

    def read(self, text, entities, slots=("order", "days"), words=None):
        """The :class:`Answer` of a message to a question for ``slots``.

        ``entities`` are the message's (:class:`~nlu.text.entities.Entity`); ``words`` its
        ``words_of(text)`` when the caller has them already (the text is normalized once
        for every phrase list).
        """
        words = words_of(text) if words is None else words
        invoice = next((e.value for e in entities if e.type == "invoice"), None)
        resi = next((e.value for e in entities if e.type == "resi"), None)
        days = filed = None
        if "days" in slots:
            days = longest_duration(entities)
            if days is None:
                days = next((count for count, phrases in self.days if phrases.occur_in(words)),
                            None)
            filed = self.complaint_filed(text, words)
            if days is None and filed is None and len(words) <= SHORT_ANSWER_WORDS \
                    and self.not_yet.occur_in(words):
                filed = False
        return Answer(invoice, resi, days, filed, skipped=self.skip.occur_in(words))


def longest_duration(entities):
    """The longest duration among a message's entities, in days, or None: what the slots,
    the rules and the conversation's memory take as the days a message says.

    >>> from nlu.text.entities import Entity
    >>> longest_duration([Entity("duration", 2, 0, 6), Entity("duration", 5, 9, 15)])
    5
    """
    return max((e.value for e in entities if e.type == "duration"), default=None)


def load_answer_reader():
    """The reader with the packaged ``resources/answers.yaml``."""
    text = resources.files("nlu.assistant.resources").joinpath("answers.yaml") \
        .read_text("utf-8")
    doc = YAML(typ="safe").load(text)
    return AnswerReader(*(map(str, doc[key]) for key in _LISTS),
                        days={count: [str(p) for p in phrases]
                              for count, phrases in doc["days"].items()})
