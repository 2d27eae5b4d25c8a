import pytest

from nlu.text.normalize import Normalizer, load_slang, tokenize


@pytest.fixture(scope="module")
def normalize():
    return Normalizer()


def test_lowercases(normalize):
    assert normalize("HALO Kak, Pesanan SAYA") == "halo kakak pesanan saya"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("bangeeet", "banget"),
        ("lamaaa bangeeet", "lama banget"),
        ("tolonggggg", "tolong"),
        ("BANGEEET", "banget"),
        # Two identical letters are real spelling, not emphasis.
        ("maaf", "maaf"),
        ("saat", "saat"),
    ],
)
def test_collapses_letters_repeated_three_times_or_more(normalize, text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("barang2", "barang barang"),
        ("Barang2 rusak", "barang barang rusak"),
        ("apa2", "apa apa"),
        ("ga nyampe2", "tidak sampai sampai"),
    ],
)
def test_spells_out_reduplication_written_with_2(normalize, text, expected):
    assert normalize(text) == expected


def test_only_a_word_followed_by_2_is_reduplication():
    assert tokenize("x2 mp3 tahun 2026 hp2") == ["x", "2", "mp", "3", "tahun", "2026", "hp", "hp"]


@pytest.mark.parametrize(
    "slang, canonical",
    [
        ("gk", "tidak"), ("ga", "tidak"), ("gak", "tidak"), ("nggak", "tidak"),
        ("blm", "belum"), ("belom", "belum"),
        ("udh", "sudah"), ("udah", "sudah"),
        ("brg", "barang"),
        ("gmn", "bagaimana"), ("gimana", "bagaimana"),
        ("sy", "saya"), ("aku", "saya"), ("gw", "saya"),
        ("pls", "tolong"),
    ],
)
def test_expands_slang(normalize, slang, canonical):
    assert normalize(slang) == canonical
    assert normalize(slang.upper()) == canonical


def test_slang_expansion_in_a_sentence(normalize):
    assert normalize("Paket gw blm nyampe udh 5 hari min") == \
        "paket saya belum sampai sudah 0 hari admin"


def test_slang_may_expand_to_several_words(normalize):
    assert normalize("makasih gan") == "terima kasih agan"


def test_custom_lexicon_replaces_the_packaged_one():
    assert Normalizer(slang={"yg": "which"})("yg gk") == "which gk"


def test_packaged_lexicon_keys_are_single_lowercase_tokens():
    for key in load_slang():
        assert tokenize(key) == [key], key


@pytest.mark.parametrize(
    "text, expected",
    [
        ("5 hari", "0 hari"),
        ("udah 14 hari", "sudah 0 hari"),
        ("Rp150.000", "rp 0 0"),
        ("INV/20261103/MPL/3456789012", "inv 0 mpl 0"),
    ],
)
def test_collapses_every_number_to_0(normalize, text, expected):
    assert normalize(text) == expected


def test_numbers_of_any_length_normalize_alike(normalize):
    assert normalize("sudah 3 hari") == normalize("sudah 30 hari") == normalize("sudah 1000 hari")


@pytest.mark.parametrize(
    "text",
    [
        "cek https://www.tokopedia.com/order/123?x=1 dong",
        "cek http://tokopedia.com dong",
        "cek www.example.com/a/b dong",
        "cek tokopedia.link/AbC123 dong",
    ],
)
def test_replaces_urls_with_one_token(normalize, text):
    assert normalize(text) == "cek url dong"


def test_replaces_email_addresses(normalize):
    assert normalize("email sy budi.s+toko@gmail.com ya") == "email saya email ya"


def test_keeps_emoji_as_tokens(normalize):
    assert tokenize("makasih 🙏 kak 👍👍") == ["makasih", "🙏", "kak", "👍", "👍"]
    assert normalize("makasih 🙏") == "terima kasih 🙏"


def test_drops_punctuation(normalize):
    assert normalize("halo!!! apa?? kabar...") == "halo apa kabar"


def test_texts_that_differ_only_in_chat_style_normalize_alike(normalize):
    assert normalize("Batalin   pesanan!!") == normalize("batalin pesanan")
    assert normalize("gk bs login") == normalize("tidak bisa login")


def test_empty_and_symbol_only_texts_normalize_to_empty(normalize):
    assert normalize("") == ""
    assert normalize("?!... ---") == ""
