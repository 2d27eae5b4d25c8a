"""Clarification: when the bot asks which intent the customer means, what it offers, and how
the next message picks one; and how often that helps, measured on labelled messages.
"""

__all__ = ["ClarificationPolicy", "resolve_choice", "measure_clarification",
           "sweep_ceilings"]

from dataclasses import dataclass, replace

from ..text.normalize import tokenize
from .phrases import words_of

#: Words that point at the first, second or third suggestion ("yang kedua", "the first one",
#: "2").
ORDINALS = {0: ("pertama", "kesatu", "first", "1"), 1: ("kedua", "second", "2"),
            2: ("ketiga", "third", "3")}
#: A message of at most this many words can be an ordinal ("yang kedua kak"); a longer one
#: is a sentence in which "2" is a number ("sudah 2 hari").
ORDINAL_MAX_WORDS = 3


@dataclass(frozen=True)
class ClarificationPolicy:
    """When to ask which intent the customer means instead of answering or giving up.

    The policy works from what the model says of a message: its fallback reason, its top
    confidence, and its ranking. Its parameters are the only place these choices live:

    Parameters
    ----------
    ceiling : float
        A recognized intent below this confidence is confirmed with a question first.
        Chosen on held-out predictions of the training data (``python -m
        benchmarks.conversations --held-out-folds 5``, fast profile): below 0.7 the best
        intent is right 54 to 73 % of the time and the top two hold the truth 85 to 97 %;
        raising the ceiling from 0.6 to 0.7 prevents one wrong answer for every two more
        questions, from 0.7 to 0.8 one for every five (README, "Conversations").
    floor : float
        A reply to a question that the model reads as out of scope still picks a candidate
        when the model gives that candidate at least this confidence.
    min_share : float
        A ``low_confidence`` fallback whose top intent holds at least this share of the
        ranked intents' probability is a question between its candidates (a long message
        that is partly out of scope has a low confidence however clearly it points at a few
        intents); below it (five intents alike: 0.2 each) the model has no idea and the
        customer is asked to rephrase. An ``ambiguous`` fallback is always a question, an
        ``out_of_scope`` one never.
    max_candidates : int
        At most this many suggestions (two are always offered).
    third_share : float
        A third candidate is offered when its confidence is at least this share of the
        second's: three close candidates, not two and a straggler.
    small_talk : tuple of str
        Intents that are conversation, not requests (greetings, thanks): never offered as
        a suggestion, and a message whose best intent is one is never a question ("ok"
        is answered, or asked to be rephrased, not met with "greeting or thanks?").

    >>> from nlu.model.prediction import Prediction, RankedIntent
    >>> ranking = (RankedIntent("damaged_or_wrong_item", 0.56),
    ...            RankedIntent("item_not_received", 0.28), RankedIntent("refund_return", 0.08))
    >>> policy = ClarificationPolicy()
    >>> p = Prediction("salah warna, mau tukar", None, 0.56, ranking, "low_confidence", "id", ())
    >>> policy.decide(p), [r.intent for r in policy.candidates(p)]
    ('clarify', ['damaged_or_wrong_item', 'item_not_received'])
    """

    ceiling: float = 0.7
    floor: float = 0.2
    min_share: float = 0.25
    max_candidates: int = 3
    third_share: float = 0.5
    small_talk: tuple = ()

    @classmethod
    def for_router(cls, router, **params):
        """The policy an assistant with ``router`` serves with: its small talk is never
        asked about."""
        return cls(small_talk=tuple(sorted(router.small_talk)), **params)

    def decide(self, prediction):
        """``"answer"``, ``"clarify"`` or ``"miss"`` for a prediction."""
        answer = "miss" if prediction.intent is None else "answer"
        if prediction.fallback == "out_of_scope" or len(prediction.ranking) < 2 \
                or prediction.ranking[0].intent in self.small_talk:
            return answer
        if prediction.fallback == "ambiguous":
            return "clarify"
        if prediction.fallback == "low_confidence":
            return "clarify" if _share_of_intents(prediction) >= self.min_share else "miss"
        return "clarify" if prediction.confidence < self.ceiling else "answer"

    def candidates(self, prediction):
        """The ranked intents to offer, best first: the top two, and the third when close
        (small talk left out)."""
        ranking = [r for r in prediction.ranking if r.intent not in self.small_talk]
        offered = ranking[:2]
        for ranked in ranking[2:self.max_candidates]:
            if ranked.confidence >= self.third_share * offered[-1].confidence > 0:
                offered.append(ranked)
        return tuple(offered)


def _share_of_intents(prediction):
    """The top intent's share of the ranked intents' probability: its confidence given
    that the message is about one of them (a long review that is also largely out of scope
    has a low confidence however clearly it points at an intent).

    >>> from nlu.model.prediction import Prediction, RankedIntent
    >>> ranking = (RankedIntent("a", 0.06), RankedIntent("b", 0.06), RankedIntent("c", 0.06))
    >>> round(_share_of_intents(Prediction("x", None, 0.06, ranking, "low_confidence", "id", ())), 2)
    0.33
    """
    total = sum(r.confidence for r in prediction.ranking)
    return prediction.ranking[0].confidence / total if total > 0 else 0.0


