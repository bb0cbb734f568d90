"""Identity and near-duplicates: stable content digests and a MinHash LSH index.

Two questions the ingest layer asks of every document:

* **Is it the same text?** :func:`digest` is a blake2b hash of :func:`normalise`\\ d text, so
  copies that differ only in case, spacing, punctuation or Unicode compatibility forms (full-width
  letters, ligatures, non-breaking spaces) share one digest. It is stable across processes and
  machines (never Python's ``hash()``), fit for a database column.
* **Is it a wire copy with small edits?** :class:`NearDuplicates` keeps a MinHash signature of
  the word 5-shingles of each text and answers with the keys of earlier texts whose estimated
  Jaccard similarity reaches the threshold (0.8 by default).

The index lives in memory. To carry it across runs, either keep :meth:`NearDuplicates.to_state`
(a mapping of key to a 512-byte signature) and give it to :meth:`NearDuplicates.from_state`, or
rebuild it from the stored texts with :meth:`NearDuplicates.from_texts`. A caller that must
decide under a lock (the ingest, inside its write transaction) computes the costly part first,
:func:`sketch`, and then asks :meth:`NearDuplicates.match` and :meth:`NearDuplicates.insert`.
"""

from __future__ import annotations

import hashlib
import sys
import unicodedata
import zlib
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from datasketch import MinHash, MinHashLSH

__all__ = ["NUM_PERM", "SHINGLE_WORDS", "THRESHOLD", "NearDuplicates", "digest", "normalise", "sketch"]

#: Words in a shingle.
SHINGLE_WORDS = 5
#: MinHash permutations per signature.
NUM_PERM = 128
#: Estimated Jaccard similarity of shingle sets at and above which two texts are near-duplicates.
THRESHOLD = 0.8
#: Seed of the MinHash permutations: fixed, so signatures agree across processes and runs.
SEED = 1
#: datasketch's permutation scheme (32-bit values); pinned so stored signatures stay readable.
_SCHEME = "affine32"
#: Hash of a shingle: CRC-32, stable everywhere and ~10x faster than datasketch's default
#: SHA-1; datasketch mixes it (murmur3 finaliser) before permuting, so its linearity is harmless.
_SHINGLE_HASH = zlib.crc32
#: LSH bands x rows: candidates are found far below the threshold (a pair at Jaccard 0.7 is a
#: candidate with probability 0.99, at 0.8 with 1.0, at 0.3 with 0.06) and then checked
#: against it, so the LSH's own S-curve does not cost recall near the threshold.
_BANDS, _ROWS = 25, 5


@cache
def _translation() -> dict[int, str | None]:
    """Punctuation becomes a space; invisible format characters (soft hyphen, zero-width
    space, BOM) are dropped. Built once, on first use."""
    table: dict[int, str | None] = {}
    for code in range(sys.maxunicode + 1):
        category = unicodedata.category(chr(code))
        if category[0] == "P":
            table[code] = " "
        elif category == "Cf":
            table[code] = None
    return table


def normalise(text: str) -> str:
    """The text as compared for identity: NFKC, case-folded, punctuation runs dropped,
    whitespace collapsed to single spaces, no leading or trailing space.

    >>> normalise("  Gunmen KILLED\\u00a0three -- police said.\\n")
    'gunmen killed three police said'
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.translate(_translation()).split())


def digest(text: str) -> str:
    """A 32-hex-digit blake2b digest of :func:`normalise`\\ d text, stable across processes."""
    return hashlib.blake2b(normalise(text).encode("utf-8"), digest_size=16).hexdigest()


def _shingles(text: str) -> list[bytes]:
    """Word ``SHINGLE_WORDS``-shingles of the normalised text (one for a shorter text)."""
    words = normalise(text).split(" ")
    if words == [""]:
        return []
    n = SHINGLE_WORDS
    if len(words) <= n:
        return [" ".join(words).encode("utf-8")]
    return [" ".join(words[i : i + n]).encode("utf-8") for i in range(len(words) - n + 1)]


@cache
def _template() -> MinHash:
    """An empty MinHash whose permutations every signature reuses (drawing them is slow)."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=_SHINGLE_HASH, scheme=_SCHEME)


