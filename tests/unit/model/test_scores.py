"""The scope figures, defined once and used by training, evaluation and the sweep."""

import math

import pytest

from nlu.model.scores import scope_scores


def test_scope_figures():
    scores = scope_scores(expected=["a", "a", "b", "b", None, None, None],
                          predicted=["a", None, "a", "b", None, None, "b"],
                          top=["a", "b", "a", "b", "a", "b", "b"])
    assert scores["in_scope_accuracy"] == pytest.approx(2 / 4)
    assert scores["in_scope_false_reject"] == pytest.approx(1 / 4)
    assert scores["out_of_scope_recall"] == pytest.approx(2 / 3)
    assert scores["in_scope_top1_accuracy"] == pytest.approx(2 / 4)


def test_a_kind_absent_from_the_data_has_no_figure():
    assert scope_scores(["a"], ["a"])["out_of_scope_recall"] is None
    only_oos = scope_scores([None, None], [None, "a"])
    assert only_oos["in_scope_accuracy"] is None
    assert only_oos["out_of_scope_recall"] == 0.5


def test_nan_is_no_intent_as_pandas_writes_it():
    assert scope_scores([math.nan, "a"], [None, math.nan]) == {
        "in_scope_accuracy": 0.0, "in_scope_false_reject": 1.0, "out_of_scope_recall": 1.0}
