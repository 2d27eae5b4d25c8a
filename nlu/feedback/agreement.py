"""Agreement between reviewers on the double-review sample: Cohen's kappa per pair.

Only blind decisions count (made without seeing the other reviewer's label), each
reviewer's latest standing one per message: agreement measured after seeing each other's
answer says nothing about how reliable the labels are.
"""

__all__ = ["agreement", "cohen_kappa"]

from collections import Counter
from itertools import combinations

from sqlalchemy import select

from .tables import decisions


def cohen_kappa(first, second):
    """Cohen's kappa of two reviewers' labels on the same messages (None: undefined,
    when chance agreement is certain, as when both always give the same single label).

    >>> cohen_kappa(["a", "a", "b", "b"], ["a", "a", "b", "a"])
    0.5
    """
    n = len(first)
    if n == 0 or n != len(second):
        return None
    observed = sum(a == b for a, b in zip(first, second)) / n
    left, right = Counter(first), Counter(second)
    expected = sum(left[label] * right[label] for label in left) / (n * n)
    if expected == 1.0:
        return None
    return round((observed - expected) / (1.0 - expected), 4)


def agreement(connection):
    """``[{"reviewers": [a, b], "messages", "agreed", "observed", "kappa"}]`` per pair of
    reviewers with blind decisions on the same messages, most messages first."""
    rows = connection.execute(
        select(decisions.c.message_id, decisions.c.reviewer, decisions.c.label)
        .where(decisions.c.blind.is_(True), decisions.c.undone_at.is_(None))
        .order_by(decisions.c.id)).all()
    labels = {}
    for row in rows:
        labels.setdefault(row.message_id, {})[row.reviewer] = row.label  # the latest wins
    pairs = {}
    for by_reviewer in labels.values():
        for a, b in combinations(sorted(by_reviewer), 2):
            pairs.setdefault((a, b), []).append((by_reviewer[a], by_reviewer[b]))
    result = []
    for (a, b), answers in pairs.items():
        first, second = [x for x, _ in answers], [y for _, y in answers]
        agreed = sum(x == y for x, y in answers)
        result.append({"reviewers": [a, b], "messages": len(answers), "agreed": agreed,
                       "observed": round(agreed / len(answers), 4),
                       "kappa": cohen_kappa(first, second)})
    return sorted(result, key=lambda r: (-r["messages"], r["reviewers"]))
