"""Phrases found as whole normalized words."""

from nlu.assistant.phrases import Phrases, words_of


def test_phrases_match_their_slang_spellings_and_whole_words_only():
    phrases = Phrases(["tidak becus", "parah"])
    assert "gk becus bgt" in phrases and "GAAA BECUS" in phrases
    assert "paraho" not in phrases and "becus" not in phrases


def test_the_longest_phrase_wins_and_phrases_do_not_overlap():
    words = words_of("udah lama banget, lama sekali")
    assert Phrases(["lama", "lama banget"]).find(words) == [(1, 3), (3, 4)]


def test_phrases_occur_in_the_words_a_caller_normalized_once():
    phrases = Phrases(["tidak becus", "parah"])
    assert phrases.occur_in(words_of("gk becus bgt")) and not phrases.occur_in(words_of("becus"))
