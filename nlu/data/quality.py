"""What a training set lacks: intents with too few examples, and intents whose examples
look alike (the model will mix them up), as Rasa X's insights show them."""

__all__ = ["thin_intents", "similar_intents", "MIN_EXAMPLES", "MIN_PER_LANGUAGE"]

from collections import Counter

import numpy as np

from ..text.normalize import Normalizer
from ..vocabulary import intent_label

#: Rasa's advice for an intent: at least a couple of dozen varied examples.
MIN_EXAMPLES = 20
#: Below this, the model has barely seen how customers say it in a language.
MIN_PER_LANGUAGE = 5
#: From this many examples on, the commonest n-grams are left out (see similar_intents).
LARGE_SET = 1000
_BLOCK_ROWS = 512


def thin_intents(dataset, minimum=MIN_EXAMPLES, per_language=MIN_PER_LANGUAGE):
    """Intents (``out_of_scope`` included) with fewer than ``minimum`` examples, or fewer
    than ``per_language`` in Indonesian or English: ``[{"intent", "examples",
    "by_language", "reason"}]``, fewest first."""
    totals = Counter(intent_label(e.intent) for e in dataset.examples)
    for intent in dataset.intents:
        totals.setdefault(intent, 0)
    by_language = {}
    for example in dataset.examples:
        counts = by_language.setdefault(intent_label(example.intent), Counter())
        counts[example.lang or "unknown"] += 1
    result = []
    for intent, total in totals.items():
        languages = dict(by_language.get(intent, {}))
        reasons = []
        if total < minimum:
            reasons.append(f"{total} examples (at least {minimum} advised)")
        known = any(lang != "unknown" for lang in languages)
        for lang, name in (("id", "Indonesian"), ("en", "English")):
            if known and languages.get(lang, 0) < per_language:
                reasons.append(f"{languages.get(lang, 0)} in {name}")
        if reasons:
            result.append({"intent": intent, "examples": total, "by_language": languages,
                           "reason": "; ".join(reasons)})
    return sorted(result, key=lambda r: (r["examples"], r["intent"]))


def similar_intents(dataset, min_share=0.05, limit=10):
    """Pairs of intents whose examples look alike: for each example, its nearest other
    example (character n-gram cosine, after normalization); a pair counts the examples
    of either intent whose nearest neighbour belongs to the other.

    Returns ``[{"intents": [a, b], "examples", "share", "closest": [text_a, text_b],
    "similarity"}]`` for pairs where at least ``min_share`` of their examples are closest
    to the other intent, the largest share first.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    examples = [e for e in dataset.examples if e.text.strip()]
    if len(examples) < 2:
        return []
    normalize = Normalizer()
    labels = [intent_label(e.intent) for e in examples]
    # In a large set, n-grams in more than a fifth of the examples ("an", " ka") tell no
    # two examples apart; without them the products are sparse enough to take a third of
    # the time (7,884 examples: 1.3 s against 4.8 s; the same nearest neighbour for 90 %
    # of them). A small set keeps them: there they are most of what examples share.
    max_df = 0.2 if len(examples) >= LARGE_SET else 1.0
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True,
                              min_df=2, max_df=max_df).fit_transform(
                                  [normalize(e.text) for e in examples])
    nearest, similarity = _nearest_neighbours(vectors)
    sizes = Counter(labels)
    pairs = {}
    for index, (other, score) in enumerate(zip(nearest, similarity)):
        if other < 0 or labels[other] == labels[index]:
            continue
        key = tuple(sorted((labels[index], labels[other])))
        entry = pairs.setdefault(key, {"examples": 0, "similarity": -1.0, "closest": None})
        entry["examples"] += 1
        if score > entry["similarity"]:
            first, second = (index, other) if labels[index] == key[0] else (other, index)
            entry.update(similarity=float(score),
                         closest=[examples[first].text, examples[second].text])
    result = []
    for (a, b), entry in pairs.items():
        share = entry["examples"] / (sizes[a] + sizes[b])
        if share >= min_share:
            result.append({"intents": [a, b], "examples": entry["examples"],
                           "share": round(share, 4), "closest": entry["closest"],
                           "similarity": round(entry["similarity"], 4)})
    return sorted(result, key=lambda r: (-r["share"], r["intents"]))[:limit]


def _nearest_neighbours(vectors):
    """For each row, the index of its most similar other row (-1 if none) and the cosine."""
    n = vectors.shape[0]
    nearest, best = np.full(n, -1), np.zeros(n)
    for start in range(0, n, _BLOCK_ROWS):
        block = (vectors[start:start + _BLOCK_ROWS] @ vectors.T).toarray()
        rows = np.arange(block.shape[0])
        block[rows, start + rows] = -1.0  # not itself
        nearest[start:start + block.shape[0]] = block.argmax(axis=1)
        best[start:start + block.shape[0]] = block.max(axis=1)
    nearest[best <= 0] = -1
    return nearest, best
