"""Language detection for short chat messages: ``id``, ``en`` or ``mixed``."""

__all__ = ["LanguageDetector"]

from functools import lru_cache
from importlib import resources

from ruamel.yaml import YAML

from .normalize import load_slang, tokenize


@lru_cache(maxsize=None)
def _word_lists():
    text = resources.files("nlu.text.resources").joinpath("language_words.yaml") \
        .read_text("utf-8")
    words = YAML(typ="safe").load(text)
    loanwords = {str(w) for w in words["loanwords"]}
    english = {str(w) for w in words["en"]} - loanwords
    indonesian = ({str(w) for w in words["id"]} | set(load_slang())) - english - loanwords
    return frozenset(indonesian), frozenset(english)


class LanguageDetector:
    """Tell Indonesian, English and code-mixed messages apart by their common words.

    Loanwords Indonesian customers use as their own ("login", "refund", "voucher") mark
    neither language.

    Parameters
    ----------
    min_share : float
        The share of marker words the minority language needs for ``mixed``.
    default : str
        The answer when no marker word is found (emoji, a product code).

    >>> detect = LanguageDetector()
    >>> detect("paket blm nyampe"), detect("my order not yet arrive")
    ('id', 'en')
    >>> detect("mau cancel order dong, udah bayar"), detect("gak bisa login ke akun")
    ('id', 'id')
    >>> detect("refund aku kapan masuk, please check my order")
    'mixed'
    """

    def __init__(self, min_share=0.15, default="id"):
        self.min_share = min_share
        self.default = default

    def __call__(self, text):
        n_id, n_en = self.markers(text)
        if n_id == 0 and n_en == 0:
            return self.default
        if min(n_id, n_en) / (n_id + n_en) >= self.min_share:
            return "mixed"
        return "id" if n_id > n_en else "en"

    def markers(self, text, tokens=None):
        """``(Indonesian, English)``: how many marker words of each language ``text`` has,
        the evidence behind its language (a conversation keeps its language on little).
        ``tokens`` are ``tokenize(text)`` when the caller has them already.

        >>> LanguageDetector().markers("okay thanks kak")
        (1, 2)
        """
        indonesian, english = _word_lists()
        tokens = tokenize(text) if tokens is None else tokens
        return sum(t in indonesian for t in tokens), sum(t in english for t in tokens)
