import numpy as np
import pytest

from nlu.model.fallback import Thresholds, choose_thresholds, decide
from nlu.vocabulary import FALLBACK_REASONS

CLASSES = ["cancel_order", "greeting", "out_of_scope", "track_order"]
OOS = "out_of_scope"


def decide_rows(rows, thresholds, oos_label=OOS):
    top, reasons = decide(np.array(rows), CLASSES, thresholds, oos_label)
    return [CLASSES[i] for i in top], reasons


def test_accepts_a_confident_clear_winner():
    assert decide_rows([[0.9, 0.05, 0.02, 0.03]], Thresholds(0.5, 0.2)) == (
        ["cancel_order"], [None])


def test_low_confidence_below_the_threshold_given_in_scope():
    # Without the out-of-scope column: cancel_order 0.45 / 0.9 = 0.5, track_order 0.44.
    assert decide_rows([[0.45, 0.05, 0.1, 0.4]], Thresholds(0.55, 0.0)) == (
        ["cancel_order"], ["low_confidence"])
    assert decide_rows([[0.45, 0.05, 0.1, 0.4]], Thresholds(0.5, 0.0))[1] == [None]


def test_exactly_at_the_threshold_is_accepted():
    assert decide_rows([[0.5, 0.0, 0.0, 0.5]], Thresholds(0.5, 0.0))[1] == [None]


def test_ambiguous_when_the_second_intent_is_too_close():
    assert decide_rows([[0.1, 0.48, 0.02, 0.4]], Thresholds(0.3, 0.1)) == (
        ["greeting"], ["ambiguous"])


def test_low_confidence_wins_over_ambiguous():
    assert decide_rows([[0.3, 0.29, 0.11, 0.3]], Thresholds(0.5, 0.1))[1] == ["low_confidence"]


def test_out_of_scope_when_its_probability_reaches_the_level():
    row = [[0.1, 0.05, 0.8, 0.05]]
    top, reasons = decide_rows(row, Thresholds(0.0, 0.0, out_of_scope=0.8))
    assert reasons == ["out_of_scope"]
    # The real top intent is kept, never the out-of-scope class itself.
    assert top == ["cancel_order"]
    # Below the level the message is in scope, even with the out-of-scope class on top.
    assert decide_rows(row, Thresholds(0.0, 0.0, out_of_scope=0.9)) == (
        ["cancel_order"], [None])


def test_out_of_scope_wins_over_the_other_reasons():
    assert decide_rows([[0.3, 0.01, 0.39, 0.3]], Thresholds(0.9, 0.5, 0.3))[1] == [
        "out_of_scope"]


def test_the_out_of_scope_column_does_not_count_as_the_second_intent():
    # greeting 0.5, then out-of-scope 0.45, then a real intent at 0.03: not ambiguous.
    assert decide_rows([[0.03, 0.5, 0.45, 0.02]], Thresholds(0.4, 0.2)) == (
        ["greeting"], [None])


def test_rows_are_decided_independently():
    rows = [[0.9, 0.05, 0.02, 0.03], [0.1, 0.05, 0.8, 0.05], [0.3, 0.3, 0.1, 0.3],
            [0.05, 0.55, 0.1, 0.3]]
    top, reasons = decide_rows(rows, Thresholds(0.5, 0.2))
    assert top[0] == "cancel_order" and top[3] == "greeting"
    assert reasons == [None, "out_of_scope", "low_confidence", None]
    assert set(FALLBACK_REASONS) == {"low_confidence", "ambiguous", "out_of_scope"}


def test_without_an_out_of_scope_class():
    classes = ["a", "b"]
    top, reasons = decide(np.array([[0.7, 0.3], [0.52, 0.48]]), classes, Thresholds(0.5, 0.1),
                          oos_label="out_of_scope")
    assert top.tolist() == [0, 0]
    assert reasons == [None, "ambiguous"]


# -- choose_thresholds ---------------------------------------------------------------------

CHOOSE_CLASSES = ["a", "b", OOS]


