"""The order of the review queue: the groups most likely to show the model's mistakes first.

Active learning by uncertainty and frequency: a group's score is the model's uncertainty
on it (one minus the margin between its top two intents, the least sure member counting)
times how often such messages arrive (``1 + ln(count)``), so one frequent doubtful message
outranks a single odd one. Then:

* groups with feedback (a customer or an agent said something) come first;
* diversity: within the rest, each further group whose top two guesses are the same pair
  of intents as a group already placed has its score halved again, so one confusion does
  not fill the page;
* a random sample of confident answers keeps every ``sample_every``-th place, so that
  precision can be measured on messages the model was sure about;
* messages already reviewed (in the views that show them) follow, latest decision first.
"""

__all__ = ["order_groups", "reason_of", "REASONS"]

import math

#: Why a message is in the queue, most urgent first.
REASONS = ("feedback", "fallback", "low_margin", "sample", "reviewed")


def reason_of(row, low_margin, sample_rate):
    """Why ``row`` (a stored prediction with ``has_feedback``) is in the queue."""
    if row["has_feedback"]:
        return "feedback"
    if row["fallback"] is not None:
        return "fallback"
    if row["margin"] < low_margin:
        return "low_margin"
    if row["sample"] < sample_rate:
        return "sample"
    return "reviewed"


def uncertainty(group):
    """One minus the smallest margin between the top two intents in ``group``, in [0, 1]."""
    return min(1.0, max(0.0, 1.0 - min(m["margin"] for m in group.members)))


def score(group):
    """Uncertainty times ``1 + ln(count)``."""
    return round(uncertainty(group) * (1.0 + math.log(len(group))), 6)


def order_groups(groups, low_margin, sample_rate, sample_every=10, decay=0.5):
    """``[(group, score, reason)]`` in review order (see the module docstring).

    >>> from datetime import datetime
    >>> from nlu.feedback.grouping import Group
    >>> def member(margin, sample=0.5, fallback=None, count=1, ranking=("a", "b")):
    ...     row = dict(has_feedback=False, fallback=fallback, margin=margin, sample=sample,
    ...                status="pending", reviewed_at=None, created_at=datetime(2026, 1, 1),
    ...                ranking=[{"intent": i} for i in ranking])
    ...     return Group([row] * count)
    >>> single, frequent = member(0.05), member(0.1, count=5)
    >>> [(s, r) for _, s, r in order_groups([single, frequent], 0.2, 0.05)]
    [(2.348494, 'low_margin'), (0.95, 'low_margin')]
    """
    placed = []
    for group in groups:
        reasons = [reason_of(m, low_margin, sample_rate) for m in group.members]
        pending = group.representative["status"] == "pending"
        reason = min(reasons, key=REASONS.index) if pending else "reviewed"
        placed.append((group, score(group), reason))
    tiers = {reason: [p for p in placed if p[2] == reason] for reason in REASONS}
    urgent = _by_score(tiers["feedback"])
    uncertain = _diversified(tiers["fallback"] + tiers["low_margin"], decay)
    samples = sorted(tiers["sample"], key=lambda p: _newest(p[0]), reverse=True)
    reviewed = sorted(tiers["reviewed"], key=lambda p: _decided(p[0]), reverse=True)
    return urgent + _interleave(uncertain, samples, sample_every) + reviewed


def _by_score(placed):
    """Highest score first; the newest first among equal scores."""
    ordered = sorted(placed, key=lambda p: _newest(p[0]), reverse=True)
    return sorted(ordered, key=lambda p: -p[1])


def _newest(group):
    return group.representative["created_at"]


def _decided(group):
    return group.representative["reviewed_at"] or group.representative["created_at"]


def _diversified(placed, decay):
    """Sort by score, each score multiplied by ``decay`` per group of the same confusion
    (top two intents) ranked above it."""
    by_pair = {}
    for item in _by_score(placed):
        by_pair.setdefault(_confusion(item[0]), []).append(item)
    weighted = [(value * decay ** rank, position, item)
                for position, items in enumerate(by_pair.values())
                for rank, item in enumerate(items) for value in [item[1]]]
    return [item for *_, item in sorted(weighted, key=lambda w: (-w[0], w[1]))]


def _confusion(group):
    ranking = group.representative["ranking"]
    return tuple(r["intent"] for r in ranking[:2])


def _interleave(items, samples, every):
    """``items`` with one of ``samples`` at every ``every``-th place, the rest at the end."""
    result, samples = [], list(samples)
    for item in items:
        if samples and (len(result) + 1) % every == 0:
            result.append(samples.pop(0))
        result.append(item)
    return result + samples
