"""The responder: turns a prediction into the bot's reply, with the knowledge base, the
router and the reply texts; and its loader from a domain folder."""

__all__ = ["Reply", "Responder", "load_responder", "DOMAIN_FILES"]

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataError, Problem
from .conversation import MAX_MISSES, ConversationState
from .knowledge import load_knowledge_base
from .replies import load_replies, reply_language
from .router import load_router

DOMAIN_FILES = {"knowledge": "kb/articles.yaml", "routes": "routes.yaml",
                "replies": "replies.yaml"}


@dataclass(frozen=True)
class Reply:
    """The bot's answer to one message."""

    text: str
    lang: str
    intent: str | None
    confidence: float
    route: str | None
    steps: tuple = ()
    reason: str = ""
    kb_article: dict | None = None
    suggestions: tuple = ()
    handoff: bool = False
    urgent: bool = False
    fallback: str | None = None
    entities: tuple = field(default=())


class Responder:
    """Turn a prediction into a reply, using the knowledge base and the router.

    On a miss (no intent and no close article) the customer is asked to rephrase, with the
    top two intents as suggestions when the miss is ambiguous; the second consecutive miss
    hands over to live chat. A hit resets the count.
    """

    def __init__(self, knowledge, router, replies):
        self.knowledge = knowledge
        self.router = router
        self.replies = replies

    def respond_many(self, predictions, states=None):
        """:meth:`respond` to each prediction with its state (a fresh conversation where
        ``states`` or its item is None), searching the knowledge base once for the batch."""
        predictions = list(predictions)
        states = [ConversationState() if s is None else s
                  for s in (states if states is not None else [None] * len(predictions))]
        searched = [i for i, p in enumerate(predictions) if self._needs_articles(p)]
        rankings = dict(zip(searched, self.knowledge.search_many(
            [predictions[i].text for i in searched], limit=len(self.knowledge))))
        return [self.respond(p, s, rankings.get(i))
                for i, (p, s) in enumerate(zip(predictions, states))]

    def respond(self, prediction, state=ConversationState(), ranked=None):
        """``(Reply, new ConversationState)`` for a :class:`~nlu.model.prediction.Prediction`.

        ``ranked`` is the knowledge base's ranking of every article for this text (from
        :meth:`KnowledgeBase.search_many`), when the caller searched a batch at once.
        """
        lang = reply_language(prediction.lang)
        common = dict(lang=lang, confidence=prediction.confidence, fallback=prediction.fallback,
                      entities=prediction.entities)
        if ranked is None and self._needs_articles(prediction):
            ranked = self.knowledge.search(prediction.text, limit=len(self.knowledge))
        if prediction.intent is not None:
            return self._hit(prediction, lang, common, ranked), ConversationState()
        match = self.knowledge.best_of(ranked)
        if match is not None:
            article, score = match
            text = f"{self.replies.say('kb_answer', lang)}\n{article.body[lang]}"
            return Reply(text, intent=None, route="answer", reason=f"closest knowledge-base "
                         f"article {article.id!r} (score {score:.2f})",
                         kb_article=_article(article, lang, score), **common), ConversationState()
        misses = state.misses + 1
        if misses >= MAX_MISSES:
            reply = Reply(self.replies.say("handoff", lang), intent=None, route="live_chat",
                          steps=self.router.steps("live_chat", lang), handoff=True,
                          reason=f"{misses} consecutive messages not understood", **common)
            return reply, ConversationState()
        suggestions = ()
        if prediction.fallback == "ambiguous":
            suggestions = tuple({"intent": r.intent, "label": self.replies.name(r.intent, lang)}
                                for r in prediction.ranking[:2])
            text = self.replies.say("rephrase_suggestions", lang, first=suggestions[0]["label"],
                                    second=suggestions[1]["label"])
        else:
            text = self.replies.say("rephrase", lang)
        reply = Reply(text, intent=None, route=None, suggestions=suggestions,
                      reason=f"not understood ({prediction.fallback})", **common)
        return reply, ConversationState(misses)

    def _needs_articles(self, prediction):
        """Whether the reply may come from the knowledge base: a miss, or an intent
        answered by the bot (routed to ``answer``, or not routed at all)."""
        return prediction.intent is None or \
            self.router.intent_routes.get(prediction.intent, "answer") == "answer"

    def _answer_article(self, prediction, ranked):
        """The article that answers an ``answer`` intent: the closest article when it is
        close enough and about this intent (or general), else the intent's own article."""
        best, score = ranked[0]
        if score >= self.knowledge.min_score and best.intent in (None, prediction.intent):
            return best, score
        article = self.knowledge.for_intent(prediction.intent)
        return article, next((s for a, s in ranked if a is article), 0.0)

    def _hit(self, prediction, lang, common, ranked):
        decision = self.router.route(prediction.intent, prediction.entities, lang)
        if decision is None or decision.route == "answer":
            article, score = self._answer_article(prediction, ranked)
            text = article.body[lang] if article else self.replies.say("rephrase", lang)
            return Reply(text, intent=prediction.intent, route="answer",
                         reason=f"answered from article {article.id!r}" if article else
                         "no article for this intent",
                         kb_article=_article(article, lang, score) if article else None,
                         **common)
        if decision.escalate:
            days = max(e.value for e in prediction.entities if e.type == "duration")
            text = self.replies.say("seller_escalate", lang, days=f"{days:g}")
        elif decision.wait_days is not None:
            text = self.replies.say("seller_wait", lang, days=decision.wait_days,
                                    limit=self.router.seller_response_days)
        else:
            text = self.replies.say(decision.route, lang)
        if decision.urgent:
            text = f"{self.replies.say('urgent', lang)} {text}"
        return Reply(text, intent=prediction.intent, route=decision.route, steps=decision.steps,
                     reason=decision.reason, urgent=decision.urgent, **common)


def _article(article, lang, score):
    return {"id": article.id, "title": article.title[lang], "score": score}


def load_responder(directory, intent_routes):
    """Read ``kb/articles.yaml``, ``routes.yaml`` and ``replies.yaml`` from ``directory``.

    ``intent_routes`` is the model's ``{intent: route}``. Checks that every intent routed
    to ``answer`` has an article and every intent has a name for suggestion buttons.

    Raises
    ------
    DataError
        Every problem in the three files, each as ``path:line: message``.
    """
    directory = Path(directory)
    paths = {key: directory / name for key, name in DOMAIN_FILES.items()}
    parts, problems = {}, []
    loaders = {"knowledge": load_knowledge_base, "replies": load_replies,
               "routes": lambda path: load_router(path, intent_routes)}
    for key, load in loaders.items():
        try:
            parts[key] = load(paths[key])
        except DataError as exc:
            problems += exc.problems
    if "knowledge" in parts:
        problems += [Problem(str(paths["knowledge"]), None, f"no article for intent {intent!r}, "
                             "which is routed to 'answer'")
                     for intent, route in intent_routes.items()
                     if route == "answer" and parts["knowledge"].for_intent(intent) is None]
    if "replies" in parts:
        problems += [Problem(str(paths["replies"]), None, f"intent_names: no name for {intent!r}")
                     for intent in intent_routes if intent not in parts["replies"].intent_names]
    if problems:
        raise DataError(problems)
    return Responder(parts["knowledge"], parts["routes"], parts["replies"])