class NearDuplicates:
    """A MinHash LSH index of texts by key, answering "which earlier text is this a copy of?".

    Deterministic: the permutations are seeded, and when several indexed texts match, the
    most similar comes first, ties going to the one indexed first. A text without a single
    word is not indexed and matches nothing.
    """

    def __init__(self, *, threshold: float = THRESHOLD):
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        from datasketch import MinHashLSH

        self.threshold = threshold
        self._lsh: MinHashLSH = MinHashLSH(num_perm=NUM_PERM, params=(_BANDS, _ROWS))
        self._signatures: dict[str, np.ndarray] = {}  # key -> hash values, in insertion order
        self._order: dict[str, int] = {}

    # -- building -----------------------------------------------------------------------------

    @classmethod
    def from_texts(cls, items: Iterable[tuple[str, str]], *, threshold: float = THRESHOLD) -> NearDuplicates:
        """An index of ``(key, text)`` pairs, inserted in the order given (no matching)."""
        index = cls(threshold=threshold)
        for key, text in items:
            index.insert(key, sketch(text))
        return index

    def to_state(self) -> dict[str, bytes]:
        """Each indexed key's signature (``NUM_PERM`` little-endian uint32), in insertion order."""
        return {key: values.astype("<u4").tobytes() for key, values in self._signatures.items()}

    @classmethod
    def from_state(cls, state: Mapping[str, bytes], *, threshold: float = THRESHOLD) -> NearDuplicates:
        """The index :meth:`to_state` described; raises ``ValueError`` on a malformed signature."""
        import numpy as np
        from datasketch import MinHash

        index = cls(threshold=threshold)
        template = _template()
        for key, raw in state.items():
            if len(raw) != 4 * NUM_PERM:
                raise ValueError(
                    f"signature of {key!r} has {len(raw)} bytes, expected {4 * NUM_PERM}; "
                    "rebuild the index from the texts with NearDuplicates.from_texts"
                )
            values = np.frombuffer(raw, dtype="<u4").astype(np.uint32)
            minhash = MinHash(
                num_perm=NUM_PERM,
                hashfunc=_SHINGLE_HASH,
                hashvalues=values,
                permutations=template.permutations,
                scheme=_SCHEME,
            )
            index._insert(key, minhash)
        return index

    # -- using --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, key: object) -> bool:
        return key in self._signatures

    def query(self, text: str) -> list[str]:
        """Keys of indexed texts that ``text`` is a near-duplicate of, most similar first."""
        return self.match(sketch(text))

    def add(self, key: str, text: str) -> str | None:
        """Index ``text`` under ``key``; returns the key of the indexed text it most resembles
        (at or above the threshold), or ``None``. Raises ``ValueError`` if ``key`` is indexed."""
        if key in self._signatures:
            raise ValueError(f"key {key!r} is already in the index; give each document its own key")
        minhash = sketch(text)
        matches = self.match(minhash)
        self.insert(key, minhash)
        return matches[0] if matches else None

    def match(self, minhash: MinHash | None) -> list[str]:
        """As :meth:`query`, for a text's :func:`sketch` (``None``, a text without words,
        matches nothing)."""
        return [] if minhash is None else self._matches(minhash)

    def insert(self, key: str, minhash: MinHash | None) -> None:
        """Index a text's :func:`sketch` under ``key``, without matching it (``None``: nothing
        to index). Raises ``ValueError`` if ``key`` is indexed."""
        if minhash is not None:
            self._insert(key, minhash)

    def similarity(self, key: str, text: str) -> float:
        """Estimated Jaccard similarity of ``text`` to the text indexed under ``key``."""
        minhash = sketch(text)
        if minhash is None:
            return 0.0
        return self._estimate(minhash.hashvalues, self._signatures[key])

    # -- internals ----------------------------------------------------------------------------

    def _insert(self, key: str, minhash: MinHash) -> None:
        if key in self._signatures:
            raise ValueError(f"key {key!r} appears twice; give each document its own key")
        self._lsh.insert(key, minhash, check_duplication=False)
        self._signatures[key] = minhash.hashvalues
        self._order[key] = len(self._order)

    def _matches(self, minhash: MinHash) -> list[str]:
        scored = []
        for key in self._lsh.query(minhash):
            score = self._estimate(minhash.hashvalues, self._signatures[key])
            if score >= self.threshold:
                scored.append((-score, self._order[key], key))
        scored.sort()
        return [key for _, _, key in scored]

    @staticmethod
    def _estimate(a: np.ndarray, b: np.ndarray) -> float:
        return float((a == b).sum()) / NUM_PERM


def sketch(text: str) -> MinHash | None:
    """The MinHash signature of ``text``'s shingles, what the index compares; ``None`` for a
    text without a word. The costly part of indexing a text (about 0.7 ms for a news report)."""
    shingles = _shingles(text)
    if not shingles:
        return None
    from datasketch import MinHash

    template = _template()
    minhash = MinHash(
        num_perm=NUM_PERM, hashfunc=_SHINGLE_HASH, permutations=template.permutations, scheme=_SCHEME
    )
    minhash.update_batch(shingles)
    return minhash