def test_the_level_is_chosen_between_real_in_scope_and_out_of_scope_messages():
    # In-scope messages the out-of-scope class likes (0.75) and out-of-scope ones it is
    # sure of (0.95): the level that rejects the latter and not the former.
    proba = np.array([[0.9, 0.08, 0.02]] * 20 + [[0.2, 0.05, 0.75]] * 4 + [[0.03, 0.02, 0.95]] * 6)
    labels = ["a"] * 24 + [OOS] * 6
    chosen = choose_thresholds(proba, CHOOSE_CLASSES, labels, OOS, max_false_reject=0.1)
    assert 0.75 < chosen.out_of_scope <= 0.95
    _, reasons = decide(proba, CHOOSE_CLASSES, chosen, OOS)
    assert reasons[:24] == [None] * 24 and reasons[24:] == ["out_of_scope"] * 6


def test_choose_thresholds_respects_max_false_reject():
    # The out-of-scope rows can only be told apart by rejecting 1 in 11 in-scope rows.
    proba = np.array([[0.9, 0.06, 0.04]] * 10 + [[0.1, 0.2, 0.7]] + [[0.1, 0.2, 0.7]] * 5)
    labels = ["a"] * 10 + ["b"] + [OOS] * 5
    for limit in (0.04, 0.1):
        chosen = choose_thresholds(proba, CHOOSE_CLASSES, labels, OOS, max_false_reject=limit)
        _, reasons = decide(proba, CHOOSE_CLASSES, chosen, OOS)
        rejected = sum(r is not None for r, y in zip(reasons, labels) if y != OOS)
        assert rejected / 11 <= limit
    assert rejected == 1  # the looser limit allows it, and it is worth it


def test_novel_share_raises_the_threshold_for_out_of_scope_messages_never_seen():
    # Out-of-scope rows the class catches (0.9), whose best intent given in scope is 0.6;
    # in-scope rows are sure (0.95). Counted also as never seen, they call for a threshold.
    proba = np.array([[0.95, 0.04, 0.01]] * 30 + [[0.06, 0.04, 0.9]] * 10)
    labels = ["a"] * 30 + [OOS] * 10
    never_seen = proba.copy()
    never_seen[30:] = [[0.6, 0.4, 0.0]]  # the same rows with nothing for the class

    def rejects_never_seen(chosen):
        _, reasons = decide(never_seen, CHOOSE_CLASSES, chosen, OOS)
        assert reasons[:30] == [None] * 30
        return all(r is not None for r in reasons[30:])

    assert not rejects_never_seen(choose_thresholds(proba, CHOOSE_CLASSES, labels, OOS))
    assert rejects_never_seen(choose_thresholds(proba, CHOOSE_CLASSES, labels, OOS,
                                                novel_share=0.5))


def test_choose_thresholds_without_out_of_scope_examples_rejects_nothing_right():
    proba = np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.7, 0.3, 0.0]])
    chosen = choose_thresholds(proba, CHOOSE_CLASSES, ["a", "b", "a"], OOS)
    assert (chosen.threshold, chosen.margin) == (0.0, 0.0)
    _, reasons = decide(proba, CHOOSE_CLASSES, chosen, OOS)
    assert reasons == [None] * 3


@pytest.mark.parametrize("name", ["threshold", "margin", "out_of_scope"])
def test_thresholds_are_frozen(name):
    with pytest.raises(AttributeError):
        setattr(Thresholds(0.5, 0.1), name, 0.2)


def test_few_out_of_scope_examples_weigh_as_a_fifth_of_the_traffic():
    # 90 in-scope rows answered right at 0.6, 3 out-of-scope rows at 0.5, and 4 in-scope
    # rows (answered right) at 0.45. Rejecting the out-of-scope rows costs 4 in-scope ones:
    # not worth it counted as they are, worth it weighed as 20 % of the traffic.
    classes = ["a", "b", "c"]
    proba = np.array([[0.6, 0.2, 0.2]] * 90 + [[0.45, 0.3, 0.25]] * 4
                     + [[0.5, 0.25, 0.25]] * 3)
    y = np.array(["a"] * 94 + ["out_of_scope"] * 3, dtype=object)

    def rejected(chosen):
        _, reasons = decide(proba, classes, chosen, "out_of_scope")
        return [r is not None for r in reasons]

    weighed = rejected(choose_thresholds(proba, classes, y, "out_of_scope",
                                         max_false_reject=0.05))
    assert all(weighed[-3:]) and not any(weighed[:90])
    counted = rejected(choose_thresholds(proba, classes, y, "out_of_scope",
                                         max_false_reject=0.05, min_oos_share=0.0))
    assert not any(counted)