def resolve_choice(text, candidates, names, prediction, floor=0.0, *, tokens=None, words=None):
    """The candidate a reply to a clarification picks, or None.

    In order: the reply names a candidate (its suggestion label in either language, as a
    click sends it, or within a sentence: "yang barang rusak"); points at one ("yang
    kedua"); or the model's best intent for the reply is one of the candidates (with at
    least ``floor`` confidence when the model thinks the reply is out of scope).

    Parameters
    ----------
    text : str
    candidates : sequence of str
        The intents offered, in the order shown.
    names : callable
        ``names(intent)`` -> the suggestion labels of ``intent`` in every language.
    prediction : Prediction
        The model's prediction for ``text``.
    tokens, words : list of str or None
        ``tokenize(text)`` and ``words_of(text)``, when the caller has them already (a
        conversation turn computes them once).
    """
    words = words_of(text) if words is None else words
    said = f" {' '.join(words)} "
    for intent in candidates:
        if any(f" {' '.join(words_of(label))} " in said for label in names(intent)):
            return intent
    tokens = tokenize(text) if tokens is None else tokens
    if len(tokens) <= ORDINAL_MAX_WORDS:
        for index, ordinals in ORDINALS.items():
            if index < len(candidates) and set(ordinals) & set(tokens):
                return candidates[index]
    best = prediction.ranking[0] if prediction.ranking else None
    if best is not None and best.intent in candidates and (
            prediction.fallback != "out_of_scope" or best.confidence >= floor):
        return best.intent
    return None


def measure_clarification(predictions, intents, policy):
    """How a policy would treat labelled messages.

    Parameters
    ----------
    predictions : sequence of Prediction
    intents : sequence of str or None
        The true intent of each message (None: out of scope).
    policy : ClarificationPolicy

    Returns
    -------
    dict
        ``in_scope`` and ``out_of_scope`` counts; for in-scope messages ``answered``,
        ``answered_right``, ``clarified``, ``clarified_with_truth`` (the true intent is
        among the suggestions: a customer who picks it is served right),
        ``clarified_top_right`` (asked although the best intent was right: the questions'
        cost), ``missed``; for
        out-of-scope ones ``answered``, ``clarified`` and ``missed``; and the rates
        ``clarify_rate`` (share of all messages), ``suggestions_hit_rate`` (share of
        clarified in-scope messages whose suggestions hold the true intent) and
        ``served_right`` (in-scope messages answered right or clarified with the truth).
    """
    result = {"messages": 0, "in_scope": 0, "out_of_scope": 0,
              "answered": 0, "answered_right": 0, "clarified": 0, "clarified_with_truth": 0,
              "clarified_top_right": 0, "missed": 0, "oos_answered": 0, "oos_clarified": 0,
              "oos_missed": 0}
    for prediction, truth in zip(predictions, intents, strict=True):
        decision = policy.decide(prediction)
        result["messages"] += 1
        if truth is None:
            result["out_of_scope"] += 1
            key = {"answer": "oos_answered", "clarify": "oos_clarified",
                   "miss": "oos_missed"}[decision]
            result[key] += 1
            continue
        result["in_scope"] += 1
        if decision == "answer":
            result["answered"] += 1
            result["answered_right"] += prediction.ranking[0].intent == truth
        elif decision == "clarify":
            result["clarified"] += 1
            result["clarified_with_truth"] += truth in {
                r.intent for r in policy.candidates(prediction)}
            result["clarified_top_right"] += prediction.ranking[0].intent == truth
        else:
            result["missed"] += 1
    clarified_all = result["clarified"] + result["oos_clarified"]
    result["clarify_rate"] = round(clarified_all / result["messages"], 4) \
        if result["messages"] else 0.0
    result["suggestions_hit_rate"] = round(
        result["clarified_with_truth"] / result["clarified"], 4) if result["clarified"] else None
    result["served_right"] = round(
        (result["answered_right"] + result["clarified_with_truth"]) / result["in_scope"], 4) \
        if result["in_scope"] else None
    return result


def sweep_ceilings(predictions, intents, ceilings, policy=None):
    """:func:`measure_clarification` for each ceiling (the policy's other parameters kept):
    a list of ``{"ceiling", ...figures}``, what choosing the ceiling trades: wrong answers
    (``answered - answered_right``) against questions asked though the best intent was
    right (``clarified_top_right``)."""
    policy = policy or ClarificationPolicy()
    return [{"ceiling": ceiling, **measure_clarification(
        predictions, intents, replace(policy, ceiling=ceiling))} for ceiling in ceilings]
