"""What the reviews say about the model, in words a CS lead uses.

* :func:`summary`: how much is reviewed, and how often the bot was wrong, with answers
  (a wrong intent, a wrong route) counted apart from fallbacks (not understood: rightly
  out of scope, or missed);
* :func:`insights`: the intents the bot mixes up (with example messages), misroutes per
  route per day and fallbacks per day, how often the bot is right when it is sure (the
  random sample of confident answers: the only unbiased estimate of precision), the
  out-of-scope topics that keep coming back (clusters of rejected messages), and what the
  training data lacks (:mod:`nlu.data.quality`).
"""

__all__ = ["summary", "insights", "training_report"]

from collections import Counter

from sqlalchemy import func, select

from ..data.quality import similar_intents, thin_intents
from ..vocabulary import NONE, intent_label, route_label
from .tables import feedback, predictions
from .topics import recurring_topics

EXAMPLES = 3


def summary(queue):
    """Counts over the store and the reviewed messages (a dict of plain values)."""
    rows = queue.reviewed()
    answered = [r for r in rows if r["fallback"] is None]
    fallbacks = [r for r in rows if r["fallback"] is not None]
    misroutes = Counter((route_label(r["route"]), route_label(r["correct_route"]))
                        for r in answered if r["route"] != r["correct_route"])
    sure = _sample(queue, rows)
    with queue.store.connect() as connection:
        n_predictions = connection.execute(select(func.count()).select_from(
            predictions)).scalar_one()
        n_feedback = connection.execute(select(func.count()).select_from(
            feedback)).scalar_one()
    correct = sum(r["label"] == r["intent"] for r in sure)
    return {
        "predictions": n_predictions,
        "feedback": n_feedback,
        "pending": queue.pending_count(),
        "reviewed": len(rows),
        "disagreements": sum(r["disagreement"] for r in rows),
        "answered": len(answered),
        "wrong_intent": sum(r["label"] != r["intent"] for r in answered),
        "misrouted": sum(misroutes.values()),
        "fallbacks": len(fallbacks),
        "fallbacks_out_of_scope": sum(r["label"] is None for r in fallbacks),
        "fallbacks_missed": sum(r["label"] is not None for r in fallbacks),
        "sure_reviewed": len(sure),
        "sure_correct": correct,
        "sure_precision": round(correct / len(sure), 4) if sure else None,
        "misroutes_by_route": [{"predicted_route": a, "correct_route": b, "count": n}
                               for (a, b), n in misroutes.most_common()],
    }


def training_report(dataset):
    """What the training data lacks (a dict: ``examples``, ``too_few``, ``too_similar``);
    computed once per version of the data, it takes a second on a few thousand examples."""
    return {"examples": len(dataset), "too_few": thin_intents(dataset),
            "too_similar": similar_intents(dataset)}


def insights(queue, training=None):
    """Everything the insights panel shows; ``training`` is the :func:`training_report`
    of the training data (or None when it is not at hand)."""
    rows = queue.reviewed()
    return {
        "confused_intents": _confused(rows),
        "misroutes_per_day": _misroutes_per_day(rows),
        "fallbacks_per_day": _fallbacks_per_day(rows),
        "precision_when_sure": _precision(_sample(queue, rows)),
        "recurring_out_of_scope": recurring_topics(queue.rejected()),
        "agreement": queue.agreement(),
        "training": training,
    }


def _sample(queue, rows):
    """Reviewed confident answers of the random sample (not drawn there for doubt)."""
    return [r for r in rows if r["fallback"] is None and r["sample"] < queue.sample_rate
            and r["margin"] >= queue.low_margin]


def _confused(rows):
    """Answered messages whose intent the lead changed, by (bot's, lead's) pair."""
    pairs = {}
    for row in rows:
        if row["fallback"] is None and row["label"] != row["intent"]:
            key = (intent_label(row["intent"]), intent_label(row["label"]))
            pairs.setdefault(key, []).append(row["text"])
    ranked = sorted(pairs.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [{"predicted": a, "correct": b, "count": len(texts),
             "examples": list(dict.fromkeys(reversed(texts)))[:EXAMPLES]}
            for (a, b), texts in ranked]


def _misroutes_per_day(rows):
    """Per day (of the message) and route the bot chose: answers reviewed, misrouted."""
    days = {}
    for row in rows:
        if row["fallback"] is None:
            entry = days.setdefault((row["created_at"].date().isoformat(),
                                     route_label(row["route"])), [0, 0])
            entry[0] += 1
            entry[1] += row["route"] != row["correct_route"]
    return [{"day": day, "route": route, "reviewed": n, "misrouted": bad}
            for (day, route), (n, bad) in sorted(days.items())]


def _fallbacks_per_day(rows):
    """Per day: fallbacks reviewed, rightly out of scope, and missed (with the routes the
    customers should have been sent to)."""
    days = {}
    for row in rows:
        if row["fallback"] is not None:
            entry = days.setdefault(row["created_at"].date().isoformat(),
                                    {"reviewed": 0, "out_of_scope": 0, "missed": Counter()})
            entry["reviewed"] += 1
            if row["label"] is None:
                entry["out_of_scope"] += 1
            else:
                entry["missed"][route_label(row["correct_route"]) or NONE] += 1
    return [{"day": day, "reviewed": e["reviewed"], "out_of_scope": e["out_of_scope"],
             "missed": sum(e["missed"].values()), "missed_routes": dict(e["missed"])}
            for day, e in sorted(days.items())]


def _precision(sure):
    """Per intent the bot answered with confidence: of the sampled answers reviewed, how
    many were right."""
    by_intent = {}
    for row in sure:
        entry = by_intent.setdefault(row["intent"], [0, 0])
        entry[0] += 1
        entry[1] += row["label"] == row["intent"]
    return [{"intent": intent, "reviewed": n, "correct": right,
             "precision": round(right / n, 4)}
            for intent, (n, right) in sorted(by_intent.items(), key=lambda kv: -kv[1][0])]
