"""The router: (intent, entities, language) -> route, steps in the customer's language, reason.

The steps and the rules' figures are data (data/routes.yaml); the rules are this module.
"""

__all__ = ["Router", "RouteDecision", "load_router"]

import math
from dataclasses import dataclass

from ..data.yamlfile import line_of, read_yaml
from ..errors import DataError, Problem
from ..vocabulary import ROUTES
from .replies import bilingual, reply_language


@dataclass(frozen=True)
class RouteDecision:
    """Where to send the customer and why.

    ``wait_days`` is set when the customer should wait for the seller that many more days;
    ``escalate`` when the seller has had its time and Minta Bantuan brings in CS.
    """

    route: str
    steps: tuple
    reason: str
    urgent: bool = False
    wait_days: int | None = None
    escalate: bool = False
    invoice: str | None = None


class Router:
    """Apply the routing rules to a recognized intent.

    Parameters
    ----------
    routes : dict
        ``{route: {"name": {lang: str}, "steps": {lang: [str]}}}``
    order : dict
        ``{"generic": {lang: str}, "invoice": {lang: str with {invoice}}}``
    intent_routes : dict
        ``{intent: route}`` from the model's taxonomy.
    urgent_intents : iterable of str
    seller_response_days : int
        Days a seller has to answer a complaint before Minta Bantuan.
    minta_bantuan_steps : dict
        ``{lang: [str]}``
    """

    def __init__(self, routes, order, intent_routes, urgent_intents=(), seller_response_days=3,
                 minta_bantuan_steps=None):
        self.routes = routes
        self.order = order
        self.intent_routes = dict(intent_routes)
        self.urgent_intents = frozenset(urgent_intents)
        self.seller_response_days = seller_response_days
        self.minta_bantuan_steps = minta_bantuan_steps or {"id": [], "en": []}

    def with_intent_routes(self, intent_routes):
        """A router for another model's taxonomy."""
        return Router(self.routes, self.order, intent_routes, self.urgent_intents,
                      self.seller_response_days, self.minta_bantuan_steps)

    def route(self, intent, entities=(), lang="id"):
        """Decide the route for ``intent`` (None when the intent has no route)."""
        route = self.intent_routes.get(intent)
        if route is None:
            return None
        lang = reply_language(lang)
        invoice = next((e.value for e in entities if e.type == "invoice"), None)
        urgent = intent in self.urgent_intents
        if intent == "seller_unresponsive":
            days = max((e.value for e in entities if e.type == "duration"), default=None)
            if days is not None and days >= self.seller_response_days:
                return RouteDecision(
                    route, self._steps(self.minta_bantuan_steps[lang], invoice, lang),
                    f"the seller has not responded for {days:g} days (>= "
                    f"{self.seller_response_days}): Minta Bantuan brings in CS",
                    urgent, escalate=True, invoice=invoice)
            if days is not None:
                remaining = max(1, math.ceil(self.seller_response_days - days))
                return RouteDecision(
                    route, self._steps(self.routes[route]["steps"][lang], invoice, lang),
                    f"the seller has {remaining} more day(s) to respond before Minta Bantuan",
                    urgent, wait_days=remaining, invoice=invoice)
        reason = f"intent {intent!r} goes to {route}"
        if invoice and route == "invoice_chat":
            reason += f" for invoice {invoice}"
        if urgent:
            reason += " (urgent)"
        return RouteDecision(route, self._steps(self.routes[route]["steps"][lang], invoice, lang),
                             reason, urgent, invoice=invoice)

    def steps(self, route, lang="id", invoice=None):
        """The steps of ``route`` in the customer's language."""
        lang = reply_language(lang)
        return self._steps(self.routes[route]["steps"][lang], invoice, lang)

    def _steps(self, steps, invoice, lang):
        order = (self.order["invoice"][lang].format(invoice=invoice) if invoice
                 else self.order["generic"][lang])
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
        for key in ("generic", "invoice"):
            order[key], bad = bilingual(doc.get("order") or {}, key, path, f"order {key!r}")
            problems += bad
        rules = doc.get("rules") or {}
        steps, bad = bilingual(rules, "minta_bantuan_steps", path, "minta_bantuan_steps",
                               kind=list)
        problems += bad
        rules = {"urgent_intents": list(rules.get("urgent_intents") or []),
                 "seller_response_days": rules.get("seller_response_days", 3),
                 "minta_bantuan_steps": steps}
        if not isinstance(rules["seller_response_days"], int):
            problems.append(Problem(str(path), line_of(doc, key="rules"),
                                    "seller_response_days must be a whole number of days"))
    for intent, route in intent_routes.items():
        if route not in ROUTES:
            problems.append(Problem(str(path), None, f"intent {intent!r}: unknown route {route!r}"))
    if problems:
        raise DataError(problems)
    return Router(routes, order, intent_routes, **rules)
