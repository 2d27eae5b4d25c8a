"""Queue order: feedback first, uncertainty times frequency, diversity across confusions,
the random sample interleaved, reviewed messages last."""

from datetime import datetime, timedelta

import pytest

from nlu.feedback.grouping import Group
from nlu.feedback.priorities import order_groups, reason_of, score

T0 = datetime(2026, 11, 20, 9)


def group(name, margin=0.5, count=1, fallback=None, sample=0.5, feedback=False,
          pair=("a", "b"), status="pending", minutes=0, reviewed=None):
    rows = [dict(message_id=f"{name}-{i}", has_feedback=feedback, fallback=fallback,
                 margin=margin, sample=sample, status=status, reviewed_at=reviewed,
                 created_at=T0 + timedelta(minutes=minutes),
                 ranking=[{"intent": pair[0]}, {"intent": pair[1]}]) for i in range(count)]
    return Group(rows)


def names(ordered):
    return [g.members[0]["message_id"].rsplit("-", 1)[0] for g, _, _ in ordered]


def test_score_is_uncertainty_times_frequency():
    assert score(group("x", margin=0.2)) == pytest.approx(0.8)
    assert score(group("x", margin=0.2, count=3)) == pytest.approx(0.8 * 2.098612, rel=1e-5)
    assert score(group("x", margin=1.5)) == 0.0  # clipped


def test_reasons():
    row = dict(has_feedback=False, fallback=None, margin=0.5, sample=0.5)
    assert reason_of(row, 0.2, 0.05) == "reviewed"
    assert reason_of({**row, "sample": 0.01}, 0.2, 0.05) == "sample"
    assert reason_of({**row, "margin": 0.1}, 0.2, 0.05) == "low_margin"
    assert reason_of({**row, "fallback": "ambiguous"}, 0.2, 0.05) == "fallback"
    assert reason_of({**row, "has_feedback": True, "fallback": "x"}, 0.2, 0.05) == "feedback"


def test_feedback_first_then_score_then_reviewed_latest_first():
    ordered = order_groups([
        group("late", status="confirmed", reviewed=T0 + timedelta(hours=2)),
        group("unsure", margin=0.05, pair=("c", "d")),
        group("told", margin=0.9, feedback=True),
        group("frequent", margin=0.15, count=4),
        group("early", status="relabelled", reviewed=T0 + timedelta(hours=1)),
    ], low_margin=0.2, sample_rate=0.05)
    assert names(ordered) == ["told", "frequent", "unsure", "late", "early"]
    assert [reason for *_, reason in ordered] == ["feedback", "low_margin", "low_margin",
                                                  "reviewed", "reviewed"]


def test_each_further_group_of_the_same_confusion_counts_half():
    same = [group(f"same{i}", margin=0.1, pair=("a", "b"), minutes=i) for i in range(3)]
    other = group("other", margin=0.3, pair=("c", "d"))
    assert names(order_groups(same + [other], 0.4, 0.05)) == [
        "same2", "other", "same1", "same0"]  # 0.9, 0.7, 0.45, 0.225; newest first on ties


def test_the_sample_takes_every_tenth_place_and_the_rest_at_the_end():
    doubts = [group(f"d{i}", margin=0.1, minutes=i, pair=(str(i), "x")) for i in range(11)]
    samples = [group(f"s{i}", sample=0.01, minutes=i) for i in range(3)]
    order = names(order_groups(doubts + samples, 0.2, 0.05))
    assert order.index("s2") == 9 and order[-2:] == ["s1", "s0"] and len(order) == 14
