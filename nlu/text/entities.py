"""Entity extraction with character offsets: invoices, phones, amounts, durations, resi."""

__all__ = ["Entity", "extract_entities", "ENTITY_TYPES", "COURIERS", "INVOICE_PATTERN",
           "PHONE_PATTERN", "PHONE_NUMBER_PATTERN", "EMAIL_PATTERN", "LONG_NUMBER_PATTERN",
           "ACCOUNT_WORDS_PATTERN",
           "CARD_TAIL_PATTERN", "CVV_PATTERN", "EXPIRY_PATTERN", "RESI_PATTERN"]

import math
import re
from dataclasses import dataclass

#: Also the overlap priority: where two entities overlap, the one listed first is kept.
ENTITY_TYPES = ("invoice", "phone", "resi", "amount", "duration")


@dataclass(frozen=True)
class Entity:
    """An entity found in a message; ``text[start:end]`` is what the customer wrote.

    ``courier`` is the courier of a ``resi`` when the message names it or the number's
    format tells it (``JP1234567890`` is J&T's); None otherwise and for other types.
    """

    type: str
    value: object
    start: int
    end: int
    courier: str | None = None


# Regular expressions (case-insensitive) of what identifies an order and a person: the
# masking of personal data (:mod:`nlu.text.privacy`) uses the same ones.

INVOICE_PATTERN = r"\bINV/\d{8}/[A-Z]{2,6}/\d{5,13}\b"

# Between two digits of a number people write nothing, spaces, or one of . - / (and
# dashes from phone keyboards) with spaces around; parentheses close an area code:
# "0812.3456.7890", "0812 / 3456 / 7890", "(021) 555-1211", "+62 (812) 3456-7890".
_SEP = r"[ \t]{0,2}[.\-/\u2010-\u2015\u2212()]?[ \t]{0,2}"
# +62, 62 or the trunk 0, maybe in parentheses, maybe "+62 0812" with a redundant 0.
_PHONE_PREFIX = rf"(?:\([ \t]{{0,2}})?(?:\+[ \t]{{0,2}}62|62|0)(?:{_SEP}0)?"
_MOBILE = rf"{_PHONE_PREFIX}{_SEP}8(?:{_SEP}\d){{8,11}}(?!\d)"
# A landline: an area code 2x..7x or 9x (021, 0274, 0361) and 5 to 8 more digits.
_LANDLINE = rf"{_PHONE_PREFIX}{_SEP}[2-79](?:{_SEP}\d){{6,9}}(?!\d)"
#: A mobile number as the ``phone`` entity takes it: not glued to a word or a number.
PHONE_PATTERN = rf"(?<![\w+]){_MOBILE}"
#: Any Indonesian phone number, mobile or landline, in every common written form (for
#: masking: the caller sets the boundaries).
PHONE_NUMBER_PATTERN = rf"(?:{_MOBILE}|{_LANDLINE})"

# "budi@mail.com", "budi @ mail . com", "budi(at)mail(dot)com", "budi [at] mail [dot] co
# [dot] id"; "budi at mail dot com" only before a common top-level domain (plain "at" is
# an English word). Full-width forms ("＠") are folded to these by the caller (NFKC).
_AT = r"[ \t]{0,3}(?:@|[(\[{<][ \t]{0,2}at[ \t]{0,2}[)\]}>])[ \t]{0,3}"
_DOT = r"[ \t]{0,3}(?:\.|[(\[{<][ \t]{0,2}(?:dot|titik)[ \t]{0,2}[)\]}>])[ \t]{0,3}"
_TLD = r"(?:com|net|org|id|co|ac|go|sch|or|web|my|biz|info|io|me|xyz|online|site)\b"
EMAIL_PATTERN = (
    rf"(?<![\w.+-])[\w.+-]+(?:{_AT}[\w-]+(?:{_DOT}[\w-]+)+"
    rf"|[ \t]{{1,3}}at[ \t]{{1,3}}[\w-]+(?:(?:{_DOT}|[ \t]{{1,3}}(?:dot|titik)[ \t]{{1,3}}){_TLD})+)"
)

