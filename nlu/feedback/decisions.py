"""Review decisions and their history: record, undo, and what counts for a message.

Every decision is a row of ``decisions`` (who, when, from which label to which, the model
serving then); undo marks a row undone and never deletes it. What counts for a message is
kept in ``reviews``, rewritten from the history in the same transaction:

* the label is the latest decision that stands (not undone);
* the reviewers disagree when the latest labels of two reviewers differ, counting only
  from the latest decision that ``resolves`` a disagreement;
* a message of the double-review sample (``double``) is decided blind by two reviewers:
  neither sees the other's label until both have decided.

The functions take a connection inside a transaction (:meth:`Store.transaction`).
"""

__all__ = ["record_decision", "undo_decision", "history", "standing_labels"]

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from ..errors import NothingToUndo, UnknownMessage
from .tables import decisions, predictions, reviews, utcnow


def record_decision(connection, message_id, label, reviewer, *, model_version=None,
                    double=None, resolve=False):
    """Record ``reviewer``'s ``label`` (None: out of scope) for ``message_id``.

    ``double(sample)`` tells whether a prediction is in the double-review sample.
    Returns the decision with ``previous_label`` (what counted before: the last label, or
    the model's intent), ``blind``, ``disagreement`` and ``others`` (the labels other
    reviewers gave: told once this reviewer has decided, blind or not).

    Raises
    ------
    UnknownMessage
    """
    now = utcnow()
    prediction = _lock(connection, message_id)
    try:
        decision_id = connection.execute(insert(decisions).values(
            message_id=message_id, reviewer=reviewer, label=label, created_at=now,
            model_version=model_version, resolves=resolve)).inserted_primary_key[0]
    except IntegrityError:
        raise UnknownMessage(f"unknown message_id {message_id!r}") from None
    # What counted before is read now, after the write: on SQLite the insert took the one
    # write lock, on PostgreSQL the prediction's row lock is held.
    current = connection.execute(select(reviews.c.label).where(
        reviews.c.message_id == message_id)).first()
    previous = current.label if current is not None else prediction.intent
    others = {r.reviewer: r.label for r in _standing(connection, message_id)
              if r.reviewer != reviewer}
    blind = bool(double and double(prediction.sample)) and not resolve and len(others) < 2
    connection.execute(decisions.update().where(decisions.c.id == decision_id).values(
        previous_label=previous, blind=blind))
    state = _restate(connection, message_id)
    return {"id": decision_id, "message_id": message_id, "label": label,
            "out_of_scope": label is None, "reviewer": reviewer, "created_at": now,
            "previous_label": previous, "model_version": model_version, "blind": blind,
            "resolves": resolve, "disagreement": state["disagreement"],
            "others": [{"reviewer": name, "label": other}
                       for name, other in sorted(others.items())]}


def undo_decision(connection, message_id, reviewer):
    """Undo ``reviewer``'s latest standing decision on ``message_id``.

    Returns the decision undone and what counts now (``label``, ``status``: pending when
    no decision stands any more).

    Raises
    ------
    NothingToUndo
    """
    _lock(connection, message_id)
    latest = connection.execute(
        select(decisions).where(decisions.c.message_id == message_id,
                                decisions.c.reviewer == reviewer,
                                decisions.c.undone_at.is_(None))
        .order_by(decisions.c.id.desc()).limit(1)).mappings().first()
    if latest is None:
        raise NothingToUndo(f"{reviewer} has no decision on message {message_id!r} to undo")
    now = utcnow()
    connection.execute(decisions.update().where(decisions.c.id == latest["id"]).values(
        undone_at=now, undone_by=reviewer))
    state = _restate(connection, message_id)
    return {"message_id": message_id, "undone": {**latest, "undone_at": now,
                                                 "undone_by": reviewer},
            "label": state["label"], "pending": state["pending"]}


def history(connection, message_id):
    """Every decision on ``message_id``, oldest first (undone ones included)."""
    query = (select(decisions).where(decisions.c.message_id == message_id)
             .order_by(decisions.c.id))
    return [dict(r) for r in connection.execute(query).mappings()]


def standing_labels(connection, message_ids):
    """``{message_id: [{"reviewer", "label"}]}``: each reviewer's latest standing label,
    from the latest resolving decision on (what a disagreement is made of)."""
    rows = connection.execute(
        select(decisions.c.message_id, decisions.c.reviewer, decisions.c.label,
               decisions.c.resolves)
        .where(decisions.c.message_id.in_(list(message_ids)), decisions.c.undone_at.is_(None))
        .order_by(decisions.c.id)).all()
    by_message = {}
    for row in rows:
        by_message.setdefault(row.message_id, []).append(row)
    return {message_id: [{"reviewer": r.reviewer, "label": r.label}
                         for r in _latest_per_reviewer(items)]
            for message_id, items in by_message.items()}


def _lock(connection, message_id):
    """The prediction, locked for the rest of the transaction on PostgreSQL, so that two
    reviewers deciding at once both see each other's decision when ``reviews`` is
    rewritten (SQLite has only one writer at a time). Taken before anything is written:
    the foreign key check of an insert share-locks the row, and two transactions holding
    that lock would each wait for the other's."""
    prediction = connection.execute(
        select(predictions.c.intent, predictions.c.sample)
        .where(predictions.c.message_id == message_id).with_for_update()).first()
    if prediction is None:
        raise UnknownMessage(f"unknown message_id {message_id!r}")
    return prediction


def _standing(connection, message_id):
    rows = connection.execute(
        select(decisions.c.reviewer, decisions.c.label, decisions.c.resolves)
        .where(decisions.c.message_id == message_id, decisions.c.undone_at.is_(None))
        .order_by(decisions.c.id)).all()
    return _latest_per_reviewer(rows)


def _latest_per_reviewer(rows):
    """Of decisions in order, each reviewer's latest from the latest resolving one on."""
    start = max((i for i, r in enumerate(rows) if r.resolves), default=0)
    latest = {}
    for row in rows[start:]:
        latest.pop(row.reviewer, None)  # keep the order of the latest decisions
        latest[row.reviewer] = row
    return list(latest.values())


def _restate(connection, message_id):
    """Rewrite the ``reviews`` row of ``message_id`` from its standing decisions."""
    standing = connection.execute(
        select(decisions).where(decisions.c.message_id == message_id,
                                decisions.c.undone_at.is_(None))
        .order_by(decisions.c.id)).all()
    where = reviews.c.message_id == message_id
    if not standing:
        connection.execute(reviews.delete().where(where))
        return {"label": None, "pending": True, "disagreement": False}
    latest = standing[-1]
    labels = {r.label for r in _latest_per_reviewer(standing)}
    values = dict(label=latest.label, out_of_scope=latest.label is None,
                  reviewer=latest.reviewer, created_at=latest.created_at,
                  reviewers=len({r.reviewer for r in standing}),
                  disagreement=len(labels) > 1)
    if not connection.execute(reviews.update().where(where).values(**values)).rowcount:
        connection.execute(insert(reviews).values(message_id=message_id, **values))
    return {"label": latest.label, "pending": False, "disagreement": values["disagreement"]}
