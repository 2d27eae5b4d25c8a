"""The review queue for CS leads: what to look at first, their decisions, and the summary.

Priority: messages with feedback, then fallbacks, then low-margin predictions, then a
random sample of confident ones (to catch confident mistakes).
"""

__all__ = ["ReviewQueue", "REVIEW_STATUSES", "PRIORITIES"]

from collections import Counter

from sqlalchemy import and_, case, exists, func, insert, or_, select

from ..data.dataset import Dataset, Example
from ..errors import UnknownMessage
from ..text.normalize import Normalizer
from ..vocabulary import NONE, OUT_OF_SCOPE, intent_label, route_label
from .records import check_label
from .tables import feedback, predictions, reviews, utcnow

REVIEW_STATUSES = ("pending", "confirmed", "relabelled")
PRIORITIES = ("feedback", "fallback", "low_margin", "sample")


class ReviewQueue:
    """Review operations over a :class:`~nlu.feedback.store.Store`.

    Parameters
    ----------
    store : Store
    labels : sequence of str
        The intents of the served model: the labels a decision may give.
    intent_routes : dict
        ``{intent: route}`` of the served model, to tell misroutes from mislabels.
    low_margin : float
        Predictions whose top two intents are closer than this are worth a look.
    sample_rate : float
        Share of confident predictions sampled into the queue.
    """

    def __init__(self, store, labels, intent_routes, low_margin=0.2, sample_rate=0.05):
        self.store = store
        self.labels = frozenset(labels)
        self.intent_routes = dict(intent_routes)
        self.low_margin = low_margin
        self.sample_rate = sample_rate

    def _columns(self):
        p = predictions
        has_feedback = exists().where(feedback.c.message_id == p.c.message_id)
        priority = case((has_feedback, 0), (p.c.fallback.is_not(None), 1),
                        (p.c.margin < self.low_margin, 2), else_=3)
        status = _status()
        in_queue = or_(has_feedback, p.c.fallback.is_not(None), p.c.margin < self.low_margin,
                       p.c.sample < self.sample_rate, reviews.c.id.is_not(None))
        return priority, status, in_queue

    def list(self, status=None, intent=None, route=None, lang=None, since=None, until=None,
             limit=50, offset=0):
        """Queue items, most urgent first: ``(items, total)``; ``intent``/``route`` filter
        on the prediction (``out_of_scope`` for no intent, ``none`` for no route)."""
        p = predictions
        priority, status_column, in_queue = self._columns()
        conditions = [in_queue]
        if status is not None:
            conditions.append(status_column == status)
        for column, value, nothing in ((p.c.intent, intent, OUT_OF_SCOPE),
                                       (p.c.route, route, NONE)):
            if value is not None:
                conditions.append(column.is_(None) if value == nothing else column == value)
        if lang is not None:
            conditions.append(p.c.lang == lang)
        if since is not None:
            conditions.append(p.c.created_at >= since)
        if until is not None:
            conditions.append(p.c.created_at < until)
        joined = p.outerjoin(reviews, reviews.c.message_id == p.c.message_id)
        where = and_(*conditions)
        query = (select(p.c.message_id, p.c.created_at, p.c.text, p.c.lang, p.c.intent,
                        p.c.top_intent, p.c.route, p.c.confidence, p.c.margin, p.c.fallback,
                        p.c.ranking, priority.label("priority"), status_column.label("status"),
                        reviews.c.label, reviews.c.reviewer, reviews.c.created_at.label(
                            "reviewed_at"))
                 .select_from(joined).where(where)
                 .order_by(priority, p.c.created_at.desc(), p.c.message_id)
                 .limit(limit).offset(offset))
        with self.store.connect() as connection:
            rows = [dict(r) for r in connection.execute(query).mappings()]
            total = connection.execute(select(func.count()).select_from(joined)
                                       .where(where)).scalar_one()
            notes = self._feedback(connection, [r["message_id"] for r in rows])
        for row in rows:
            row["priority"] = PRIORITIES[row["priority"]]
            row["feedback"] = notes.get(row["message_id"], [])
        return rows, total

    @staticmethod
    def _feedback(connection, message_ids):
        if not message_ids:
            return {}
        notes = {}
        query = (select(feedback).where(feedback.c.message_id.in_(message_ids))
                 .order_by(feedback.c.id))
        for row in connection.execute(query).mappings():
            notes.setdefault(row["message_id"], []).append(
                {k: row[k] for k in ("source", "correct_intent", "correct_route", "comment",
                                     "created_at")})
        return notes

    def decide(self, message_id, label, reviewer):
        """Record a lead's decision: ``label`` is the right intent, or None for out of scope.

        A later decision on the same message replaces the earlier one.

        Raises
        ------
        UnknownLabel
            ``label`` is not an intent of the served model.
        UnknownMessage
        """
        check_label(label, self.labels)
        values = dict(label=label, out_of_scope=label is None, reviewer=reviewer,
                      created_at=utcnow())
        with self.store.transaction() as connection:
            if connection.execute(select(predictions.c.message_id).where(
                    predictions.c.message_id == message_id)).first() is None:
                raise UnknownMessage(f"unknown message_id {message_id!r}")
            updated = connection.execute(reviews.update().where(
                reviews.c.message_id == message_id).values(**values)).rowcount
            if not updated:
                connection.execute(insert(reviews).values(message_id=message_id, **values))
        return values

    def _reviewed(self):
        query = (select(predictions.c.message_id, predictions.c.text, predictions.c.lang,
                        predictions.c.intent, predictions.c.route, reviews.c.label,
                        reviews.c.created_at)
                 .join(reviews, reviews.c.message_id == predictions.c.message_id)
                 .order_by(reviews.c.created_at))
        with self.store.connect() as connection:
            return [dict(r) for r in connection.execute(query).mappings()]

    def stats(self):
        """Misroutes by predicted -> correct pair and by route, per-intent accuracy on the
        reviewed messages, misroutes per route per day, and the queue's size."""
        rows = self._reviewed()
        pairs, by_route, per_day, per_intent = Counter(), Counter(), Counter(), {}
        for row in rows:
            predicted, correct = row["intent"], row["label"]
            correct_route = self.intent_routes.get(correct)
            if predicted != correct:
                pairs[(intent_label(predicted), intent_label(correct))] += 1
            if row["route"] != correct_route:
                by_route[(route_label(row["route"]), route_label(correct_route))] += 1
                day = row["created_at"].date().isoformat()
                per_day[(day, route_label(row["route"]))] += 1
            entry = per_intent.setdefault(intent_label(correct), {"reviewed": 0, "correct": 0})
            entry["reviewed"] += 1
            entry["correct"] += predicted == correct
        for entry in per_intent.values():
            entry["accuracy"] = round(entry["correct"] / entry["reviewed"], 4)
        _, pending = self.list(status="pending", limit=0)
        with self.store.connect() as connection:
            n_predictions = connection.execute(select(func.count()).select_from(
                predictions)).scalar_one()
            n_feedback = connection.execute(select(func.count()).select_from(
                feedback)).scalar_one()
        return {
            "predictions": n_predictions,
            "feedback": n_feedback,
            "reviewed": len(rows),
            "pending": pending,
            "misclassified": sum(pairs.values()),
            "misrouted": sum(by_route.values()),
            "confused_pairs": [{"predicted": a, "correct": b, "count": n}
                               for (a, b), n in pairs.most_common()],
            "misroutes_by_route": [{"predicted_route": a, "correct_route": b, "count": n}
                                   for (a, b), n in by_route.most_common()],
            "misroutes_per_day": [{"day": d, "route": r, "count": n}
                                  for (d, r), n in sorted(per_day.items())],
            "per_intent": per_intent,
        }

    def records_frame(self):
        """The reviewed messages as a DataFrame, oldest decision first.

        Columns: ``message_id``, ``created_at`` (of the prediction), ``text``, ``lang``,
        ``intent`` (predicted; missing when the model fell back), ``top_intent``,
        ``confidence``, ``margin``, ``route``, ``fallback``, ``model_version``, ``label``
        (the lead's intent; missing for out of scope), ``correct_route``, ``status``
        (``confirmed`` or ``relabelled``), ``misrouted``, ``reviewer``, ``reviewed_at``.
        """
        import pandas as pd

        p = predictions
        query = (select(p.c.message_id, p.c.created_at, p.c.text, p.c.lang, p.c.intent,
                        p.c.top_intent, p.c.confidence, p.c.margin, p.c.route, p.c.fallback,
                        p.c.model_version, reviews.c.label, _status().label("status"),
                        reviews.c.reviewer, reviews.c.created_at.label("reviewed_at"))
                 .join(reviews, reviews.c.message_id == p.c.message_id)
                 .order_by(reviews.c.created_at, reviews.c.id))
        columns = ["message_id", "created_at", "text", "lang", "intent", "top_intent",
                   "confidence", "margin", "route", "fallback", "model_version", "label",
                   "correct_route", "status", "misrouted", "reviewer", "reviewed_at"]
        with self.store.connect() as connection:
            rows = [dict(r) for r in connection.execute(query).mappings()]
        for row in rows:
            row["correct_route"] = self.intent_routes.get(row["label"])
            row["misrouted"] = row["route"] != row["correct_route"]
        return pd.DataFrame(rows, columns=columns)

    def feedback_frame(self):
        """Feedback on predictions as a DataFrame, oldest first, with the prediction.

        Columns: ``id``, ``message_id``, ``source``, ``correct_intent``,
        ``correct_route``, ``comment``, ``created_at`` (of the feedback), ``text``,
        ``lang``, ``intent``, ``route``, ``confidence``, ``fallback`` (of the prediction).
        """
        import pandas as pd

        p, f = predictions, feedback
        query = (select(f.c.id, f.c.message_id, f.c.source, f.c.correct_intent,
                        f.c.correct_route, f.c.comment, f.c.created_at, p.c.text, p.c.lang,
                        p.c.intent, p.c.route, p.c.confidence, p.c.fallback)
                 .join(p, p.c.message_id == f.c.message_id)
                 .order_by(f.c.created_at, f.c.id))
        with self.store.connect() as connection:
            rows = [dict(r) for r in connection.execute(query).mappings()]
        return pd.DataFrame(rows, columns=[c.name for c in query.selected_columns])

    def reviewed_dataset(self):
        """The reviewed messages as training data: the latest decision per distinct text."""
        normalize = Normalizer()
        latest = {}
        for row in self._reviewed():
            latest[normalize(row["text"])] = row
        examples = tuple(Example(r["text"], r["label"], r["lang"], None, "review", None)
                         for r in latest.values() if normalize(r["text"]))
        return Dataset(examples)


def _status():
    """A message's review status, in SQL: pending, or whether the lead's label confirmed
    or changed the model's intent (the one definition of it)."""
    return case((reviews.c.id.is_(None), "pending"),
                (reviews.c.label.is_not_distinct_from(predictions.c.intent), "confirmed"),
                else_="relabelled")
