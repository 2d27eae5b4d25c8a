"""The responder: turns a prediction into the bot's reply, with the knowledge base, the
router and the reply texts, and carries a conversation from one message to the next; and
its loader from a domain folder."""

__all__ = ["Reply", "Responder", "load_responder", "DOMAIN_FILES"]

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from ..errors import DataError, Problem
from ..text.language import LanguageDetector
from ..text.normalize import tokenize
from .clarification import ClarificationPolicy, resolve_choice
from .conversation import MAX_MISSES, Question, remember, session_language
from .frustration import load_frustration_detector
from .knowledge import load_knowledge_base
from .phrases import words_of
from .replies import load_replies, reply_language
from .router import SELLER_INTENT, load_router
from .slots import SHORT_ANSWER_WORDS, Answer, load_answer_reader, longest_duration

DOMAIN_FILES = {"knowledge": "kb/articles.yaml", "routes": "routes.yaml",
                "replies": "replies.yaml"}
#: Routes whose steps start from one order: the bot asks which one (once).
ORDER_ROUTES = ("invoice_chat", "resolution_center")


@dataclass(frozen=True)
class Reply:
    """The bot's answer to one message.

    ``route_name`` is the route in the customer's words; ``awaiting`` what the bot asked
    for: ``("choice",)`` between the suggestions, or the slots (``"days"``, ``"order"``),
    empty when it asked nothing; ``frustrated`` when the hand-over is for an angry or
    fed-up customer.
    """

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
    route_name: str | None = None
    awaiting: tuple = ()
    frustrated: bool = False


