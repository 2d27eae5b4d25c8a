import pytest

from nlu.text.entities import ENTITY_TYPES, Entity, extract_entities


def found(text):
    """``[(type, value, text[start:end])]`` so each test also checks the offsets."""
    return [(e.type, e.value, text[e.start:e.end]) for e in extract_entities(text)]


# -- invoices ------------------------------------------------------------------------------


def test_invoice_with_offsets():
    text = "Pesanan INV/20261103/MPL/3456789012 belum sampai"
    (entity,) = extract_entities(text)
    assert entity == Entity("invoice", "INV/20261103/MPL/3456789012", 8, 35)
    assert text[entity.start:entity.end] == "INV/20261103/MPL/3456789012"


def test_invoice_is_uppercased_but_offsets_point_at_what_was_written():
    text = "inv/20261103/mpl/3456789012"
    assert found(text) == [("invoice", "INV/20261103/MPL/3456789012", text)]


@pytest.mark.parametrize(
    "text",
    [
        "INV//MPL/",  # customers paste the template without the numbers
        "INV/2026/MPL/3456789012",  # the date has eight digits
        "INV/20261103/MPL/",
        "XINV/20261103/MPL/3456789012",
    ],
)
def test_incomplete_invoices_are_not_invoices(text):
    assert all(t != "invoice" for t, _, _ in found(text))


# -- phones --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "081234567890",
        "0812-3456-7890",
        "0812 3456 7890",
        "+6281234567890",
        "+62 812-3456-7890",
        "+62 812 3456 7890",
        "6281234567890",
        "0812.3456.7890",
        "0812/3456/7890",
        "(0812) 3456 7890",
        "(+62) 812-3456-7890",
        "+62 (812) 3456-7890",
        "+62 0812 3456 7890",
        "+62.812.3456.7890",
    ],
)
def test_indonesian_phone_numbers_are_normalized_to_plus_62(raw):
    text = f"nomor baru sy {raw} ya kak"
    assert found(text) == [("phone", "+6281234567890", raw)]


def test_short_phone_number():
    assert found("wa 08123456789") == [("phone", "+628123456789", "08123456789")]


@pytest.mark.parametrize(
    "text",
    [
        "0812345",  # too short
        "021 5551234",  # a landline, not a mobile number
        "x081234567890",  # glued to a word
        "12081234567890",  # inside a longer number
    ],
)
def test_not_phone_numbers(text):
    assert all(t != "phone" for t, _, _ in found(text))


# -- amounts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, value",
    [
        ("Rp150.000", 150_000),
        ("Rp 150.000", 150_000),
        ("Rp. 25.000", 25_000),
        ("Rp 1.250.000,00", 1_250_000),
        ("Rp50.000,-", 50_000),
        ("Rp 1,250,000", 1_250_000),
        ("rp 2jt", 2_000_000),
        ("Rp1,5jt", 1_500_000),
        ("Rp 2,5 juta", 2_500_000),
        ("150rb", 150_000),
        ("150 ribu", 150_000),
        ("1,5jt", 1_500_000),
        ("1.5jt", 1_500_000),
        ("2 juta", 2_000_000),
        ("50k", 50_000),
        ("50K", 50_000),
        ("IDR 50000", 50_000),
        ("idr 75.000", 75_000),
    ],
)
def test_rupiah_amounts_as_integers(raw, value):
    text = f"sudah bayar {raw} tapi belum masuk"
    assert found(text) == [("amount", value, raw)]
    assert isinstance(extract_entities(text)[0].value, int)


@pytest.mark.parametrize(
    "text",
    [
        "harga 150.000",  # no currency and no magnitude: could be anything
        "kode50k",  # inside a word
        "abc150rbxyz",
        "order 12345",
    ],
)
def test_not_amounts(text):
    assert all(t != "amount" for t, _, _ in found(text))


# -- durations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, days",
    [
        ("5 hari", 5),
        ("5hari", 5),
        ("seminggu", 7),
        ("sepekan", 7),
        ("sehari", 1),
        ("dua hari", 2),
        ("2 minggu", 14),
        ("sebulan", 30),
        ("3 days", 3),
        ("a week", 7),
        ("2 weeks", 14),
        ("2x24 jam", 2),
        ("3 x 24 jam", 3),
        ("48 jam", 2),
        ("36 jam", 1.5),
    ],
)
def test_durations_in_days(raw, days):
    text = f"udah {raw} belum dibalas"
    assert found(text) == [("duration", days, raw)]


@pytest.mark.parametrize(
    "text",
    [
        "tunggu 10 menit",  # minutes are not a waiting time worth a duration
        "udah 5harian",
        "kode ABC123hari",
        "hari ini",
        "minggu lalu",
    ],
)
def test_not_durations(text):
    assert all(t != "duration" for t, _, _ in found(text))


