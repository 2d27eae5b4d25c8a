"""mask_text: personal data out, the words a classifier and a CS lead need kept in."""

import pytest

from nlu.text.privacy import mask_text


@pytest.mark.parametrize("text, expected", [
    # Indonesian mobile numbers in the forms customers type them.
    ("hp saya 081234567890", "hp saya [PHONE]"),
    ("wa 0812-3456-7890 ya", "wa [PHONE] ya"),
    ("telp 0812 3456 7890", "telp [PHONE]"),
    ("hubungi +6281234567890", "hubungi [PHONE]"),
    ("hubungi +62 812 3456 7890", "hubungi [PHONE]"),
    ("hubungi +62-812-3456-7890", "hubungi [PHONE]"),
    ("no 62812-3456-7890", "no [PHONE]"),
    # Emails, including dots, plus signs and sub-domains.
    ("email budi.santoso@gmail.com", "email [EMAIL]"),
    ("kirim ke siti+toko@mail.co.id dong", "kirim ke [EMAIL] dong"),
    # NIK: exactly sixteen digits.
    ("nik 3174012345678901", "nik [NIK]"),
    # Card numbers grouped by four, with spaces or dashes.
    ("kartu 4111 1111 1111 1111", "kartu [CARD]"),
    ("kartu 5500-0000-0000-0004 ditolak", "kartu [CARD] ditolak"),
    # Bank accounts: 8 to 20 digits that are not a phone, a NIK or a card.
    ("rek bca 1234567890", "rek bca [ACCOUNT]"),
    ("rekening 123-456-7890 a.n. budi", "rekening [ACCOUNT] a.n. budi"),
])
def test_masks_personal_data(text, expected):
    assert mask_text(text) == expected


def test_masks_every_kind_in_one_message():
    text = ("sy budi, hp +62 812-3456-7890, email budi@mail.com, nik 3174012345678901, "
            "rek 9876543210, kartu 4111 1111 1111 1111")
    assert mask_text(text) == ("sy budi, hp [PHONE], email [EMAIL], nik [NIK], "
                               "rek [ACCOUNT], kartu [CARD]")


def test_a_bare_sixteen_digit_card_number_is_masked_as_nik():
    # Both are personal data; which placeholder wins does not matter, that it is masked does.
    assert mask_text("kartu 4111111111111111") == "kartu [NIK]"


def test_invoices_are_masked_unless_kept():
    text = "pesanan INV/20261103/MPL/3456789012 belum sampai"
    assert mask_text(text) == "pesanan [INVOICE] belum sampai"
    assert mask_text(text, keep_invoices=True) == text


def test_a_kept_invoice_does_not_shield_a_phone_number_next_to_it():
    text = "INV/20261103/MPL/3456789012 hub 081234567890"
    assert mask_text(text, keep_invoices=True) == "INV/20261103/MPL/3456789012 hub [PHONE]"


@pytest.mark.parametrize("text", [
    "pengembalian dana Rp150.000 belum masuk",
    "no resi JP1234567890 kok gak update",
    "pesanan tgl 12/11/2026 jam 14.30",
    "voucher DISKON50 tidak bisa dipakai",
    "kode otp 123456 ga masuk",
    "mau cancel order yg kemarin",
    "<script>alert(1)</script>",
])
def test_leaves_ordinary_text_alone(text):
    assert mask_text(text) == text


def test_empty_text():
    assert mask_text("") == ""
