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


def test_low_confidence_below_the_threshold():
    assert decide_rows([[0.45, 0.05, 0.1, 0.4]], Thresholds(0.5, 0.0)) == (
        ["cancel_order"], ["low_confidence"])


def test_exactly_at_the_threshold_is_accepted():
    assert decide_rows([[0.5, 0.0, 0.25, 0.25]], Thresholds(0.5, 0.0))[1] == [None]


def test_ambiguous_when_the_second_intent_is_too_close():
    assert decide_rows([[0.1, 0.48, 0.02, 0.4]], Thresholds(0.3, 0.1)) == (
        ["greeting"], ["ambiguous"])


def test_low_confidence_wins_over_ambiguous():
    assert decide_rows([[0.3, 0.29, 0.11, 0.3]], Thresholds(0.5, 0.1))[1] == ["low_confidence"]


def test_out_of_scope_when_the_out_of_scope_class_is_on_top():
    top, reasons = decide_rows([[0.1, 0.05, 0.8, 0.05]], Thresholds(0.0, 0.0))
    assert reasons == ["out_of_scope"]
    # The real top intent is kept, never the out-of-scope class itself.
    assert top == ["cancel_order"]


def test_out_of_scope_wins_over_the_other_reasons():
    assert decide_rows([[0.3, 0.01, 0.39, 0.3]], Thresholds(0.9, 0.5))[1] == ["out_of_scope"]


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


def held_out(n_confident=10):
    """Confident right answers, one right answer at 0.55, and five out-of-scope messages
    whose best real intent gets 0.6 (the out-of-scope column is never on top)."""
    rows = [[0.9, 0.06, 0.04]] * n_confident + [[0.55, 0.33, 0.12]] + [[0.6, 0.27, 0.13]] * 5
    labels = ["a"] * n_confident + ["a"] + [OOS] * 5
    return np.array(rows), labels


def test_choose_thresholds_rejects_out_of_scope_when_it_may():
    proba, labels = held_out()
    chosen = choose_thresholds(proba, CHOOSE_CLASSES, labels, OOS, max_false_reject=0.1)
    # The lowest threshold above 0.6 on the 0.02 grid.
    assert chosen == Thresholds(0.62, 0.0)
    _, reasons = decide(proba, CHOOSE_CLASSES, chosen, OOS)
    assert all(r is not None for r in reasons[-5:])
    assert reasons[:10] == [None] * 10


def test_choose_thresholds_respects_max_false_reject():
    proba, labels = held_out()
    # Rejecting the out-of-scope rows would also reject 1 in 11 in-scope rows (9%).
    chosen = choose_thresholds(proba, CHOOSE_CLASSES, labels, OOS, max_false_reject=0.04)
    _, reasons = decide(proba, CHOOSE_CLASSES, chosen, OOS)
    in_scope_rejected = sum(r is not None for r, y in zip(reasons, labels) if y != OOS)
    assert in_scope_rejected / 11 <= 0.04
    assert chosen == Thresholds(0.0, 0.0)  # ties go to the lowest values


def test_choose_thresholds_separates_out_of_scope_when_it_costs_nothing():
    proba = np.array([[0.95, 0.03, 0.02]] * 20 + [[0.4, 0.35, 0.25]] * 4)
    labels = ["a"] * 20 + [OOS] * 4
    chosen = choose_thresholds(proba, CHOOSE_CLASSES, labels, OOS)
    _, reasons = decide(proba, CHOOSE_CLASSES, chosen, OOS)
    assert reasons[:20] == [None] * 20
    assert all(r in ("low_confidence", "ambiguous") for r in reasons[20:])


def test_choose_thresholds_without_out_of_scope_examples_rejects_nothing_right():
    proba = np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.7, 0.3, 0.0]])
    chosen = choose_thresholds(proba, CHOOSE_CLASSES, ["a", "b", "a"], OOS)
    assert chosen == Thresholds(0.0, 0.0)


@pytest.mark.parametrize("name", ["threshold", "margin"])
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