class Responder:
    """Turn a prediction into a reply, alone or as one turn of a conversation.

    In a conversation (:meth:`respond` with a state): the reply keeps the conversation's
    language; a middling or ambiguous prediction is a question offering the candidates
    (:class:`ClarificationPolicy`), which a click or a reply naming one resolves; a route
    that starts from an order asks which one, once; a seller that does not respond asks
    for the days since the complaint; an angry message, or the same complaint again, is
    handed over to live chat with an apology; the second consecutive miss too.

    Parameters
    ----------
    knowledge, router, replies
        The domain (:func:`load_responder` reads them).
    policy : ClarificationPolicy or None
        The default policy, with the router's small talk, when None.
    detector : FrustrationDetector or None
        The packaged detector when None.
    answers : AnswerReader or None
        The packaged reader of slot answers when None.
    """

    def __init__(self, knowledge, router, replies, policy=None, detector=None, answers=None):
        self.knowledge = knowledge
        self.router = router
        self.replies = replies
        self.policy = policy or ClarificationPolicy.for_router(router)
        self.detector = detector or load_frustration_detector()
        self.answers = answers or load_answer_reader()
        self._languages = LanguageDetector()

    def respond_many(self, predictions, states=None):
        """:meth:`respond` to each prediction with its state (None, or a None item: the
        message alone), searching the knowledge base once for the batch."""
        predictions = list(predictions)
        states = list(states) if states is not None else [None] * len(predictions)
        searched = [i for i, p in enumerate(predictions) if self._needs_articles(p)]
        rankings = dict(zip(searched, self.knowledge.search_many(
            [predictions[i].text for i in searched], limit=len(self.knowledge))))
        return [self.respond(p, s, rankings.get(i))
                for i, (p, s) in enumerate(zip(predictions, states))]

    def respond(self, prediction, state=None, ranked=None):
        """``(Reply, new ConversationState)`` for a :class:`~nlu.model.prediction.Prediction`.

        ``state`` is the conversation so far (``ConversationState()`` for its first
        message). Without one, the message is answered on its own (``/v1/parse``): its
        route and steps at once, nothing asked, and the new state is None. ``ranked`` is
        the knowledge base's ranking of every article for the text (from
        :meth:`KnowledgeBase.search_many`), when the caller searched a batch at once.
        """
        if state is None:
            return self._single(prediction, ranked), None
        return _Turn(self, prediction, state, ranked).respond()

    def _needs_articles(self, prediction):
        """Whether the reply may come from the knowledge base: a miss, or an intent
        answered by the bot (routed to ``answer``, or not routed at all)."""
        return prediction.intent is None or \
            self.router.intent_routes.get(prediction.intent, "answer") == "answer"

    def _ranking(self, text, ranked):
        """Every article ranked for ``text``: ``ranked`` when the batch was searched."""
        return ranked if ranked is not None else \
            self.knowledge.search(text, limit=len(self.knowledge))

    def _single(self, prediction, ranked=None):
        """The reply to a message outside any conversation."""
        lang = reply_language(prediction.lang)
        facts = remember({}, prediction.entities)
        common = self._common(prediction, lang)
        if prediction.intent is not None:
            # Whether a complaint was filed matters to the seller rule only, and reading it
            # costs more than the rest of a routed reply.
            complaint = self.answers.complaint_filed(prediction.text) \
                if prediction.intent == SELLER_INTENT else None
            return self.route_reply(prediction.intent, lang, facts, prediction.text, common,
                                    days=facts.get("duration"), complaint=complaint,
                                    ranked=ranked)
        article = self._closest_article(prediction, lang, common, ranked)
        if article is not None:
            return article
        if self.policy.decide(prediction) == "clarify":
            return self.clarify_reply(prediction, lang, common)
        return Reply(self.replies.say("rephrase", lang), intent=None, route=None,
                     reason=f"not understood ({prediction.fallback})", **common)

    def _common(self, prediction, lang):
        return dict(lang=lang, confidence=prediction.confidence, fallback=prediction.fallback,
                    entities=prediction.entities)

    def route_reply(self, intent, lang, facts, text, common, days=None, complaint=None,
                    prefix="", ranked=None):
        """The reply that sends the customer on for ``intent``: an article for an answer
        intent, else the route with its steps and the rules' words (``days`` and
        ``complaint``: see :meth:`Router.route`; ``ranked``: see :meth:`respond`)."""
        decision = self.router.route(intent, lang, invoice=facts.get("invoice"),
                                     resi=facts.get("resi"), days=days, complaint=complaint)
        if decision is None or decision.route == "answer":
            article, score = self._answer_article(intent, self._ranking(text, ranked))
            body = article.body[lang] if article else self.replies.say("rephrase", lang)
            return Reply(_join(prefix, body), intent=intent, route="answer",
                         reason=f"answered from article {article.id!r}" if article else
                         "no article for this intent",
                         kb_article=_article(article, lang, score) if article else None,
                         route_name=self.router.name("answer", lang), **common)
        limit = self.router.seller_response_days
        if decision.escalate:
            words = self.replies.say("seller_escalate", lang, days=f"{days:g}")
        elif decision.wait_days is not None:
            words = self.replies.say("seller_wait", lang, days=decision.wait_days, limit=limit)
        elif decision.file_first:
            words = self.replies.say("seller_file_first", lang, limit=limit)
        else:
            words = self.replies.say(decision.route, lang)
        words = self._urgently(words, lang, decision.urgent)
        return Reply(_join(prefix, words), intent=intent, route=decision.route,
                     steps=decision.steps, reason=decision.reason, urgent=decision.urgent,
                     route_name=self.router.name(decision.route, lang), **common)

    def clarify_reply(self, prediction, lang, common):
        """A question offering the prediction's candidates as suggestions."""
        candidates = [r for r in self.policy.candidates(prediction)
                      if r.intent in self.router.intent_routes]
        suggestions = tuple({"intent": r.intent, "label": self.replies.name(r.intent, lang)}
                            for r in candidates)
        text = self.replies.say("clarify", lang, options=self.replies.options(
            [s["label"] for s in suggestions], lang))
        return Reply(text, intent=None, route=None, suggestions=suggestions, awaiting=("choice",),
                     reason=f"clarifying between {', '.join(r.intent for r in candidates)} "
                            f"({prediction.fallback or 'middling confidence'})", **common)

    def handoff_reply(self, lang, facts, common, key, reason, intent=None):
        """The hand-over to live chat: after misses (``handoff``) or frustration."""
        steps = self.router.steps("live_chat", lang)
        if facts.get("invoice") or facts.get("resi"):
            order = self.router.order_words(lang, facts.get("invoice"), facts.get("resi"))
            steps += (self.replies.say("handoff_order", lang, order=order),)
        urgent = intent in self.router.urgent_intents
        text = self._urgently(self.replies.say(key, lang), lang, urgent)
        return Reply(text, intent=intent, route="live_chat", steps=steps, handoff=True,
                     urgent=urgent, reason=reason, frustrated=key == "frustrated",
                     route_name=self.router.name("live_chat", lang), **common)

    def _urgently(self, text, lang, urgent):
        """``text`` after the urgent notice when the request is ``urgent``, else as is."""
        return f"{self.replies.say('urgent', lang)} {text}" if urgent else text

    def _closest_article(self, prediction, lang, common, ranked=None):
        match = self.knowledge.best_of(self._ranking(prediction.text, ranked))
        if match is None:
            return None
        article, score = match
        text = f"{self.replies.say('kb_answer', lang)}\n{article.body[lang]}"
        return Reply(text, intent=None, route="answer", reason=f"closest knowledge-base "
                     f"article {article.id!r} (score {score:.2f})",
                     kb_article=_article(article, lang, score),
                     route_name=self.router.name("answer", lang), **common)

    def _answer_article(self, intent, ranked):
        """The article that answers an ``answer`` intent: the closest article of ``ranked``
        when it is close enough and about this intent (or general), else the intent's own
        article."""
        best, score = ranked[0]
        if score >= self.knowledge.min_score and best.intent in (None, intent):
            return best, score
        article = self.knowledge.for_intent(intent)
        return article, next((s for a, s in ranked if a is article), 0.0)


