"""Frustration: telling an angry or fed-up customer from a calm one, and measuring how well.

The detector weighs what an agent would notice: words of anger, insults and threats;
impatience; exclamation marks; shouting in capitals; the same complaint again. Its words and
weights are data (``resources/frustration.yaml``); its precision and recall are measured on
labelled messages (:func:`measure`, ``data/frustration_*.jsonl``).
"""

__all__ = ["Frustration", "FrustrationDetector", "load_frustration_detector",
           "read_labelled_messages", "measure"]

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ruamel.yaml import YAML

from ..errors import DataError, Problem
from ..vocabulary import LANGUAGES
from .phrases import Phrases, words_of

_WEIGHTS = ("strong", "mild", "exclamation", "emphasis", "shouting", "capitals", "repeated")
# Runs of marks: "!!!", "?!?" (three or more with a "!"), "!!" or "???".
_MARKS = re.compile(r"[!?¡]{2,}")
_CLAUSE = re.compile(r"[,.;:!?()\n]+")
_WORD = re.compile(r"[^\W\d_]+(?:&[^\W\d_]+)?")


@dataclass(frozen=True)
class Frustration:
    """The detector's verdict on one message: ``angry`` when ``score`` reaches the
    threshold; ``signals`` says what was seen (``"strong: kecewa"``, ``"exclamation"``)."""

    angry: bool
    score: float
    signals: tuple = ()


class FrustrationDetector:
    """Score a message's frustration from its words, punctuation and capitals.

    Parameters
    ----------
    strong, mild : iterable of str
        Phrases of anger (enough on their own) and of impatience.
    calm : iterable of str
        Thanks, praise and greetings: marks and capitals beside them are joy, and the word
        right after one is praise ("mantap parah").
    negations : iterable of str
        A phrase within two words after one of these is denied ("ga marah kok").
    acronyms : iterable of str
        Words written in capitals that are names, not shouting (JNE, OTP).
    weights : dict
        The weight of each signal (``strong``, ``mild``, ``exclamation``, ``emphasis``,
        ``shouting``, ``capitals``, ``repeated``).
    threshold : float
        The score from which a message is frustrated.

    >>> detect = load_frustration_detector()
    >>> detect("ini gimana sih pelayanannya parah banget!!!").angry
    True
    >>> detect("makasih banyak kak!!!").angry, detect("paket saya belum sampai").angry
    (False, False)
    """

    def __init__(self, strong, mild, calm, negations, acronyms, weights, threshold=1.0):
        self.strong = Phrases(strong)
        self.mild = Phrases(mild)
        self.calm = Phrases(calm)
        self.negations = frozenset(w for n in negations for w in words_of(n))
        self.acronyms = frozenset(w.lower() for w in acronyms)
        self.weights = dict(weights)
        self.threshold = threshold

    def __call__(self, text, repeated=False):
        """The :class:`Frustration` of ``text``; ``repeated`` when it is a complaint the
        conversation has already answered."""
        signals, calm = [], False
        # Phrases, negations and praise are looked for within a clause: "ga responsible,
        # parah" denies nothing.
        for clause in _CLAUSE.split(text):
            words = words_of(clause)
            praise = self.calm.find(words)
            calm = calm or bool(praise)
            praise_ends = {end for _, end in praise}
            for kind, phrases in (("strong", self.strong), ("mild", self.mild)):
                for start, end in phrases.find(words):
                    before = words[max(0, start - 2):start]
                    if self.negations & set(before) or start in praise_ends:
                        continue
                    signals.append((kind, " ".join(words[start:end])))
        if not calm:
            signals += [(kind, kind) for kind in _marks(text)]
            signals += [(kind, kind) for kind in self._capitals(text)]
        if repeated:
            signals.append(("repeated", "the same complaint again"))
        score = round(sum(self.weights[kind] for kind, _ in signals), 4)
        described = tuple(what if what == kind else f"{kind}: {what}" for kind, what in signals)
        return Frustration(score >= self.threshold, score, described)

    def _capitals(self, text):
        """``shouting`` for two or more words in capitals, ``capitals`` for one."""
        shouted = [w for w in _WORD.findall(text)
                   if len(w) >= 3 and w.isupper() and w.lower() not in self.acronyms]
        if len(shouted) >= 2:
            return ["shouting"]
        return ["capitals"] if shouted else []


