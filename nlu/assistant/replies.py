"""What the bot says to customers, in both reply languages: reply texts, intent names,
and reading bilingual texts from the domain's YAML files."""

__all__ = ["Replies", "load_replies", "reply_language", "bilingual", "REPLY_KEYS",
           "QUICK_REPLY_KEYS"]

from dataclasses import dataclass, field

from ..data.yamlfile import line_of, read_yaml
from ..errors import DataError, Problem
from ..vocabulary import REPLY_LANGUAGES

#: The texts data/replies.yaml must define.
REPLY_KEYS = ("invoice_chat", "live_chat", "resolution_center", "seller_wait",
              "seller_escalate", "seller_file_first", "urgent", "rephrase", "clarify", "or",
              "chosen", "ask_order", "ask_days", "ask_days_order", "order_noted",
              "order_skipped", "handoff", "frustrated", "handoff_order", "kb_answer")
#: The quick-reply buttons data/replies.yaml must define: for the order, for the days.
QUICK_REPLY_KEYS = ("order", "days")


def reply_language(lang):
    """The language to answer in: English for English, Indonesian for Indonesian and mixed."""
    return "en" if lang == "en" else "id"


@dataclass(frozen=True)
class Replies:
    """Reply texts ``{key: {lang: text}}``, intent names ``{intent: {lang: name}}`` and
    quick-reply labels ``{key: {lang: [label]}}``."""

    texts: dict
    intent_names: dict
    quick_replies: dict = field(default_factory=dict)

    def say(self, key, lang, **values):
        return self.texts[key][lang].format(**values)

    def name(self, intent, lang):
        return self.intent_names.get(intent, {}).get(lang, intent)

    def names(self, intent):
        """The names of ``intent`` in every reply language (what a click may send)."""
        return tuple(self.intent_names.get(intent, {}).values())

    def options(self, labels, lang):
        """Labels quoted and joined as a question lists them: “A”, “B” atau “C”."""
        quoted = [f"“{label}”" for label in labels]
        if len(quoted) < 2:
            return "".join(quoted)
        return f"{', '.join(quoted[:-1])} {self.say('or', lang)} {quoted[-1]}"


def load_replies(path):
    """Read reply texts and intent names from YAML (see data/replies.yaml).

    Raises
    ------
    DataError
        Listing every missing key or language as ``path:line: message``.
    """
    doc, problems = read_yaml(path)
    texts, names, quick = {}, {}, {}
    if doc is not None:
        node = doc.get("replies") if isinstance(doc, dict) else None
        if not isinstance(node, dict):
            problems.append(Problem(str(path), 1, "expected 'replies:' with reply texts"))
            node = {}
        for key in REPLY_KEYS:
            if key not in node:
                problems.append(Problem(str(path), line_of(doc, key="replies"),
                                        f"reply {key!r} is missing"))
                continue
            texts[key], bad = bilingual(node, key, path, f"reply {key!r}")
            problems += bad
        for key in node:
            if key not in REPLY_KEYS:
                problems.append(Problem(str(path), line_of(node, key=key),
                                        f"unknown reply {key!r}"))
        quick_node = doc.get("quick_replies") or {}
        for key in QUICK_REPLY_KEYS:
            quick[key], bad = bilingual(quick_node, key, path, f"quick_replies {key!r}",
                                        kind=list)
            problems += bad
        problems += [Problem(str(path), line_of(quick_node, key=key),
                             f"unknown quick_replies {key!r}")
                     for key in quick_node if key not in QUICK_REPLY_KEYS]
        intent_node = doc.get("intent_names") or {}
        for intent in intent_node:
            names[intent], bad = bilingual(intent_node, intent, path, f"intent name {intent!r}")
            problems += bad
    if problems:
        raise DataError(problems)
    return Replies(texts, names, quick)


def bilingual(parent, key, path, what, kind=str):
    """Read ``parent[key]`` as ``{"id": ..., "en": ...}``; return ``(value, problems)``.

    ``kind`` is the type of each language's value (``str`` or ``list`` of str).
    """
    node = parent.get(key) if isinstance(parent, dict) else None
    line = line_of(parent, key=key) or line_of(parent)
    if not isinstance(node, dict):
        return None, [Problem(str(path), line, f"{what}: expected texts for 'id' and 'en'")]
    problems, value = [], {}
    for lang in REPLY_LANGUAGES:
        text = node.get(lang)
        ok = (isinstance(text, str) and text.strip()) if kind is str else (
            isinstance(text, list) and all(isinstance(t, str) and t.strip() for t in text))
        if not ok:
            problems.append(Problem(str(path), line_of(node, key=lang) or line,
                                    f"{what}: missing or empty {lang!r} text"))
        else:
            value[lang] = str(text).strip() if kind is str else [str(t) for t in text]
    extra = [k for k in node if k not in REPLY_LANGUAGES]
    problems += [Problem(str(path), line_of(node, key=k), f"{what}: unknown language {k!r}")
                 for k in extra]
    return (value if not problems else None), problems
