"""The review queue for CS leads: what to look at and in which order, their decisions, and
the reviewed messages as training data.

A message is in the queue when someone gave feedback on it, the model fell back, its top
two intents were close (``low_margin``), or it is in the random sample of confident
answers (``sample_rate``, to measure precision); reviewed messages stay in for the views
that show them. Near-duplicates are one row (:mod:`nlu.feedback.grouping`), in the order of
:mod:`nlu.feedback.priorities`. A share of the messages (``double_rate``) is reviewed
twice, blind (:mod:`nlu.feedback.decisions`).
"""

__all__ = ["ReviewQueue", "QueuePage", "REVIEW_STATUSES"]

from typing import NamedTuple

from sqlalchemy import and_, case, exists, false, func, or_, select

from ..data.dataset import Dataset, Example
from ..errors import Problem, UnknownMessage
from ..vocabulary import NONE, OUT_OF_SCOPE
from . import decisions as history_
from .agreement import agreement
from .grouping import TextCache, group_messages
from .insights import summary
from .priorities import order_groups
from .records import check_label
from .tables import decisions, feedback, predictions, reviews

#: What the queue can be filtered on: a message's review status (pending, confirmed,
#: relabelled), "reviewed" (confirmed or relabelled), or "disagreement": reviewers' labels
#: differ.
REVIEW_STATUSES = ("pending", "confirmed", "relabelled", "reviewed", "disagreement")
SUGGESTIONS = 3


