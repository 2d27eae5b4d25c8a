"""Masking personal data in message texts before they are logged or stored."""

__all__ = ["mask_text", "mask_text_twice", "carries_personal_data", "PLACEHOLDERS"]

import re
import unicodedata

from .entities import (
    ACCOUNT_WORDS_PATTERN,
    CARD_TAIL_PATTERN,
    CVV_PATTERN,
    EMAIL_PATTERN,
    EXPIRY_PATTERN,
    INVOICE_PATTERN,
    LONG_NUMBER_PATTERN,
    PHONE_NUMBER_PATTERN,
    RESI_PATTERN,
)

#: What replaces each kind of personal data (and invoices, in logs).
PLACEHOLDERS = ("[EMAIL]", "[INVOICE]", "[PHONE]", "[NIK]", "[CARD]", "[ACCOUNT]", "[CVV]",
                "[EXPIRY]")

# Where a number may start: not inside another number ("12/11/2026", "1.500.000"), not an
# amount after Rp/IDR, not a date, not a number grouped by thousands (an amount).
_NUMBER_START = (
    r"(?<!\d)(?<!\d[.,/\-_])(?<!rp)(?<!rp )(?<!rp\.)(?<!rp\. )(?<!idr)(?<!idr )"
    r"(?!(?:0?[1-9]|[12]\d|3[01])[ \t]?[./\-][ \t]?(?:0?[1-9]|1[0-2])[ \t]?[./\-][ \t]?"
    r"(?:\d{4}|\d{2})(?!\d|[./\-]\d))"
    r"(?!\d{4}[./\-](?:0?[1-9]|1[0-2])[./\-](?:0?[1-9]|[12]\d|3[01])(?!\d|[./\-]\d))"
)
# Grouped by thousands, an amount ("1.500.000"; amounts never start with 0).
_NOT_THOUSANDS = r"(?![1-9]\d{0,2}(?:[.,]\d{3})+(?!\d|[.,]\d))"

# One pass, alternatives tried left to right at each position: a resi and an invoice are
# taken whole (and kept) before their digits could look like an account number.
_PATTERN = re.compile(
    rf"(?P<EMAIL>{EMAIL_PATTERN})"
    rf"|(?P<INVOICE>{INVOICE_PATTERN})"
    rf"|(?P<RESI>{RESI_PATTERN})"
    # (?=...) first: the engine tries each alternative at each position, and a failed
    # look-ahead for a first character is cheaper than the words or the look-behinds.
    rf"|(?P<CVV>(?=[cks]){CVV_PATTERN})"
    rf"|(?P<EXPIRY>(?=[evmbk]){EXPIRY_PATTERN})"
    rf"|(?P<NUMBER>(?:(?=[nrat])(?P<words>{ACCOUNT_WORDS_PATTERN})|(?=\d)){_NUMBER_START}"
    rf"(?(words)|{_NOT_THOUSANDS})(?P<digits>{LONG_NUMBER_PATTERN}))"
    rf"|(?P<PHONE>(?=[(+\d])(?<![\d+]){_NUMBER_START}{_NOT_THOUSANDS}{PHONE_NUMBER_PATTERN})",
    re.IGNORECASE,
)
_PHONE = re.compile(PHONE_NUMBER_PATTERN, re.IGNORECASE)
# What every alternative needs: three digits (a security code, "exp 1/27"; numbers take
# eight), or an email's at (written or not).
_MAYBE = re.compile(r"\d\D*\d\D*\d|@|\bat\b", re.IGNORECASE)
_TAIL = re.compile(CARD_TAIL_PATTERN, re.IGNORECASE)


def mask_text(text, keep_invoices=False):
    """Replace emails, phone numbers (mobile and landline), NIK, card numbers with their
    expiry and security code, and bank-account numbers with placeholders.

    Every common written form is found: separators (spaces, dashes, dots, slashes,
    parentheses), +62 / 62 / 0, full-width characters ("＠", "０８１２"), characters that
    do not show (zero-width spaces), "(at)" and "[dot]" in emails. Tracking numbers (resi)
    are kept; invoice numbers are masked too unless ``keep_invoices`` (CS leads need them
    to find an order; logs do not).

    >>> mask_text("hubungi 0812.3456.7890 atau a.b＠mail.com, resi sicepat 004123456789")
    'hubungi [PHONE] atau [EMAIL], resi sicepat 004123456789'
    """
    folded = _fold(text)
    return _masked(text, folded, _spans(folded[0], keep_invoices))


