"""Conversation fallback and replies: what the bot says to one message, given the state.

The state (the count of consecutive misses) is returned, never kept here: the caller
stores it per conversation.
"""

__all__ = ["ConversationState", "Reply", "Replies", "Responder", "load_replies", "MAX_MISSES"]

from dataclasses import dataclass, field

from .errors import DataError, Problem
from .knowledge import reply_language
from .yamlfile import bilingual, line_of, read_yaml

#: The miss that hands the conversation over to live chat.
MAX_MISSES = 2
_REPLY_KEYS = ("invoice_chat", "live_chat", "resolution_center", "seller_wait",
               "seller_escalate", "urgent", "rephrase", "rephrase_suggestions", "handoff",
               "kb_answer")


@dataclass(frozen=True)
class ConversationState:
    """Consecutive misses (messages the bot could not place) in one conversation."""

    misses: int = 0


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


@dataclass(frozen=True)
class Replies:
    """Reply texts ``{key: {lang: text}}`` and intent names ``{intent: {lang: name}}``."""

    texts: dict
    intent_names: dict

    def say(self, key, lang, **values):
        return self.texts[key][lang].format(**values)

    def name(self, intent, lang):
        return self.intent_names.get(intent, {}).get(lang, intent)


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

    def respond(self, prediction, state=ConversationState()):
        """Return ``(Reply, new ConversationState)`` for a :class:`~nlu.prediction.Prediction`."""
        lang = reply_language(prediction.lang)
        common = dict(lang=lang, confidence=prediction.confidence, fallback=prediction.fallback,
                      entities=prediction.entities)
        if prediction.intent is not None:
            return self._hit(prediction, lang, common), ConversationState()
        match = self.knowledge.best_match(prediction.text)
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

    def _answer_article(self, prediction):
        """The article that answers an ``answer`` intent: the closest article when it is
        close enough and about this intent (or general), else the intent's own article."""
        ranked = self.knowledge.search(prediction.text, limit=len(self.knowledge))
        best, score = ranked[0]
        if score >= self.knowledge.min_score and best.intent in (None, prediction.intent):
            return best, score
        article = self.knowledge.for_intent(prediction.intent)
        return article, next((s for a, s in ranked if a is article), 0.0)

    def _hit(self, prediction, lang, common):
        decision = self.router.route(prediction.intent, prediction.entities, lang)
        if decision is None or decision.route == "answer":
            article, score = self._answer_article(prediction)
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


def load_replies(path):
    """Read reply texts and intent names from YAML (see data/replies.yaml).

    Raises
    ------
    DataError
        Listing every missing key or language as ``path:line: message``.
    """
    doc, problems = read_yaml(path)
    texts, names = {}, {}
    if doc is not None:
        node = doc.get("replies") if isinstance(doc, dict) else None
        if not isinstance(node, dict):
            problems.append(Problem(str(path), 1, "expected 'replies:' with reply texts"))
            node = {}
        for key in _REPLY_KEYS:
            if key not in node:
                problems.append(Problem(str(path), line_of(doc, key="replies"),
                                        f"reply {key!r} is missing"))
                continue
            texts[key], bad = bilingual(node, key, path, f"reply {key!r}")
            problems += bad
        for key in node:
            if key not in _REPLY_KEYS:
                problems.append(Problem(str(path), line_of(node, key=key),
                                        f"unknown reply {key!r}"))
        intent_node = doc.get("intent_names") or {}
        for intent in intent_node:
            names[intent], bad = bilingual(intent_node, intent, path, f"intent name {intent!r}")
            problems += bad
    if problems:
        raise DataError(problems)
    return Replies(texts, names)