class QueuePage(NamedTuple):
    """One page of the queue: ``items`` (groups), how many groups and messages match, and
    whether only the newest ``scan_limit`` matching messages were considered."""

    items: list
    total: int
    messages: int
    truncated: bool


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
    double_rate : float
        Share of predictions two reviewers decide blind (for agreement).
    model_version : str or None
        The model serving now, recorded with each decision.
    scan_limit : int
        At most this many matching messages (the newest) are grouped and ordered.
    texts : TextCache or None
        Normalized texts and their vectors, kept between reads (a new one if None).
    """

    def __init__(self, store, labels, intent_routes, low_margin=0.2, sample_rate=0.05,
                 double_rate=0.1, model_version=None, scan_limit=5000, texts=None):
        self.store = store
        self.labels = frozenset(labels)
        self.intent_routes = dict(intent_routes)
        self.low_margin = low_margin
        self.sample_rate = sample_rate
        self.double_rate = double_rate
        self.model_version = model_version
        self.scan_limit = scan_limit
        self.texts = texts or TextCache()

    def is_double(self, sample):
        """Whether a prediction (its uniform ``sample`` draw) is reviewed twice, blind.

        The top of the draw, so that the double-review sample and the confident sample
        (the bottom) are independent."""
        return sample >= 1.0 - self.double_rate

    # -- the queue ---------------------------------------------------------------------

    def list(self, viewer=None, status=None, *, q=None, intent=None, route=None, lang=None,
             fallback=None, min_confidence=None, max_confidence=None, since=None,
             until=None, reviewer=None, limit=50, offset=0):
        """Groups of messages, most urgent first: a :class:`QueuePage`.

        ``viewer`` is the reviewer looking: a double-review message another reviewer
        decided is still pending for them, and that label is hidden. ``intent`` and
        ``route`` filter on the prediction (``out_of_scope`` for no intent, ``none`` for
        no route), ``fallback`` on its reason (``none``: answered), ``q`` on the text
        (case-insensitive), ``reviewer`` on who decided.
        """
        p = predictions
        columns = self._columns(viewer)
        conditions = [columns["in_queue"]]
        if status == "disagreement":
            conditions.append(reviews.c.disagreement.is_(True))
        elif status == "reviewed":
            conditions.append(columns["status"] != "pending")
        elif status is not None:
            conditions.append(columns["status"] == status)
        for column, value, nothing in ((p.c.intent, intent, OUT_OF_SCOPE),
                                       (p.c.route, route, NONE), (p.c.fallback, fallback, NONE)):
            if value is not None:
                conditions.append(column.is_(None) if value == nothing else column == value)
        if lang is not None:
            conditions.append(p.c.lang == lang)
        if q:
            conditions.append(p.c.text.icontains(q, autoescape=True))
        if min_confidence is not None:
            conditions.append(p.c.confidence >= min_confidence)
        if max_confidence is not None:
            conditions.append(p.c.confidence <= max_confidence)
        if since is not None:
            conditions.append(p.c.created_at >= since)
        if until is not None:
            conditions.append(p.c.created_at < until)
        if reviewer is not None:
            conditions.append(exists().where(decisions.c.message_id == p.c.message_id,
                                             decisions.c.reviewer == reviewer,
                                             decisions.c.undone_at.is_(None)))
        query = (select(*(columns[k] for k in _SELECTED))
                 .select_from(p.outerjoin(reviews, reviews.c.message_id == p.c.message_id))
                 .where(and_(*conditions))
                 .order_by(p.c.created_at.desc(), p.c.message_id)
                 .limit(self.scan_limit + 1))
        with self.store.connect() as connection:
            rows = [self._row(r) for r in connection.execute(query).mappings()]
            truncated = len(rows) > self.scan_limit
            rows = rows[:self.scan_limit]
            ordered = order_groups(group_messages(rows, cache=self.texts), self.low_margin,
                                   self.sample_rate)
            page = ordered[offset:offset + limit]
            ids = [i for group, *_ in page for i in group.message_ids]
            notes = _feedback(connection, ids)
            disputed = [g.representative["message_id"] for g, *_ in page
                        if g.representative["disagreement"]]
            standing = history_.standing_labels(connection, disputed) if disputed else {}
        items = [self._item(group, value, reason, notes, standing)
                 for group, value, reason in page]
        return QueuePage(items, len(ordered), len(rows), truncated)

    def _columns(self, viewer):
        p = predictions
        mine = (exists().where(decisions.c.message_id == p.c.message_id,
                               decisions.c.reviewer == viewer, decisions.c.undone_at.is_(None))
                if viewer is not None else false())
        awaits_viewer = and_(p.c.sample >= 1.0 - self.double_rate, reviews.c.reviewers < 2,
                             ~mine) if viewer is not None else false()
        has_feedback = exists().where(feedback.c.message_id == p.c.message_id)
        status = _status(awaits_viewer)
        in_queue = or_(has_feedback, p.c.fallback.is_not(None), p.c.margin < self.low_margin,
                       p.c.sample < self.sample_rate, reviews.c.id.is_not(None))
        return {**{c.name: c for c in p.c}, "has_feedback": has_feedback.label("has_feedback"),
                "status": status.label("status"), "in_queue": in_queue,
                "label": reviews.c.label, "reviewer": reviews.c.reviewer,
                "reviewed_at": reviews.c.created_at.label("reviewed_at"),
                "disagreement": reviews.c.disagreement, "reviewers": reviews.c.reviewers,
                "mine": mine.label("mine")}

    def _row(self, mapping):
        row = dict(mapping)
        row["has_feedback"], row["mine"] = bool(row["has_feedback"]), bool(row["mine"])
        row["disagreement"] = bool(row["disagreement"])
        if row["status"] == "pending" and row["reviewer"] is not None:
            # Decided by another reviewer, blind for this one: nothing of it is shown.
            row.update(label=None, reviewer=None, reviewed_at=None, disagreement=False)
        return row

    def _item(self, group, value, reason, notes, standing):
        rep = group.representative
        item = {k: rep[k] for k in _ITEM_FIELDS}
        item["feedback"] = sorted((n for i in group.message_ids for n in notes.get(i, ())),
                                  key=lambda n: n["created_at"])
        agent = [n for n in item["feedback"] if n["source"] == "agent"
                 and (n["correct_intent"] is not None or n["out_of_scope"])]
        ranked = [r["intent"] for r in rep["ranking"]]
        suggestions = ([rep["intent"]] if rep["intent"] else []) + ranked
        item.update(
            priority=reason, score=value, count=len(group), message_ids=group.message_ids,
            first_seen=min(m["created_at"] for m in group.members),
            double_review=self.is_double(rep["sample"]),
            suggestions=list(dict.fromkeys(suggestions))[:SUGGESTIONS],
            # What "confirm the bot" means: its intent, or out of scope when it fell back.
            default_label=rep["intent"],
            agent_suggestion={"label": agent[-1]["correct_intent"]} if agent else None,
            labels=standing.get(rep["message_id"], []))
        return item

    # -- decisions ---------------------------------------------------------------------

    def decide(self, message_id, label, reviewer, resolve=False):
        """Record a lead's decision: ``label`` is the right intent, or None for out of scope.

        Every decision is kept; the latest that stands counts. ``resolve`` settles a
        disagreement between reviewers. Returns the decision (see
        :func:`nlu.feedback.decisions.record_decision`).

        Raises
        ------
        UnknownLabel
            ``label`` is not an intent of the served model.
        UnknownMessage
        """
        return self.decide_many([message_id], label, reviewer, resolve)[0]

    def decide_many(self, message_ids, label, reviewer, resolve=False):
        """The same decision on several messages (a group, a selection), all or none."""
        check_label(label, self.labels)
        with self.store.transaction() as connection:
            return [history_.record_decision(connection, message_id, label, reviewer,
                                             model_version=self.model_version,
                                             double=self.is_double, resolve=resolve)
                    for message_id in dict.fromkeys(message_ids)]

    def undo(self, message_id, reviewer):
        """Undo ``reviewer``'s latest standing decision on ``message_id``.

        Raises
        ------
        NothingToUndo
        UnknownMessage
        """
        return self.undo_many([message_id], reviewer)[0]

    def undo_many(self, message_ids, reviewer):
        """Undo ``reviewer``'s latest decision on each message, all or none."""
        with self.store.transaction() as connection:
            return [history_.undo_decision(connection, message_id, reviewer)
                    for message_id in dict.fromkeys(message_ids)]

    def stats(self):
        """The summary of the reviews (see :func:`nlu.feedback.insights.summary`)."""
        return summary(self)

    def agreement(self):
        """Cohen's kappa per reviewer pair (see :func:`nlu.feedback.agreement.agreement`)."""
        with self.store.connect() as connection:
            return agreement(connection)

    def history(self, message_id, viewer=None):
        """``{"message_id", "decisions", "hidden"}``: every decision on the message, oldest
        first; other reviewers' decisions are ``hidden`` (counted, not shown) from a viewer
        who has still to decide a double-review message blind.

        Raises
        ------
        UnknownMessage
        """
        with self.store.connect() as connection:
            found = connection.execute(
                select(predictions.c.sample, reviews.c.reviewers)
                .select_from(predictions.outerjoin(
                    reviews, reviews.c.message_id == predictions.c.message_id))
                .where(predictions.c.message_id == message_id)).first()
            if found is None:
                raise UnknownMessage(f"unknown message_id {message_id!r}")
            rows = history_.history(connection, message_id)
        standing = {r["reviewer"] for r in rows if r["undone_at"] is None}
        blind = (viewer is not None and self.is_double(found.sample) and viewer not in standing
                 and (found.reviewers or 0) < 2)
        shown = [r for r in rows if not blind or r["reviewer"] == viewer]
        return {"message_id": message_id, "decisions": shown, "hidden": len(rows) - len(shown)}

    def pending_count(self):
        """Messages in the queue that nobody has decided yet."""
        in_queue = self._columns(None)["in_queue"]
        query = (select(func.count())
                 .select_from(predictions.outerjoin(
                     reviews, reviews.c.message_id == predictions.c.message_id))
                 .where(in_queue, reviews.c.id.is_(None)))
        with self.store.connect() as connection:
            return connection.execute(query).scalar_one()

    # -- what was reviewed ---------------------------------------------------------------

    def rejected(self):
        """The newest ``scan_limit`` messages the bot did not answer and no lead gave an
        intent to (fallbacks, and messages reviewed as out of scope): ``message_id``,
        ``text``, ``created_at``."""
        p = predictions
        query = (select(p.c.message_id, p.c.text, p.c.created_at)
                 .select_from(p.outerjoin(reviews, reviews.c.message_id == p.c.message_id))
                 .where(or_(and_(p.c.fallback.is_not(None), reviews.c.id.is_(None)),
                            and_(reviews.c.id.is_not(None), reviews.c.label.is_(None))))
                 .order_by(p.c.created_at.desc()).limit(self.scan_limit))
        with self.store.connect() as connection:
            return [dict(r) for r in connection.execute(query).mappings()]

    def reviewed(self):
        """Reviewed messages with their prediction and what counts, oldest decision first."""
        p = predictions
        query = (select(p.c.message_id, p.c.created_at, p.c.text, p.c.lang, p.c.intent,
                        p.c.top_intent, p.c.confidence, p.c.margin, p.c.route, p.c.fallback,
                        p.c.model_version, p.c.sample, p.c.ranking, reviews.c.label,
                        _status().label("status"), reviews.c.reviewer,
                        reviews.c.created_at.label("reviewed_at"), reviews.c.disagreement)
                 .join(reviews, reviews.c.message_id == p.c.message_id)
                 .order_by(reviews.c.created_at, reviews.c.id))
        with self.store.connect() as connection:
            rows = [dict(r) for r in connection.execute(query).mappings()]
        for row in rows:
            row["disagreement"] = bool(row["disagreement"])
            row["correct_route"] = self.intent_routes.get(row["label"])
        return rows

    def records_frame(self):
        """The reviewed messages as a DataFrame, oldest decision first.

        Columns: ``message_id``, ``created_at`` (of the prediction), ``text``, ``lang``,
        ``intent`` (predicted; missing when the model fell back), ``top_intent``,
        ``confidence``, ``margin``, ``route``, ``fallback``, ``model_version``, ``label``
        (the lead's intent; missing for out of scope), ``correct_route``, ``status``
        (``confirmed`` or ``relabelled``), ``misrouted``, ``reviewer``, ``reviewed_at``.
        """
        import pandas as pd

        columns = ["message_id", "created_at", "text", "lang", "intent", "top_intent",
                   "confidence", "margin", "route", "fallback", "model_version", "label",
                   "correct_route", "status", "misrouted", "reviewer", "reviewed_at"]
        rows = self.reviewed()
        for row in rows:
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
        """The reviewed messages as training data: the latest decision per distinct text.

        Messages whose reviewers disagree are held back until the disagreement is
        resolved; each is listed in the dataset's ``warnings``.
        """
        latest, held = {}, []
        for row in self.reviewed():
            if row["disagreement"]:
                held.append(Problem("review", None, f"message {row['message_id']} "
                                    f"({row['text']!r}) held back: its reviewers disagree",
                                    "warning"))
            else:
                latest[self.texts.key(row["text"])] = row
        examples = tuple(Example(r["text"], r["label"], r["lang"], None, "review", None,
                                 origin="review")
                         for key, r in latest.items() if key)
        return Dataset(examples, warnings=tuple(held))