def mask_text_twice(text):
    """``(mask_text(text, keep_invoices=True), mask_text(text))``, found in one pass: what
    a database keeps of a message and what a log may show of it.

    >>> mask_text_twice("INV/20240101/MPL/1234567 hp 0812 3456 7890")
    ('INV/20240101/MPL/1234567 hp [PHONE]', '[INVOICE] hp [PHONE]')
    """
    folded = _fold(text)
    spans = list(_spans(folded[0], keep_invoices=False))
    kept = [span for span in spans if span[2] != "[INVOICE]"]
    return _masked(text, folded, kept), _masked(text, folded, spans)


def _masked(text, folded, spans):
    """``text`` with ``spans`` (of its folded form) replaced by their placeholders."""
    _, origin = folded
    pieces, done = [], 0
    for start, end, placeholder in spans:
        start, end = origin(start), origin(end - 1) + 1
        pieces += [text[done:start], placeholder]
        done = end
    if not pieces:
        return text
    return "".join(pieces) + text[done:]


def carries_personal_data(text):
    """Whether :func:`mask_text` would change ``text`` (invoices do not count)."""
    return next(_spans(_fold(text)[0], keep_invoices=True), None) is not None


def _spans(folded, keep_invoices):
    """``(start, end, placeholder)`` of what to mask in ``folded``, left to right."""
    if not _MAYBE.search(folded):  # most chat messages: "5 hari", no "@", no "at"
        return
    position = 0
    while match := _PATTERN.search(folded, position):
        span = _replacement(folded, match, keep_invoices)
        position = max(match.end(), span[1] if span else 0)
        if span:
            yield span


def _replacement(folded, match, keep_invoices):
    """``(start, end, placeholder)`` for one match, or None when it is kept."""
    kind = next(k for k in ("EMAIL", "INVOICE", "RESI", "CVV", "EXPIRY", "NUMBER", "PHONE")
                if match[k] is not None)
    if kind == "RESI" or (kind == "INVOICE" and keep_invoices):
        return None
    if kind in ("CVV", "EXPIRY"):  # the word stays, the value goes
        group = kind.lower()
        return match.start(group), match.end(group), f"[{kind}]"
    if kind == "NUMBER":
        return _number(folded, match)
    return match.start(), match.end(), f"[{kind}]"


def _number(folded, match):
    """A long number's placeholder: PHONE, CARD (13 to 19 digits passing the Luhn check,
    with the expiry and security code after it), NIK (16 digits) or ACCOUNT; None under
    eight digits. A card may end at any group boundary, the longest wins: in "4111 1111
    1111 1111 12/27" the card ends before the 12."""
    start, number = match.start("digits"), match["digits"]
    digits, card_end = "", None
    for group in re.finditer(r"\d+", number):
        digits += group.group()
        if len(digits) > 19:
            break
        if len(digits) >= 13 and _luhn(digits):
            card_end = group.end()
    if len(digits) < 8:
        return None
    phone = _PHONE.match(folded, start)  # the whole number, maybe a digit more: "0812 3456 789 0"
    if phone and phone.end() >= match.end("digits"):
        return start, phone.end(), "[PHONE]"
    if card_end is not None:
        return start, _TAIL.match(folded, start + card_end).end(), "[CARD]"
    return start, match.end("digits"), "[NIK]" if len(digits) == 16 else "[ACCOUNT]"


def _luhn(digits):
    total = 0
    for position, digit in enumerate(int(c) for c in reversed(digits)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _fold(text):
    """``(folded, origin)``: ``text`` with each character in its NFKC compatibility form
    ("＠" -> "@", full-width digits -> digits, no-break space -> space) and the characters
    that do not show (zero-width spaces, direction marks: category Cf) dropped, so the
    patterns see what a reader sees; ``origin(i)`` is the index in ``text`` of folded
    character ``i``."""
    if text.isascii():
        return text, int
    chars, origin = [], []
    for index, char in enumerate(text):
        if unicodedata.category(char) == "Cf":
            continue
        form = unicodedata.normalize("NFKC", char)
        chars.append(form)
        origin += [index] * len(form)
    return "".join(chars), origin.__getitem__
