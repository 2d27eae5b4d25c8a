"""The router: (intent, entities, language) -> route, steps in the customer's language, reason.

The steps and the rules' figures are data (data/routes.yaml); the rules are this module.
"""

__all__ = ["Router", "RouteDecision", "load_router", "SELLER_INTENT"]

import math
from dataclasses import dataclass

from ..data.yamlfile import line_of, read_yaml
from ..errors import DataError, Problem
from ..vocabulary import ROUTES
from .replies import bilingual, reply_language


#: The intent whose steps follow the seller rule (days since the complaint).
SELLER_INTENT = "seller_unresponsive"


@dataclass(frozen=True)
class RouteDecision:
    """Where to send the customer and why.

    For a seller that does not respond: ``wait_days`` is set when the customer should wait
    for the seller that many more days; ``escalate`` when the seller has had its time and
    Minta Bantuan brings in CS; ``file_first`` when no complaint was filed yet (a chat
    only), so there is nothing to escalate: the customer files one first.
    """

    route: str
    steps: tuple
    reason: str
    urgent: bool = False
    wait_days: int | None = None
    escalate: bool = False
    invoice: str | None = None
    file_first: bool = False


class Router:
    """Apply the routing rules to a recognized intent.

    Parameters
    ----------
    routes : dict
        ``{route: {"name": {lang: str}, "steps": {lang: [str]}}}``
    order : dict
        ``{"generic": {lang: str}, "invoice": {lang: str with {invoice}},
        "resi": {lang: str with {resi}}}``: how the steps name the order.
    intent_routes : dict
        ``{intent: route}`` from the model's taxonomy.
    urgent_intents : iterable of str
    small_talk : iterable of str
        Intents that are conversation, not requests (greetings, thanks).
    seller_response_days : int
        Days a seller has to answer a complaint before Minta Bantuan.
    minta_bantuan_steps, complaint_steps : dict
        ``{lang: [str]}``: pressing Minta Bantuan; following a complaint filed already.
    """

    def __init__(self, routes, order, intent_routes, urgent_intents=(), small_talk=(),
                 seller_response_days=3, minta_bantuan_steps=None, complaint_steps=None):
        self.routes = routes
        self.order = order
        self.intent_routes = dict(intent_routes)
        self.urgent_intents = frozenset(urgent_intents)
        self.small_talk = frozenset(small_talk)
        self.seller_response_days = seller_response_days
        self.minta_bantuan_steps = minta_bantuan_steps or {"id": [], "en": []}
        self.complaint_steps = complaint_steps or {"id": [], "en": []}

    def with_intent_routes(self, intent_routes):
        """A router for another model's taxonomy."""
        return Router(self.routes, self.order, intent_routes, self.urgent_intents,
                      self.small_talk, self.seller_response_days, self.minta_bantuan_steps,
                      self.complaint_steps)

    def name(self, route, lang="id"):
        """The customer's words for ``route`` ("Live chat Tokopedia Care")."""
        return self.routes[route]["name"][reply_language(lang)]

    def route(self, intent, lang="id", *, invoice=None, resi=None, days=None, complaint=None):
        """Decide the route for ``intent`` (None when the intent has no route).

        Parameters
        ----------
        invoice, resi : str or None
            The order the conversation is about, named in the steps.
        days : float or None
            For a seller that does not respond: days since the complaint (or the chat).
        complaint : bool or None
            For a seller that does not respond: whether a complaint was filed (None: the
            customer did not say; the days are counted as a complaint's).
        """
        route = self.intent_routes.get(intent)
        if route is None:
            return None
        lang = reply_language(lang)
        urgent = intent in self.urgent_intents
        steps = self.routes[route]["steps"][lang]
        if intent == SELLER_INTENT:
            decision = self._seller_rule(route, lang, days, complaint)
            if decision is not None:
                reason, steps, flags = decision
                return RouteDecision(route, self._steps(steps, invoice, resi, lang), reason,
                                     urgent, invoice=invoice, **flags)
        reason = f"intent {intent!r} goes to {route}"
        if invoice and route == "invoice_chat":
            reason += f" for invoice {invoice}"
        if urgent:
            reason += " (urgent)"
        return RouteDecision(route, self._steps(steps, invoice, resi, lang), reason, urgent,
                             invoice=invoice)

    def _seller_rule(self, route, lang, days, complaint):
        """``(reason, steps, flags)`` of the seller rule, or None for the route's own steps."""
        limit = self.seller_response_days
        if complaint is False:
            return ("no complaint filed yet: file one, then the seller has "
                    f"{limit} days to respond", self.routes[route]["steps"][lang],
                    {"file_first": True})
        if days is None:
            return None
        if days >= limit:
            return (f"the seller has not responded for {days:g} days (>= {limit}): Minta "
                    "Bantuan brings in CS", self.minta_bantuan_steps[lang], {"escalate": True})
        remaining = max(1, math.ceil(limit - days))
        return (f"the seller has {remaining} more day(s) to respond before Minta Bantuan",
                self.complaint_steps[lang], {"wait_days": remaining})

    def steps(self, route, lang="id", invoice=None, resi=None):
        """The steps of ``route`` in the customer's language."""
        lang = reply_language(lang)
        return self._steps(self.routes[route]["steps"][lang], invoice, resi, lang)

    def order_words(self, lang="id", invoice=None, resi=None):
        """How the customer's order is named: by its invoice, its resi, or generically."""
        lang = reply_language(lang)
        if invoice:
            return self.order["invoice"][lang].format(invoice=invoice)
        if resi:
            return self.order["resi"][lang].format(resi=resi)
        return self.order["generic"][lang]

    def _steps(self, steps, invoice, resi, lang):
        order = self.order_words(lang, invoice, resi)
        return tuple(step.format(order=order) for step in steps)


