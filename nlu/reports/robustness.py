"""A robustness report, CheckList style: how accuracy holds when the in-scope messages of a
test set are written the way real customers write them.

Each perturbation rewrites every in-scope message (seeded, so the report repeats); the
model's in-scope accuracy on the rewritten messages is set beside its accuracy on the
originals.
"""

__all__ = ["PERTURBATIONS", "perturb", "robustness_report"]

import random
import re

import pandas as pd

from ..errors import DataError, Problem
from ..model.scores import scope_scores
from ..text.normalize import load_slang

# Indonesian words and an English word a code-mixing customer puts in their place, and back.
_ID_TO_EN = {
    "pesanan": "order", "barang": "item", "belum": "not yet", "sampai": "arrive",
    "batalkan": "cancel", "batal": "cancel", "uang": "money", "dana": "money",
    "akun": "account", "penjual": "seller", "kurir": "courier", "rusak": "broken",
    "salah": "wrong", "kirim": "send", "dikirim": "shipped", "tolong": "please",
    "bayar": "pay", "pembayaran": "payment", "nomor": "number", "ganti": "change",
    "alamat": "address", "hapus": "delete", "riwayat": "history", "kenapa": "why",
    "sudah": "already", "hari": "days", "minggu": "week", "masih": "still",
    "terima kasih": "thank you", "bagaimana": "how", "balas": "reply", "paket": "package",
}
_EN_TO_ID = {en: id_ for id_, en in _ID_TO_EN.items() if " " not in en}
_CHATTER = {
    "id": [("halo kak selamat siang, maaf ganggu mau nanya nih. ", " makasih ya sebelumnya"),
           ("permisi min, ", " tolong dibantu ya soalnya penting bgt"),
           ("assalamualaikum, aku udah coba cari di pusat bantuan tapi ga nemu. ", " gitu kak")],
    "en": [("hi there, sorry to bother you, quick question. ", " thanks in advance"),
           ("hello, ", " please help, it's urgent"),
           ("good morning, I checked the help center but found nothing. ", " that's all")],
}
_VOWELS = re.compile(r"(?<=[^\W\d_])[aiueo](?=[^\W\d_])")
_WORD = re.compile(r"[^\W\d_]+")


def _typos(text, rng):
    def damage(match):
        word = match.group()
        if len(word) < 4 or rng.random() > 0.35:
            return word
        i = rng.randrange(1, len(word) - 1)
        kind = rng.randrange(3)
        if kind == 0:  # two letters swapped
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
        if kind == 1:  # a letter dropped
            return word[:i] + word[i + 1:]
        return word[:i] + word[i] + word[i:]  # a letter doubled
    return _WORD.sub(damage, text)


def _abbreviations(text, rng, spellings):
    def shorten(match):
        word = match.group()
        options = spellings.get(word.lower())
        if options and rng.random() < 0.8:
            return rng.choice(options)
        if len(word) >= 6 and rng.random() < 0.5:  # vowels dropped inside a long word
            return _VOWELS.sub("", word)
        return word
    return _WORD.sub(shorten, text)


def _case_and_punctuation(text, rng):
    bare = re.sub(r"[^\w\s/]", "", text)
    return rng.choice([bare.lower(), bare.upper(), bare + "!!!", bare.lower() + " ???"])


def _code_mixing(text, rng, lang):
    """Words of the message's language swapped for the other's: at least one, about half."""
    table = _EN_TO_ID if lang == "en" else _ID_TO_EN
    present = [w for w in table if re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE)]
    if not present:
        return text
    chosen = [w for w in present if rng.random() < 0.5] or [rng.choice(present)]
    for word in chosen:
        text = re.sub(rf"\b{re.escape(word)}\b", table[word], text, flags=re.IGNORECASE)
    return text


def _chatter(text, rng, lang):
    before, after = rng.choice(_CHATTER["en" if lang == "en" else "id"])
    return f"{before}{text.rstrip('.!? ')}.{after}"


#: The perturbations of the report, in its order.
PERTURBATIONS = ("typos", "abbreviations", "case_and_punctuation", "code_mixing", "chatter")


def perturb(text, kind, lang="id", seed=0):
    """``text`` rewritten by the perturbation ``kind`` (one of :data:`PERTURBATIONS`).

    >>> perturb("Pesanan saya belum sampai", "case_and_punctuation", seed=1)
    'Pesanan saya belum sampai!!!'
    >>> perturb("pesanan saya belum sampai", "code_mixing", seed=1)
    'order saya belum sampai'
    """
    rng = random.Random(f"{kind}:{seed}:{text}")
    if kind == "typos":
        return _typos(text, rng)
    if kind == "abbreviations":
        return _abbreviations(text, rng, _spellings())
    if kind == "case_and_punctuation":
        return _case_and_punctuation(text, rng)
    if kind == "code_mixing":
        return _code_mixing(text, rng, lang)
    if kind == "chatter":
        return _chatter(text, rng, lang)
    raise ValueError(f"unknown perturbation {kind!r} (expected one of "
                     f"{', '.join(PERTURBATIONS)})")


def _spellings():
    """``{canonical word: [chat spellings]}`` from the slang lexicon (single words only)."""
    spellings = {}
    for spelling, canonical in load_slang().items():
        if " " not in canonical and spelling != canonical:
            spellings.setdefault(canonical, []).append(spelling)
    return spellings


def robustness_report(model, dataset, kinds=PERTURBATIONS, seed=0, batch_size=256):
    """In-scope accuracy of ``model`` on the in-scope messages of ``dataset``, as written and
    under each perturbation.

    Returns
    -------
    DataFrame
        One row per perturbation (``original`` first): ``perturbation``, ``n``,
        ``in_scope_accuracy``, ``in_scope_false_reject``, ``change`` (against the
        original), and an ``example`` of a rewritten message.
    """
    examples = [e for e in dataset.examples if e.intent is not None]
    if not examples:
        where = dataset.examples[0].path if dataset.examples else None
        raise DataError([Problem(where or "<data>", None,
                                 "no in-scope message to perturb for the robustness report")])
    expected = [e.intent for e in examples]
    rows = []
    for kind in ("original",) + tuple(kinds):
        texts = [e.text if kind == "original" else
                 perturb(e.text, kind, e.lang or "id", seed + i) for i, e in enumerate(examples)]
        answered = []
        for start in range(0, len(texts), batch_size):
            answered += [p.intent for p in model.predict(texts[start:start + batch_size])]
        scores = scope_scores(expected, answered)
        rows.append({"perturbation": kind, "n": len(texts),
                     "in_scope_accuracy": round(scores["in_scope_accuracy"], 4),
                     "in_scope_false_reject": round(scores["in_scope_false_reject"], 4),
                     "example": texts[0]})
    frame = pd.DataFrame(rows)
    frame.insert(4, "change", (frame.in_scope_accuracy - frame.in_scope_accuracy[0]).round(4))
    return frame
