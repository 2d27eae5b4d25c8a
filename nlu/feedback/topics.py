"""Out-of-scope topics that keep coming back: clusters of the messages the bot rejected.

Messages are grouped by word TF-IDF (after normalization; the stored texts are masked):
each message joins the first topic whose centre it is close to (cosine at least
``threshold``), or starts a new one, the most repeated texts first. A topic is named by
its heaviest words; it "recurs" when its messages came on more than one day.
"""

__all__ = ["recurring_topics"]

import numpy as np

from ..text.normalize import Normalizer

#: Words that say nothing about a topic: greetings, fillers, pronouns, placeholders.
_FILLERS = frozenset("""
admin kakak kak min gan sis bro ya yah dong deh sih nih kok lah aja saja juga ini itu
yang dan atau di ke dari untuk buat sama dengan ada tidak bisa mau saya aku kamu gimana
bagaimana apa kenapa tolong mohon halo hai the a an is are to of and or for in on my i you
it what how can do please phone email nik card account invoice url 0
""".split())


def recurring_topics(rows, threshold=0.35, limit=10, min_messages=2):
    """Topics of rejected messages: ``rows`` are dicts with ``text`` and ``created_at``.

    Returns ``[{"name", "messages", "days", "recurring", "first_seen", "last_seen",
    "examples"}]``: topics of at least ``min_messages`` messages, recurring ones first,
    then by size.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    normalize = Normalizer()
    texts = {}
    for row in rows:
        key = normalize(row["text"])
        if key:
            texts.setdefault(key, []).append(row)
    if not texts:
        return []
    keys = sorted(texts, key=lambda k: -len(texts[k]))
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=5000,
                                 token_pattern=r"(?u)\b[^\W\d_]{2,}\b",
                                 stop_words=list(_FILLERS))
    try:
        vectors = vectorizer.fit_transform(keys)
    except ValueError:  # nothing but fillers
        return []
    weights = np.array([len(texts[k]) for k in keys], dtype=np.float32)
    # Topic centres (weighted sums of their messages' vectors), grown as topics appear.
    centres = np.zeros((16, vectors.shape[1]), dtype=np.float32)
    members = []
    for index in range(len(keys)):
        row = vectors[index]
        if row.nnz == 0:
            continue
        if members:
            current = centres[:len(members)]
            scores = (row @ current.T).ravel() / np.maximum(
                np.linalg.norm(current, axis=1), 1e-12)
            best = int(np.argmax(scores))
            if scores[best] >= threshold:
                centres[best] += weights[index] * row.toarray().ravel()
                members[best].append(index)
                continue
        if len(members) == len(centres):
            centres = np.vstack([centres, np.zeros_like(centres)])
        centres[len(members)] = weights[index] * row.toarray().ravel()
        members.append([index])
    terms = vectorizer.get_feature_names_out()
    topics = []
    for centre, indices in zip(centres[:len(members)], members):
        messages = [m for i in indices for m in texts[keys[i]]]
        if len(messages) < min_messages:
            continue
        days = {m["created_at"].date() for m in messages}
        topics.append({
            "name": _name(centre, terms),
            "messages": len(messages),
            "days": len(days),
            "recurring": len(days) > 1,
            "first_seen": min(m["created_at"] for m in messages),
            "last_seen": max(m["created_at"] for m in messages),
            "examples": [texts[keys[i]][0]["text"] for i in indices[:3]],
        })
    return sorted(topics, key=lambda t: (-t["recurring"], -t["messages"], t["name"]))[:limit]


def _name(centre, terms, words=3):
    """The topic's heaviest terms, a bigram replacing the words it contains."""
    chosen = []
    for index in np.argsort(-centre):
        if centre[index] <= 0 or len(chosen) == words:
            break
        term = str(terms[index])
        if any(term in c or c in term for c in chosen):
            continue
        chosen.append(term)
    return ", ".join(chosen)
