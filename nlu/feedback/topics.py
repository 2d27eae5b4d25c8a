"""Out-of-scope topics that keep coming back: clusters of the messages the bot rejected.

Messages are grouped by word TF-IDF (after normalization; the stored texts are masked):
the most repeated texts first, each joins the topic of the closest text placed before it
when their cosine is at least ``threshold``, or starts a new topic. A topic is named by
the heaviest words of its texts; it "recurs" when its messages came on more than one day.
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


def recurring_topics(rows, threshold=0.35, limit=10, min_messages=2, max_texts=2000):
    """Topics of rejected messages: ``rows`` are dicts with ``text`` and ``created_at``;
    the ``max_texts`` most repeated distinct texts are clustered.

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
    keys = sorted(texts, key=lambda k: -len(texts[k]))[:max_texts]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=5000,
                                 token_pattern=r"(?u)\b[^\W\d_]{2,}\b",
                                 stop_words=list(_FILLERS))
    try:
        vectors = vectorizer.fit_transform(keys)
    except ValueError:  # nothing but fillers
        return []
    weights = np.array([len(texts[k]) for k in keys], dtype=np.float32)
    similarity = (vectors @ vectors.T).toarray()
    empty = np.diff(vectors.indptr) == 0
    topic_of, members = np.full(len(keys), -1), []
    for index in range(len(keys)):
        if empty[index]:
            continue
        scores = np.where(topic_of[:index] >= 0, similarity[index, :index], -1.0)
        best = int(np.argmax(scores)) if index else 0
        if index and scores[best] >= threshold:
            topic_of[index] = topic_of[best]
            members[topic_of[best]].append(index)
        else:
            topic_of[index] = len(members)
            members.append([index])
    terms = vectorizer.get_feature_names_out()
    topics = []
    for indices in members:
        centre = np.asarray(weights[indices] @ vectors[indices].toarray()).ravel()
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
