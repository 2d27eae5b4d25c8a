"""The details a route needs, read from what the customer writes: which order, how many days
since a complaint, whether a complaint was filed at all, or that the customer goes on
without. The words listened for are data (``resources/answers.yaml``).
"""

__all__ = ["Answer", "AnswerReader", "load_answer_reader"]

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

    def complaint_filed(self, text):
        """True, False or None: does a message about a silent seller say a complaint exists?"""
        if text in self.not_filed:
            return False
        if text in self.complaint:
            return True
        return False if text in self.chat else None

    def read(self, text, entities, slots=("order", "days")):
        """The :class:`Answer` of a message to a question for ``slots``.

        ``entities`` are the message's (:class:`~nlu.text.entities.Entity`).
        """
        invoice = next((e.value for e in entities if e.type == "invoice"), None)
        resi = next((e.value for e in entities if e.type == "resi"), None)
        days = filed = None
        if "days" in slots:
            days = max((e.value for e in entities if e.type == "duration"), default=None)
            if days is None:
                days = next((count for count, phrases in self.days if text in phrases), None)
            filed = self.complaint_filed(text)
            words = words_of(text)
            if days is None and filed is None and len(words) <= SHORT_ANSWER_WORDS \
                    and self.not_yet.find(words):
                filed = False
        return Answer(invoice, resi, days, filed, skipped=text in self.skip)


def load_answer_reader():
    """The reader with the packaged ``resources/answers.yaml``."""
    text = resources.files("nlu.assistant.resources").joinpath("answers.yaml") \
        .read_text("utf-8")
    doc = YAML(typ="safe").load(text)
    return AnswerReader(*(map(str, doc[key]) for key in _LISTS),
                        days={count: [str(p) for p in phrases]
                              for count, phrases in doc["days"].items()})