#: A number written in groups, a NIK (16 digits), a card (13 to 19) or a bank account:
#: groups joined by . - / _ or dashes, or by a space before a group of two digits or more
#: ("rek 1234567890 5 hari" keeps its 5); or digits spaced one by one ("0 8 1 2 ...").
#: The caller counts the digits, tells the kinds apart and excludes dates and amounts.
LONG_NUMBER_PATTERN = (r"(?:\d(?:[ \t]\d){7,19}"
                       r"|\d+(?:[ \t]{0,2}[.\-/_\u2010-\u2015\u2212][ \t]{0,2}\d+|[ \t]{1,2}\d{2,})*)"
                       r"(?!\d)")
#: The words before a bank account ("rek bca", "no. rekening", "transfer ke"): after them
#: a number is an account even when grouped like an amount ("rek 100.000.000.000").
ACCOUNT_WORDS_PATTERN = (r"\b(?:no(?:mor)?\.?[ \t]?)?(?:rek(?:ening)?|norek|account|acct|a/c"
                         r"|transfer[ \t]ke)\b(?:[ \t]{1,2}(?:bank[ \t])?[a-z]{2,8}){0,2}"
                         r"[ \t]{0,2}[:#=\-]?[ \t]{0,2}")
_MONTH_YEAR = r"(?:0?[1-9]|1[0-2])[ \t]{0,2}[/\-.][ \t]{0,2}(?:20\d{2}|\d{2})(?!\d)"
#: What follows a card number: its expiry ("12/27") and security code, keyword or not.
CARD_TAIL_PATTERN = (
    rf"(?:[ \t,;]{{1,3}}(?:(?:exp\w*|valid\w*|berlaku)[ \t:]{{0,3}})?{_MONTH_YEAR})?"
    r"(?:[ \t,;]{1,3}(?:(?:cvv2?|cvc2?|cid|csc)[ \t:]{0,3})?\d{3,4}(?!\d))?"
)
#: A card's security code after its name; the group ``cvv`` is the code.
CVV_PATTERN = (r"\b(?:cvv2?|cvc2?|cid|csc|kode[ \t]+keamanan|security[ \t]+code)"
               r"(?:[ \t]*(?:nya|saya|ku|is|:|=|-))*[ \t]*(?P<cvv>\d{3,4})(?!\d)")
#: A card's expiry after its name; the group ``expiry`` is the month and year.
EXPIRY_PATTERN = (r"\b(?:exp(?:ired|iry|ire|\.)?(?:[ \t]*date)?|valid[ \t]*(?:thru|through|until)"
                  r"|masa[ \t]*berlaku|berlaku[ \t]*(?:sampai|hingga|s/d|sd)|kadaluarsa"
                  r"|kedaluwarsa)(?:[ \t]*(?:nya|:|=|-))*[ \t]*"
                  rf"(?P<expiry>{_MONTH_YEAR})")

#: Couriers as customers write them -> the name the API returns.
COURIERS = {
    "JNE": r"jne",
    "J&T": r"j[ \t]?&[ \t]?t|j[ \t]?n[ \t]?t",
    "SiCepat": r"si[ \t]?cepat",
    "AnterAja": r"anter[ \t]?aja",
    "SPX": r"spx|shopee[ \t]?express",
    "Ninja Xpress": r"ninja(?:[ \t]?(?:xpress|express|van))?",
    "POS Indonesia": r"pos(?:[ \t]?indonesia)?",
}
# Formats that name their courier by themselves: J&T "JP1234567890", Shopee Express
# "SPXID0123456789", Ninja Xpress "NLIDAP12345678", POS Indonesia's international
# (UPU S10) "RR123456789ID".
_COURIER_FORMATS = {
    "J&T": r"J[PDXB]\d{10}",
    "SPX": r"SPXID\d{8,14}",
    "Ninja Xpress": r"N[LV]ID[A-Z0-9]{6,16}",
    "POS Indonesia": r"[A-Z]{2}\d{9}ID",
}
_COURIER_NAME = "(?:" + "|".join(f"(?:{p})" for p in COURIERS.values()) + r")\b"
_RESI_WORD = (r"(?:no(?:mor|mer)?\.?[ \t]*)?(?:resi(?:nya)?|awb)|tracking[ \t]*(?:number|no\.?"
              r"|code|id)?|airway[ \t]*bill")
