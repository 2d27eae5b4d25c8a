"""Near-duplicate messages as one group, so a lead labels a recurring message once.

Two messages are near-duplicates when their stored texts (already masked) are the same
after normalization (slang, case, repeated letters, digits), or when their character
n-gram vectors are close (cosine at least ``threshold``) and the model's top guess is the
same for both. Only messages of the same review status are grouped together.
"""

__all__ = ["Group", "TextCache", "group_messages", "NEAR_DUPLICATE_COSINE"]

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


class TextCache:
    """Normalized forms and character n-gram vectors of texts, kept from one read of the
    queue to the next (a server keeps one: from one read to the next, the queue's texts
    change little, and working them out is most of a read's time).

    Vectors are hashed (no vocabulary to fit, so a text's vector never depends on the
    others'), with sublinear term frequencies, L2-normalized. At most ``size`` texts are
    kept; then it starts again.
    """

    def __init__(self, normalize=None, size=50_000):
        self.normalize = normalize or Normalizer()
        self.size = size
        self._keys, self._vectors = {}, {}

    def key(self, text):
        """``text`` normalized (the same for near-identical spellings)."""
        key = self._keys.get(text)
        if key is None:
            if len(self._keys) >= self.size:
                self._keys = {}
            key = self._keys[text] = self.normalize(text)
        return key

    def vectors(self, keys):
        """A sparse matrix: one row per normalized text of ``keys``."""
        from scipy.sparse import vstack
        from sklearn.feature_extraction.text import HashingVectorizer
        from sklearn.preprocessing import normalize

        missing = [k for k in dict.fromkeys(keys) if k not in self._vectors]
        if missing:
            if len(self._vectors) + len(missing) > self.size:
                self._vectors = {}
            counts = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), norm=None,
                                       alternate_sign=False, n_features=2 ** 20,
                                       dtype=np.float32).transform(missing)
            counts.data = 1.0 + np.log(counts.data)
            rows = normalize(counts)
            self._vectors.update((k, rows[i]) for i, k in enumerate(missing))
        return vstack([self._vectors[k] for k in keys], format="csr")


def group_messages(rows, threshold=NEAR_DUPLICATE_COSINE, cache=None):
    """Group ``rows`` (dicts with ``text``, ``status``, ``top_intent``; newest first),
    with ``cache`` (a :class:`TextCache`, a new one if None).

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
    cache = cache or TextCache()
    position = {id(row): index for index, row in enumerate(rows)}
    exact, keys = {}, []
    for row in rows:
        key = (row["status"], cache.key(row["text"]))
        if key not in exact:
            exact[key] = Group()
            keys.append(key)
        exact[key].members.append(row)
    groups = [exact[key] for key in keys]
    parent = list(range(len(groups)))
    blocks = {}
    for index, (key, group) in enumerate(zip(keys, groups)):
        blocks.setdefault((key[0], group.representative["top_intent"]), []).append(index)
    for indices in blocks.values():
        if len(indices) > 1:
            vectors = cache.vectors([keys[i][1] for i in indices])
            for a, b in _close_pairs(vectors, threshold):
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


def _close_pairs(vectors, threshold):
    """Index pairs ``(i, j)``, i < j, of rows whose cosine is at least ``threshold``."""
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