def load_router(path, intent_routes):
    """Read routes, steps and rules from a YAML file (see data/routes.yaml).

    Raises
    ------
    DataError
        Listing every problem as ``path:line: message``.
    """
    doc, problems = read_yaml(path)
    routes, order, rules = {}, {}, {}
    if doc is not None and not isinstance(doc, dict):
        problems.append(Problem(str(path), 1, "expected a mapping with 'routes'"))
        doc = None
    if doc is not None:
        node = doc.get("routes") or {}
        for route in ROUTES:
            if route not in node:
                problems.append(Problem(str(path), line_of(doc, key="routes"),
                                        f"route {route!r} is missing"))
                continue
            name, bad_name = bilingual(node[route], "name", path, f"route {route!r} name")
            steps, bad_steps = bilingual(node[route], "steps", path, f"route {route!r} steps",
                                         kind=list)
            problems += bad_name + bad_steps
            routes[route] = {"name": name, "steps": steps}
        for route in node:
            if route not in ROUTES:
                problems.append(Problem(str(path), line_of(node, key=route),
                                        f"unknown route {route!r}"))
        for key in ("generic", "invoice", "resi"):
            order[key], bad = bilingual(doc.get("order") or {}, key, path, f"order {key!r}")
            problems += bad
        node = doc.get("rules") or {}
        rules = {"urgent_intents": list(node.get("urgent_intents") or []),
                 "small_talk": list(node.get("small_talk") or []),
                 "seller_response_days": node.get("seller_response_days", 3)}
        for key in ("minta_bantuan_steps", "complaint_steps"):
            rules[key], bad = bilingual(node, key, path, key, kind=list)
            problems += bad
        if not isinstance(rules["seller_response_days"], int):
            problems.append(Problem(str(path), line_of(doc, key="rules"),
                                    "seller_response_days must be a whole number of days"))
    for intent, route in intent_routes.items():
        if route not in ROUTES:
            problems.append(Problem(str(path), None, f"intent {intent!r}: unknown route {route!r}"))
    if problems:
        raise DataError(problems)
    return Router(routes, order, intent_routes, **rules)
