import pytest

from nlu.text.language import LanguageDetector
from nlu.vocabulary import LANGUAGES


@pytest.fixture(scope="module")
def detect():
    return LanguageDetector()


@pytest.mark.parametrize(
    "text",
    [
        "Selamat pagi, pesanan saya belum sampai padahal sudah lewat 3 hari",
        "paket gw blm nyampe",
        "UDAH 2 MINGGU PAKET SAYA GA SAMPE2",
        "kak gimana cara ganti alamat pengiriman?",
    ],
)
def test_indonesian(detect, text):
    assert detect(text) == "id"


@pytest.mark.parametrize(
    "text",
    [
        "My package still hasn't arrived and it's been over a week",
        "How do I cancel my order?",
        "I want a refund please",
        "my order not yet arrive",
    ],
)
def test_english(detect, text):
    assert detect(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "mau cancel dong, my payment is already done",
        "order saya belum arrive, please check",
        "tolong cek my order status dong",
    ],
)
def test_code_mixed(detect, text):
    assert detect(text) == "mixed"


@pytest.mark.parametrize("text", ["🙏🙏", "👍", "JP1234567890", "", "?!"])
def test_default_when_no_marker_word(text):
    assert LanguageDetector()(text) == "id"
    assert LanguageDetector(default="en")(text) == "en"


def test_one_loanword_in_a_long_message_is_not_code_mixing(detect):
    text = "tolong cek pesanan saya yang belum sampai dari kemarin ya, please"
    assert detect(text) == "id"
    assert LanguageDetector(min_share=0.05)(text) == "mixed"


def test_answers_are_the_declared_languages(detect):
    assert LANGUAGES == ("id", "en", "mixed")
    texts = ["halo", "hello", "halo hello", "🙂"]
    assert {detect(t) for t in texts} <= set(LANGUAGES)


@pytest.mark.parametrize("text", ["gak bisa login ke akun saya", "refund saya belum masuk",
                                  "voucher gak bisa dipake pas checkout",
                                  "kenapa kode otp tidak masuk", "mau cancel order dong"])
def test_loanwords_do_not_make_an_indonesian_message_mixed(detect, text):
    assert detect(text) == "id"


def test_loanwords_mark_neither_language(detect):
    assert detect("login refund voucher") == "id"  # no marker word: the default
    assert detect("I cannot login to my account") == "en"


def test_markers_count_the_evidence_of_each_language():
    detect = LanguageDetector()
    assert detect.markers("paket saya belum sampai") == (4, 0)
    assert detect.markers("where is my package") == (0, 4)
    assert detect.markers("INV/20261103/MPL/3456789012 😡") == (0, 0)
