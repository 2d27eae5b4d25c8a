"""Cohen's kappa, checked against hand-computed values and scikit-learn's."""

import pytest
from sklearn.metrics import cohen_kappa_score

from nlu.feedback.agreement import cohen_kappa


@pytest.mark.parametrize("first, second", [
    (["a", "a", "b", "b", "c"], ["a", "b", "b", "b", "c"]),
    (["x", None, None, "y", "x", "x"], ["x", None, "y", "y", "x", None]),
    (["a", "b"], ["b", "a"]),
])
def test_kappa_matches_scikit_learn(first, second):
    expected = cohen_kappa_score([str(v) for v in first], [str(v) for v in second])
    assert cohen_kappa(first, second) == pytest.approx(expected, abs=1e-4)


def test_kappa_by_hand_and_undefined_cases():
    # 20 messages: 15 agreed; both said "a" half of the time: p_e = 0.5, kappa = 0.5.
    first = ["a"] * 10 + ["b"] * 10
    second = ["a"] * 8 + ["b"] * 2 + ["a"] * 3 + ["b"] * 7
    assert cohen_kappa(first, second) == pytest.approx((0.75 - 0.5) / 0.5)
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None  # chance agreement is certain
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["a"], ["a", "b"]) is None