_SELECTED = ("message_id", "created_at", "text", "lang", "intent", "top_intent", "route",
             "confidence", "margin", "fallback", "ranking", "sample", "model_version",
             "has_feedback", "status", "label", "reviewer", "reviewed_at", "disagreement",
             "reviewers", "mine")
_ITEM_FIELDS = ("message_id", "created_at", "text", "lang", "intent", "top_intent", "route",
                "confidence", "margin", "fallback", "ranking", "model_version", "status",
                "label", "reviewer", "reviewed_at", "disagreement")


def _feedback(connection, message_ids):
    notes = {}
    if not message_ids:
        return notes
    query = (select(feedback).where(feedback.c.message_id.in_(message_ids))
             .order_by(feedback.c.id))
    for row in connection.execute(query).mappings():
        notes.setdefault(row["message_id"], []).append(
            {k: row[k] for k in ("source", "correct_intent", "correct_route", "comment",
                                 "created_at")} | {"out_of_scope": bool(row["out_of_scope"])})
    return notes


def _status(awaits_viewer=None):
    """A message's review status, in SQL: pending, or whether the label that counts
    confirmed or changed the model's intent. ``awaits_viewer``, when given, is the
    condition under which a decided message is still pending for the one looking (a
    double review they have not decided); without it, the status whoever looks."""
    whens = [(reviews.c.id.is_(None), "pending")]
    if awaits_viewer is not None:
        whens.append((awaits_viewer, "pending"))
    whens.append((reviews.c.label.is_not_distinct_from(predictions.c.intent), "confirmed"))
    return case(*whens, else_="relabelled")
