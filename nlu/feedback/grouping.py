"""Near-duplicate messages as one group, so a lead labels a recurring message once.

Two messages are near-duplicates when their stored texts (already masked) are the same
after normalization (slang, case, repeated letters, digits), or when their character
n-gram vectors are close (cosine at least ``threshold``) and the model's top guess is the
same for both. Only messages of the same review status are grouped together.
"""

__all__ = ["Group", "group_messages", "NEAR_DUPLICATE_COSINE"]

from dataclasses import dataclass, field

import numpy as np

from ..text.normalize import Normalizer

#: Messages that differ by a filler word ("kak", "dong") or a word form ("batalin",
#: "batalkan") score 0.87 to 0.90; at 0.8, different requests in the same words start to
#: merge (on data/test_id.jsonl, "cara batalkan pesanan yang sudah dibayar" with "cara
#: ganti alamat kirim pesanan yang sudah dibayar"); at 0.85 one pair of its 442 messages
#: merges ("oke admin terima kasih", "oke terima kasih admin").
NEAR_DUPLICATE_COSINE = 0.85
_BLOCK_ROWS = 512


@dataclass
class Group:
    """Messages a lead can label together; ``members`` are rows, newest first."""

    members: list = field(default_factory=list)

    @property
    def representative(self):
        return self.members[0]

    @property
    def message_ids(self):
        return [m["message_id"] for m in self.members]

    def __len__(self):
        return len(self.members)


def group_messages(rows, threshold=NEAR_DUPLICATE_COSINE, normalize=None):
    """Group ``rows`` (dicts with ``text``, ``status``, ``top_intent``; newest first).

    Returns the groups in the order of their newest member.

    >>> rows = [{"message_id": "a", "text": "Paket BLM nyampeee", "status": "pending",
    ...          "top_intent": "item_not_received"},
    ...         {"message_id": "b", "text": "paket blm nyampe kak", "status": "pending",
    ...          "top_intent": "item_not_received"},
    ...         {"message_id": "c", "text": "paket blm nyampe", "status": "confirmed",
    ...          "top_intent": "item_not_received"}]
    >>> [g.message_ids for g in group_messages(rows)]
    [['a', 'b'], ['c']]
    """
    normalize = normalize or Normalizer()
    position = {id(row): index for index, row in enumerate(rows)}
    exact, keys = {}, []
    for row in rows:
        key = (row["status"], normalize(row["text"]))
        if key not in exact:
            exact[key] = Group()
            keys.append(key)
        exact[key].members.append(row)
    groups = [exact[key] for key in keys]
    parent = list(range(len(groups)))
    blocks = {}
    for index, (key, group) in enumerate(zip(keys, groups)):
        blocks.setdefault((key[0], group.representative["top_intent"]), []).append(index)
    texts = [key[1] for key in keys]
    for indices in blocks.values():
        if len(indices) > 1:
            for a, b in _close_pairs([texts[i] for i in indices], threshold):
                _union(parent, indices[a], indices[b])
    merged = {}
    for index, group in enumerate(groups):
        merged.setdefault(_find(parent, index), []).append(group)
    result = []
    for parts in merged.values():
        members = [m for part in parts for m in part.members]
        members.sort(key=lambda m: position[id(m)])  # newest first, as given
        result.append(Group(members))
    return sorted(result, key=lambda g: position[id(g.representative)])


def _close_pairs(texts, threshold):
    """Index pairs ``(i, j)``, i < j, of texts whose char n-gram cosine >= threshold."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        # No idf: weights fitted on a handful of messages would make the cosine depend on
        # which other messages are in the queue.
        vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True,
                                  use_idf=False).fit_transform(texts)
    except ValueError:  # only empty texts: nothing to compare
        return []
    pairs = []
    # Row blocks keep the similarity matrix small whatever the number of messages.
    for start in range(0, vectors.shape[0], _BLOCK_ROWS):
        similarity = (vectors[start:start + _BLOCK_ROWS] @ vectors.T).toarray()
        rows, columns = np.nonzero(similarity >= threshold)
        pairs += [(start + r, c) for r, c in zip(rows, columns) if start + r < c]
    return pairs


def _find(parent, index):
    while parent[index] != index:
        parent[index] = parent[parent[index]]
        index = parent[index]
    return index


def _union(parent, a, b):
    ra, rb = _find(parent, a), _find(parent, b)
    if ra != rb:
        parent[max(ra, rb)] = min(ra, rb)
