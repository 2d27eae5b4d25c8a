"""Entity extraction with character offsets: invoices, phones, amounts, durations, resi."""

__all__ = ["Entity", "extract_entities", "ENTITY_TYPES", "INVOICE_PATTERN", "PHONE_PATTERN"]

import math
import re
from dataclasses import dataclass

ENTITY_TYPES = ("invoice", "phone", "amount", "duration", "resi")


@dataclass(frozen=True)
class Entity:
    """An entity found in a message; ``text[start:end]`` is what the customer wrote."""

    type: str
    value: object
    start: int
    end: int


#: Regular expressions (case-insensitive) of what identifies an order and a person: the
#: masking of personal data (:mod:`nlu.text.privacy`) uses the same ones.
INVOICE_PATTERN = r"\bINV/\d{8}/[A-Z]{2,6}/\d{5,13}\b"
PHONE_PATTERN = r"(?<![\w+])(?:\+62|62|0)[\s-]?8\d(?:[\s-]?\d){7,11}(?!\d)"
_INVOICE = re.compile(INVOICE_PATTERN, re.IGNORECASE)
_PHONE = re.compile(PHONE_PATTERN, re.IGNORECASE)
_MAGNITUDE = {"rb": 1_000, "ribu": 1_000, "k": 1_000, "jt": 1_000_000, "juta": 1_000_000}
_AMOUNT = re.compile(
    # A decimal after Rp only before a magnitude ("Rp1,5jt"); else "Rp 1,5" would be 2.
    r"(?:\b(?:rp|idr)\.?\s?(?P<rp>\d{1,3}(?:[.,]\d{3})+"
    r"|\d+[.,]\d+(?=\s?(?:rb|ribu|k|jt|juta)\b)|\d+)(?:,(?:00|-))?(?!\d)"
    r"(?:\s?(?P<rp_mag>rb|ribu|k|jt|juta)\b)?)"
    r"|(?:(?<![\w/])(?P<num>\d+(?:[.,]\d+)?)\s?(?P<mag>rb|ribu|k|jt|juta)\b)",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "se": 1, "satu": 1, "a": 1, "an": 1, "one": 1, "dua": 2, "two": 2, "tiga": 3,
    "three": 3, "empat": 4, "four": 4, "lima": 5, "five": 5, "enam": 6, "six": 6,
    "tujuh": 7, "seven": 7, "delapan": 8, "eight": 8, "sembilan": 9, "nine": 9,
    "sepuluh": 10, "ten": 10,
}
_UNIT_DAYS = {
    "hari": 1, "day": 1, "days": 1, "minggu": 7, "pekan": 7, "week": 7, "weeks": 7,
    "bulan": 30, "month": 30, "months": 30, "jam": 1 / 24, "hours": 1 / 24, "hour": 1 / 24,
}
_DURATION = re.compile(
    r"\b(?:(?P<num>\d+(?:[.,]5)?)\s?(?:x\s?24\s?jam\b(?P<x24>)|(?P<unit>hari|minggu|pekan|bulan|"
    r"jam|hours?|days?|weeks?|months?)\b)"
    r"|(?P<word>se|(?:satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|a|an|"
    r"one|two|three|four|five|six|seven|eight|nine|ten)\s)(?P<wunit>hari|minggu|pekan|bulan|"
    r"days?|weeks?|months?)\b)",
    re.IGNORECASE,
)
_RESI = re.compile(
    r"\b(?:no(?:mor|mer)?\.?\s*resi|resi(?:nya)?|awb|tracking\s*(?:number|no\.?|code)?|"
    r"airway\s*bill)\s*(?:saya|ku|nya|is|:|=|-)?\s*:?\s*(?P<code>(?=[A-Z0-9]*\d)[A-Z0-9]{8,22})\b",
    re.IGNORECASE,
)


def extract_entities(text):
    """Return the entities in ``text``, sorted by position, as :class:`Entity` objects.

    >>> [(e.type, e.value) for e in extract_entities("udh 5 hari, Rp150.000 blm balik")]
    [('duration', 5), ('amount', 150000)]
    """
    found = []
    for match in _INVOICE.finditer(text):
        found.append(Entity("invoice", match.group().upper(), match.start(), match.end()))
    for match in _PHONE.finditer(text):
        found.append(Entity("phone", _phone_value(match.group()), match.start(), match.end()))
    for match in _RESI.finditer(text):
        found.append(Entity("resi", match["code"].upper(), match.start("code"), match.end("code")))
    for match in _AMOUNT.finditer(text):
        found.append(Entity("amount", _amount_value(match), match.start(), match.end()))
    for match in _DURATION.finditer(text):
        found.append(Entity("duration", _duration_value(match), match.start(), match.end()))
    # A number too long for a float ("Rp999...9") is no amount or duration anyone meant.
    return _drop_overlaps([e for e in found if e.value is not None])


def _phone_value(raw):
    digits = re.sub(r"\D", "", raw)
    national = digits[2:] if digits.startswith("62") else digits[1:]
    return "+62" + national


def _parse_number(raw):
    """'1,5' and '1.5' are decimals; '150.000' and '1,500,000' use thousand separators."""
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
        return int(re.sub(r"[.,]", "", raw))
    return float(raw.replace(",", "."))


def _amount_value(match):
    if match["rp"] is not None:
        value = _parse_number(match["rp"]) * _MAGNITUDE.get((match["rp_mag"] or "").lower(), 1)
    else:
        value = _parse_number(match["num"]) * _MAGNITUDE[match["mag"].lower()]
    try:
        return int(round(value))
    except OverflowError:  # infinity: the float of a number far past any real amount
        return None


def _duration_value(match):
    if match["word"] is not None:
        count, unit = _NUMBER_WORDS[match["word"].strip().lower()], match["wunit"].lower()
    else:
        count = float(match["num"].replace(",", "."))
        unit = "x24" if match["x24"] is not None else match["unit"].lower()
    days = count if unit == "x24" else count * _UNIT_DAYS[unit]
    if not math.isfinite(days):
        return None
    return int(days) if float(days).is_integer() else round(days, 2)


def _drop_overlaps(entities):
    """Keep the earliest entity where two overlap (an invoice wins over what it contains)."""
    priority = {name: rank for rank, name in enumerate(ENTITY_TYPES)}
    kept = []
    for entity in sorted(entities, key=lambda e: (priority[e.type], e.start)):
        if all(entity.end <= k.start or entity.start >= k.end for k in kept):
            kept.append(entity)
    return sorted(kept, key=lambda e: e.start)