# -- resi (tracking numbers) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "no resi JP1234567890",
        "nomor resi JP1234567890",
        "no. resi: jp1234567890",
        "resinya JP1234567890 kok ga gerak",
        "resi saya JP1234567890",
        "tracking number JP1234567890",
        "awb JP1234567890",
    ],
)
def test_resi_when_the_message_says_it_is_one(text):
    assert [(t, v) for t, v, _ in found(text)] == [("resi", "JP1234567890")]
    (entity,) = extract_entities(text)
    assert text[entity.start:entity.end].upper() == "JP1234567890"


@pytest.mark.parametrize(
    "text, code, courier",
    [
        # Named couriers, the code after the name (with or without "resi").
        ("resi jne CGK1A01234567890 belum update", "CGK1A01234567890", "JNE"),
        ("no resi JNE: 0123456789012345", "0123456789012345", "JNE"),
        ("resi j&t JP1234567890 ga gerak", "JP1234567890", "J&T"),
        ("jnt JD0123456789 nyangkut", "JD0123456789", "J&T"),
        ("resi sicepat 004123456789", "004123456789", "SiCepat"),
        ("si cepat 000987654321 kok lama", "000987654321", "SiCepat"),
        ("resi anteraja 10000123456789", "10000123456789", "AnterAja"),
        ("resi 10000123456789 (anteraja) belum sampai", "10000123456789", "AnterAja"),
        ("shopee express SPXID0123456789 telat", "SPXID0123456789", "SPX"),
        ("resi ninja xpress NLIDAP12345678", "NLIDAP12345678", "Ninja Xpress"),
        ("resi pos indonesia P2201010012345", "P2201010012345", "POS Indonesia"),
        # Formats that name their courier without the word.
        ("JP1234567890 kok ga gerak2 ya", "JP1234567890", "J&T"),
        ("SPXID0123456789 blm sampe", "SPXID0123456789", "SPX"),
        ("paket NLIDAP12345678 dimana", "NLIDAP12345678", "Ninja Xpress"),
        ("resi ninja NLIDABCDEFGH", "NLIDABCDEFGH", "Ninja Xpress"),  # no digit at all
        ("kiriman RR123456789ID dari luar", "RR123456789ID", "POS Indonesia"),
        # A resi without a known courier.
        ("awb 9912345678 blm update", "9912345678", None),
    ],
)
def test_resi_with_its_courier(text, code, courier):
    (entity,) = [e for e in extract_entities(text) if e.type == "resi"]
    assert (entity.value, entity.courier) == (code, courier)
    assert text[entity.start:entity.end].upper() == code


@pytest.mark.parametrize(
    "text",
    [
        "kode ABC12345",  # no word, no courier, no format of a courier's own
        "resi JNE belum update",  # no code at all
        "nomor resi 12345",  # too short
        "kantor pos dekat rumah",
    ],
)
def test_no_resi_without_the_word_a_courier_or_a_courier_format(text):
    assert all(t != "resi" for t, _, _ in found(text))


def test_a_phone_number_written_after_resi_stays_a_phone():
    assert found("no resi 081234567890") == [("phone", "+6281234567890", "081234567890")]


def test_only_a_resi_has_a_courier():
    text = "resi jne CGK1A01234567890, INV/20261103/MPL/3456789012, wa 08123456789"
    assert [(e.type, e.courier) for e in extract_entities(text)] == [
        ("resi", "JNE"), ("invoice", None), ("phone", None)]


# -- several entities, overlaps ------------------------------------------------------------


def test_several_entities_sorted_by_position():
    text = "Rp150.000 udh 5 hari, INV/20261103/MPL/3456789012, wa 08123456789, no resi JP1234567890"
    assert found(text) == [
        ("amount", 150_000, "Rp150.000"),
        ("duration", 5, "5 hari"),
        ("invoice", "INV/20261103/MPL/3456789012", "INV/20261103/MPL/3456789012"),
        ("phone", "+628123456789", "08123456789"),
        ("resi", "JP1234567890", "JP1234567890"),
    ]


def test_digits_of_an_invoice_are_not_a_phone_number():
    text = "INV/20261103/MPL/0812345678901"
    assert found(text) == [("invoice", "INV/20261103/MPL/0812345678901", text)]


def test_entities_never_overlap():
    text = "INV/20261103/MPL/0812345678901 rp 2jt 3x24 jam no resi 081234567890 50k"
    spans = sorted((e.start, e.end) for e in extract_entities(text))
    assert len(spans) >= 4
    assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:]))


def test_numbers_inside_words_are_not_entities():
    assert extract_entities("order12345678901 kode50k ABC5hari") == []


def test_plain_message_has_no_entities():
    assert extract_entities("halo kak, mau tanya dong") == []
    assert extract_entities("") == []


def test_entity_types_are_declared():
    text = "INV/20261103/MPL/3456789012 08123456789 Rp5.000 2 hari resi JP1234567890"
    assert {e.type for e in extract_entities(text)} == set(ENTITY_TYPES)