def _marks(text):
    """``exclamation`` for a run of three or more marks with a "!", ``emphasis`` for "!!"
    or "???"; the strongest run counts once."""
    runs = _MARKS.findall(text)
    if any(len(r) >= 3 and "!" in r for r in runs) or text.count("!") >= 3:
        return ["exclamation"]
    return ["emphasis"] if runs else []


def load_frustration_detector(path=None):
    """The detector with the words and weights of ``path`` (the packaged
    ``resources/frustration.yaml`` when None).

    Raises
    ------
    DataError
        A missing list, weight or threshold, named with the file.
    """
    if path is None:
        text = resources.files("nlu.assistant.resources").joinpath("frustration.yaml") \
            .read_text("utf-8")
        where = "nlu/assistant/resources/frustration.yaml"
    else:
        text, where = Path(path).read_text("utf-8"), str(path)
    doc = YAML(typ="safe").load(text) or {}
    problems = [Problem(where, None, f"{key!r}: expected a list of words")
                for key in ("strong", "mild", "calm", "negations", "acronyms")
                if not isinstance(doc.get(key), list)]
    weights = doc.get("weights") if isinstance(doc.get("weights"), dict) else {}
    problems += [Problem(where, None, f"weights: {key!r} must be a number")
                 for key in _WEIGHTS if not _number(weights.get(key))]
    if not _number(doc.get("threshold")):
        problems.append(Problem(where, None, "threshold must be a number"))
    if problems:
        raise DataError(problems)
    return FrustrationDetector(*(map(str, doc[k]) for k in ("strong", "mild", "calm",
                                                             "negations", "acronyms")),
                               weights={k: float(weights[k]) for k in _WEIGHTS},
                               threshold=float(doc["threshold"]))


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def read_labelled_messages(path):
    """Messages labelled angry or not, from JSON lines ``{"text", "angry", "lang"}``.

    Returns a list of ``(text, angry, lang)``.

    Raises
    ------
    DataError
        Every bad line, as ``path:line: message``.
    """
    examples, problems = [], []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(Problem(str(path), number, f"not JSON: {exc.msg}"))
                continue
            if not (isinstance(row, dict) and isinstance(row.get("text"), str)
                    and row["text"].strip() and isinstance(row.get("angry"), bool)
                    and row.get("lang") in LANGUAGES):
                problems.append(Problem(str(path), number, 'expected {"text": non-empty, '
                                        f'"angry": true|false, "lang": {"|".join(LANGUAGES)}}}'))
                continue
            examples.append((row["text"], row["angry"], row["lang"]))
    if not examples and not problems:
        problems.append(Problem(str(path), None, "no messages"))
    if problems:
        raise DataError(problems)
    return examples


def measure(detector, examples):
    """Precision and recall of ``detector`` on ``(text, angry, lang)`` examples, overall
    and per language: ``{"all" | lang: {"n", "angry", "precision", "recall", "f1"}}``,
    and ``"errors"``: the misjudged messages with their signals."""
    judged = [(detector(text), angry, lang, text) for text, angry, lang in examples]
    verdicts = [(found.angry, angry, lang, text) for found, angry, lang, text in judged]
    groups = {"all": verdicts}
    for lang in LANGUAGES:
        groups[lang] = [v for v in verdicts if v[2] == lang]
    result = {name: _scores(rows) for name, rows in groups.items() if rows}
    result["errors"] = [{"text": text, "angry": angry, "signals": list(found.signals)}
                        for found, angry, _, text in judged if found.angry != angry]
    return result


def _scores(rows):
    true_positive = sum(said and angry for said, angry, _, _ in rows)
    said = sum(said for said, _, _, _ in rows)
    angry = sum(angry for _, angry, _, _ in rows)
    precision = true_positive / said if said else 0.0
    recall = true_positive / angry if angry else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": len(rows), "angry": angry, "precision": round(precision, 4),
            "recall": round(recall, 4), "f1": round(f1, 4)}