# A code: 8 to 22 letters and digits with at least one digit; never a mobile number (a
# phone written after "resi" is still masked as a phone).
_RESI_CODE = r"(?!(?:\+?62|0)8\d{8,11}\b)(?=[A-Z0-9]*\d)[A-Z0-9]{8,22}\b"
#: A resi: after the word ("resi", "no. resi", "awb", "tracking number") or a courier's
#: name, or in a format of its own. Groups: ``resi_code``, ``resi_by`` / ``resi_after``
#: (the courier named before or after it), ``resi_format``.
RESI_PATTERN = (
    rf"(?:\b(?:(?:{_RESI_WORD})(?:[ \t]+(?P<resi_by>{_COURIER_NAME}))?"
    rf"|(?P<resi_by2>{_COURIER_NAME})(?:[ \t]+(?:{_RESI_WORD}))?)"
    r"(?:[ \t]*(?:saya|ku|nya|is|:|=|-|#))*[ \t]*"
    rf"(?P<resi_code>{_RESI_CODE})"
    rf"(?:[ \t]*\(?[ \t]*(?P<resi_after>{_COURIER_NAME})\)?\b)?)"
    rf"|\b(?P<resi_format>{'|'.join(_COURIER_FORMATS.values())})\b"
)

_DIGIT = re.compile(r"\d")
_LETTERS_RESI = re.compile(r"n[lv]id", re.IGNORECASE)
_INVOICE = re.compile(INVOICE_PATTERN, re.IGNORECASE)
_PHONE = re.compile(PHONE_PATTERN, re.IGNORECASE)
_RESI = re.compile(RESI_PATTERN, re.IGNORECASE)
_COURIER_NAMES = [(name, re.compile(rf"(?:{p})\Z", re.IGNORECASE))
                  for name, p in COURIERS.items()]
_COURIER_FORMAT_RES = [(name, re.compile(rf"(?:{p})\Z", re.IGNORECASE))
                       for name, p in _COURIER_FORMATS.items()]
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
def extract_entities(text):
    """Return the entities in ``text``, sorted by position, as :class:`Entity` objects.

    >>> [(e.type, e.value) for e in extract_entities("udh 5 hari, Rp150.000 blm balik")]
    [('duration', 5), ('amount', 150000)]
    """
    found = []
    # Every kind needs a digit but a duration in words and a Ninja Xpress resi ("NLID..."
    # may be all letters); most messages have neither.
    numbered = _DIGIT.search(text) is not None
    for match in _INVOICE.finditer(text) if numbered else ():
        found.append(Entity("invoice", match.group().upper(), match.start(), match.end()))
    for match in _PHONE.finditer(text) if numbered else ():
        found.append(Entity("phone", _phone_value(match.group()), match.start(), match.end()))
    for match in _RESI.finditer(text) if numbered or _LETTERS_RESI.search(text) else ():
        group = "resi_code" if match["resi_code"] is not None else "resi_format"
        code = match[group].upper()
        found.append(Entity("resi", code, match.start(group), match.end(group),
                            _courier(match, code)))
    for match in _AMOUNT.finditer(text) if numbered else ():
        found.append(Entity("amount", _amount_value(match), match.start(), match.end()))
    for match in _DURATION.finditer(text):
        found.append(Entity("duration", _duration_value(match), match.start(), match.end()))
    # A number too long for a float ("Rp999...9") is no amount or duration anyone meant.
    return _drop_overlaps([e for e in found if e.value is not None])


def _courier(match, code):
    """The courier named around a resi, else the one its format belongs to, else None."""
    named = match["resi_by"] or match["resi_by2"] or match["resi_after"]
    candidates = _COURIER_NAMES if named else _COURIER_FORMAT_RES
    return next((name for name, pattern in candidates if pattern.match(named or code)), None)


def _phone_value(raw):
    digits = re.sub(r"\D", "", raw)
    national = digits[2:] if digits.startswith("62") else digits
    return "+62" + national.removeprefix("0")  # "+62 0812...": a redundant trunk 0


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
