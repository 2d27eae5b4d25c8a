"""Normalization of chat-style Indonesian and English messages for features and dedup."""

__all__ = ["Normalizer", "tokenize", "load_slang", "content_words", "ADDRESS_WORDS"]

import re
import unicodedata
from functools import lru_cache
from importlib import resources

from ruamel.yaml import YAML

_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
_REDUPLICATION = re.compile(r"\b([^\W\d_]{2,})2\b")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:ly|com|id|co|link|me|xyz)/\S*")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
_TOKEN = re.compile(r"[^\W\d_]+|\d+|[\U0001F000-\U0001FAFF\u2600-\u27BF]")


@lru_cache(maxsize=None)
def load_slang(name="slang_id.yaml"):
    """Return the packaged slang lexicon ``{spelling: canonical words}``."""
    text = resources.files("nlu.text.resources").joinpath(name).read_text(encoding="utf-8")
    return {str(k): str(v) for k, v in YAML(typ="safe").load(text)["slang"].items()}


def tokenize(text):
    """Lowercase ``text`` and split it into word, number and emoji tokens.

    Repeated letters are collapsed ("bangeeet" -> "banget") and reduplication written
    with a 2 is spelled out ("barang2" -> "barang barang").

    >>> tokenize("Barang2 blm nyampeee!!")
    ['barang', 'barang', 'blm', 'nyampe']
    """
    text = unicodedata.normalize("NFKC", text).lower()
    # Each pattern needs a character most messages lack (a URL "." or "://", an email
    # "@", a reduplication "2"): the search is skipped when it is missing.
    if "." in text or "://" in text:
        text = _URL.sub(" url ", text)
    if "@" in text:
        text = _EMAIL.sub(" email ", text)
    text = _REPEATS.sub(r"\1", text)
    if "2" in text:
        text = _REDUPLICATION.sub(r"\1 \1", text)
    return _TOKEN.findall(text)


class Normalizer:
    """Map a message to a canonical lowercase form: slang expanded, digits collapsed.

    Parameters
    ----------
    slang : dict or None
        ``{spelling: canonical}``; the packaged Indonesian lexicon when None.

    >>> Normalizer()("Paket gw blm nyampe udh 5 hari min")
    'paket saya belum sampai sudah 0 hari admin'
    """

    def __init__(self, slang=None):
        self.slang = load_slang() if slang is None else slang

    def __call__(self, text):
        words = []
        for token in tokenize(text):
            if token.isdigit():
                words.append("0")
            else:
                words.append(self.slang.get(token, token))
        return " ".join(words)


#: Forms of address (after normalization): "kakak", "admin", "agan"... carry no request.
ADDRESS_WORDS = frozenset({"kakak", "admin", "agan", "mas", "mbak", "bang", "bro", "bund",
                           "bunda", "pak", "bu", "ibu", "bapak", "om", "tante", "dong", "ya",
                           "nih", "sih", "deh", "tokopedia", "care"})


def content_words(normalized):
    """The words of a normalized message that say something: not an address, a number or
    a particle.

    >>> content_words(Normalizer()("akun dong kak"))
    ['akun']
    """
    return [w for w in normalized.split() if w not in ADDRESS_WORDS and w != "0"]
