"""Masking personal data in message texts before they are logged or stored."""

__all__ = ["mask_text"]

import re

from .entities import INVOICE_PATTERN, PHONE_PATTERN

# One pass, alternatives tried left to right: the more specific ones first.
_PATTERN = re.compile(
    r"(?P<EMAIL>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    rf"|(?P<INVOICE>{INVOICE_PATTERN})"
    r"|(?P<NIK>(?<![A-Za-z0-9])\d{16}(?!\d))"
    r"|(?P<CARD>(?<![A-Za-z0-9])\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,7}(?!\d))"
    rf"|(?P<PHONE>{PHONE_PATTERN})"
    r"|(?P<ACCOUNT>(?<![A-Za-z0-9])\d(?:[ -]?\d){7,19}(?!\d))",
    re.IGNORECASE,
)


def mask_text(text, keep_invoices=False):
    """Replace emails, phone numbers, NIK, card and bank-account numbers with placeholders.

    Invoice numbers are masked too unless ``keep_invoices`` (CS leads need them to find
    an order; logs do not).

    >>> mask_text("hubungi 0812-3456-7890 atau a.b@mail.com")
    'hubungi [PHONE] atau [EMAIL]'
    """

    def replace(match):
        if match.lastgroup == "INVOICE" and keep_invoices:
            return match.group()
        return f"[{match.lastgroup}]"

    return _PATTERN.sub(replace, text)
