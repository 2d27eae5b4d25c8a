"""Reply texts and the bilingual texts of the domain files."""

from pathlib import Path

import pytest

from nlu.assistant.replies import Replies, bilingual, load_replies, reply_language
from nlu.data.yamlfile import read_yaml
from nlu.errors import DataError


@pytest.mark.parametrize("lang, expected", [("en", "en"), ("id", "id"), ("mixed", "id")])
def test_mixed_and_indonesian_messages_are_answered_in_indonesian(lang, expected):
    assert reply_language(lang) == expected


def test_replies_fill_their_placeholders_and_name_intents():
    replies = Replies({"wait": {"id": "Tunggu {days} hari", "en": "Wait {days} days"}},
                      {"cancel_order": {"id": "Batalkan pesanan", "en": "Cancel an order"}})
    assert replies.say("wait", "en", days=2) == "Wait 2 days"
    assert replies.name("cancel_order", "id") == "Batalkan pesanan"
    assert replies.name("unnamed", "en") == "unnamed"


def test_bilingual_texts_need_both_languages_and_say_where(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("a:\n  id: halo\n  en: hello\nb:\n  id: halo\n  fr: bonjour\n",
                    encoding="utf-8")
    doc, _ = read_yaml(path)
    assert bilingual(doc, "a", path, "greeting") == ({"id": "halo", "en": "hello"}, [])
    value, problems = bilingual(doc, "b", path, "greeting")
    assert value is None
    assert [str(p) for p in problems] == [f"{path}:4: greeting: missing or empty 'en' text",
                                          f"{path}:6: greeting: unknown language 'fr'"]


def test_options_are_quoted_and_joined_in_the_reply_language():
    replies = Replies({"or": {"id": "atau", "en": "or"}}, {})
    assert replies.options(["A", "B"], "id") == "“A” atau “B”"
    assert replies.options(["A", "B", "C"], "en") == "“A”, “B” or “C”"
    assert replies.options(["A"], "en") == "“A”"


def test_a_reply_file_without_quick_replies_or_a_new_reply_says_so(tmp_path):
    text = (Path(__file__).resolve().parents[3] / "data" / "replies.yaml").read_text("utf-8")
    broken = text.replace('  days:\n    id: ["Belum', '  dayz:\n    id: ["Belum')
    broken = broken.replace("  frustrated:\n", "  frustrated_:\n")
    path = tmp_path / "replies.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(DataError) as error:
        load_replies(path)
    messages = [p.message for p in error.value.problems]
    assert "reply 'frustrated' is missing" in messages
    assert "unknown reply 'frustrated_'" in messages
    assert "quick_replies 'days': expected texts for 'id' and 'en'" in messages
    assert "unknown quick_replies 'dayz'" in messages