class _Turn:
    """One message of a conversation: what it is about, then the reply and the new state."""

    def __init__(self, responder, prediction, state, ranked=None):
        self.r, self.p, self.state, self.ranked = responder, prediction, state, ranked
        # Tokenized once for the language and the ordinals ("yang kedua").
        self.tokens = tokenize(prediction.text)
        self.lang = session_language(
            state.lang, prediction.lang,
            responder._languages.markers(prediction.text, self.tokens), len(self.tokens))
        self.facts = remember(state.entities, prediction.entities)
        self.common = responder._common(prediction, self.lang)
        self.decision = responder.policy.decide(prediction)
        known = responder.router.intent_routes
        question = state.question
        self.candidates = question.intents if question and all(
            i in known for i in question.intents) else ()
        self.pending = question if question and question.slots and question.intent in known \
            else None

    @cached_property
    def words(self):
        """The message's normalized words (:func:`~nlu.assistant.phrases.words_of`), which
        every phrase list of the turn is matched on: computed once, when first needed."""
        return words_of(self.p.text)

    def respond(self):
        topic, how, answer = self._topic()
        # The same complaint written again, already sent on its way: a click, or a detail
        # given for it, is not a complaint again.
        repeated = how == "model" and topic in self.state.served \
            and self.r.router.intent_routes.get(topic) != "answer"
        frustration = self.r.detector(self.p.text, repeated=repeated)
        if frustration.angry:
            return self._frustrated(topic, frustration)
        if topic is not None:
            return self._serve(topic, how, answer)
        if self.decision == "clarify":
            reply = self.r.clarify_reply(self.p, self.lang, self.common)
            ranked = {r.intent: r.confidence for r in self.p.ranking}
            question = Question(candidates=tuple((s["intent"], ranked[s["intent"]])
                                                 for s in reply.suggestions),
                                days=longest_duration(self.p.entities))
            return reply, self._next(question=question, misses=self.state.misses)
        return self._miss()

    def _topic(self):
        """``(intent, how, Answer or None)``: what the message is about and how the bot knows
        it (``chosen`` from suggestions, ``slots`` answering a question, ``model``,
        ``order`` given after the route was sent), or ``(None, None, None)``."""
        p, pending, choice = self.p, self.pending, self.state.choice
        answer = self.r.answers.read(p.text, p.entities, pending.slots, self.words) \
            if pending else None
        if pending and choice in (None, pending.intent) and not self._new_topic(answer):
            return pending.intent, "slots", answer
        if choice is None and self.candidates:
            choice = resolve_choice(p.text, self.candidates, self.r.replies.names, p,
                                    self.r.policy.floor, tokens=self.tokens, words=self.words)
        if choice is not None:
            return choice, "chosen", None
        # An order for what was just sent on its way ("INV/...", or "INV/..., paketnya
        # belum sampai"): its steps again with the order, not a complaint again.
        last, known = self.state.last_intent, self.state.entities
        new_order = any(e.type in ("invoice", "resi") and known.get(e.type) != e.value
                        for e in p.entities)
        if new_order and self.r.router.intent_routes.get(last) in ORDER_ROUTES and (
                self.decision != "answer" or p.intent == last):
            return last, "order", None
        if self.decision == "answer":
            return p.intent, "model", None
        return None, None, None

    def _new_topic(self, answer):
        """Whether a reply to a slot question is about something else: another intent the
        model is sure of, in a message that answers nothing or says more than a short
        answer does ("INV/... tapi sebenernya barang rusak": the invoice is kept for it);
        or a sentence answering nothing that the model is unsure of, and not about the
        question's intent (it is asked about). Never small talk ("ok makasih") and never a
        short answer ("belum", which the model may read as an order not shipped)."""
        intent, top = self.p.intent, self.p.ranking[0].intent if self.p.ranking else None
        short = len(self.tokens) <= SHORT_ANSWER_WORDS
        if self.decision == "clarify":
            return not answer.given and not short and top != self.pending.intent
        if self.decision != "answer" or intent in (self.pending.intent, *self.r.router.small_talk):
            return False
        return not answer.given or not short

    def _serve(self, intent, how, answer):
        r, lang, facts = self.r, self.lang, dict(self.facts)
        answer = answer or Answer()
        # Days since the complaint: said now, in the answer to the question, or in the
        # message the last question was about; never a duration said about something else.
        question = self.state.question if how in ("chosen", "slots") else None
        days = next((d for d in (longest_duration(self.p.entities), answer.days,
                                 question and question.days) if d is not None), None)
        if days is not None:
            facts["duration"] = days
        complaint = self._complaint(answer, how)
        topic = r.replies.say("chosen", lang, topic=r.replies.name(intent, lang))
        missing = self._missing(intent, facts, days, complaint)
        # The model's confidence in the intent, not in the click or the answer.
        common = dict(self.common)
        if how == "slots":
            common["confidence"] = question.confidence
        elif how == "chosen" and question is not None:
            common["confidence"] = dict(question.candidates).get(intent, self.p.confidence)
        if missing:
            key = "ask_" + "_".join(missing)
            labels = r.replies.quick_replies["days" if "days" in missing else "order"][lang]
            route = r.router.intent_routes[intent]
            reply = Reply(f"{topic} {r.replies.say(key, lang)}", intent=intent, route=route,
                          suggestions=tuple({"intent": intent, "label": label}
                                            for label in labels),
                          awaiting=missing, reason=f"intent {intent!r} goes to {route}; "
                          f"asking for {' and '.join(missing)}",
                          route_name=r.router.name(route, lang), **common)
            question = Question(intent=intent, slots=missing, confidence=common["confidence"],
                                days=days)
            return reply, self._next(question=question, asked=self.state.asked + missing,
                                     last_intent=intent, facts=facts, complaint=complaint)
        prefix = ""
        if how == "order" or (how == "slots" and (answer.invoice or answer.resi)):
            prefix = r.replies.say("order_noted", lang, order=r.router.order_words(
                lang, facts.get("invoice"), facts.get("resi")))
        elif how == "slots" and "order" in self.pending.slots and not facts.get("invoice"):
            prefix = r.replies.say("order_skipped", lang)
        elif how == "chosen":
            prefix = topic
        reply = r.route_reply(intent, lang, facts, self.p.text, common, days=days,
                              complaint=complaint, prefix=prefix, ranked=self.ranked)
        return reply, self._next(last_intent=intent, facts=facts, served=self._served(intent),
                                 complaint=complaint)

    def _complaint(self, answer, how):
        """Whether a complaint was filed: said in the answer to the question, else in the
        message (read only then), else as the conversation knew it, unless the model
        recognized this message's intent on its own (``how == "model"``)."""
        if answer.filed is not None:
            return answer.filed
        said = self.r.answers.complaint_filed(self.p.text, self.words)
        if said is not None:
            return said
        return self.state.complaint if how != "model" else None

    def _missing(self, intent, facts, days, complaint):
        """The slots to ask for before ``intent``'s steps (each once per conversation)."""
        if self.r.router.intent_routes.get(intent) not in ORDER_ROUTES:
            return ()
        missing = ()
        if intent == SELLER_INTENT and days is None and complaint is not False \
                and "days" not in self.state.asked:
            missing += ("days",)
        if not facts.get("invoice") and "order" not in self.state.asked:
            missing += ("order",)
        return missing

    def _frustrated(self, topic, frustration):
        reason = f"frustrated ({', '.join(frustration.signals)}): handed over to live chat"
        reply = self.r.handoff_reply(self.lang, self.facts, self.common, "frustrated", reason,
                                     intent=topic)
        return reply, self._next(last_intent=topic or self.state.last_intent,
                                 served=self._served(topic))

    def _miss(self):
        article = self.r._closest_article(self.p, self.lang, self.common, self.ranked)
        if article is not None:
            return article, self._next()
        misses = self.state.misses + 1
        if misses >= MAX_MISSES:
            reply = self.r.handoff_reply(self.lang, self.facts, self.common, "handoff",
                                         f"{misses} consecutive messages not understood")
            return reply, self._next()
        reply = Reply(self.r.replies.say("rephrase", self.lang), intent=None, route=None,
                      reason=f"not understood ({self.p.fallback})", **self.common)
        return reply, self._next(misses=misses)

    def _served(self, intent):
        """The intents sent on their way, with ``intent`` (None: none more)."""
        served = self.state.served
        return served + (intent,) if intent and intent not in served else served

    def _next(self, misses=0, question=None, **changes):
        """The state after this turn: the language and entities always carried on."""
        facts = changes.pop("facts", self.facts)
        return replace(self.state, misses=misses, lang=self.lang, entities=facts,
                       question=question, choice=None, **changes)


def _join(prefix, text):
    return f"{prefix} {text}" if prefix else text


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
