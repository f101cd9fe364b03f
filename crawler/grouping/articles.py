"""Near-duplicate article bodies: ``ArticleGroups`` groups bodies that are the same text with
small edits (a paragraph added or removed, a sentence reworded, re-published by another paper).

MinHash over 3-word shingles, a MinHashLSH index of group representatives, a group is joined
when the estimated Jaccard similarity to its representative reaches the threshold. The site's
furniture sentences (closing line, report box) are a parameter, removed before hashing.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

# Arabic harakat (fathatan .. sukun, superscript alef, Quranic marks) and tatweel: removed.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")

SHINGLE_WORDS = 3
"""Shingles are runs of 3 consecutive words of the normalised body."""

MIN_SHINGLES = 10
"""A body with fewer distinct (non-boilerplate) shingles than this, about one sentence of
a dozen words, is *too short*: it gets a group of its own and is never indexed, so it can
neither join nor attract another body. A MinHash estimate over a handful of shingles is too
coarse, and short bodies (a caption, a one-line brief) coincide by accident."""

MAX_BODY_CHARS = 1 << 20
"""Only the first 1,048,576 characters (1 MiB of ASCII text) of a body are hashed; the rest
is ignored. A real article is a few KB; the cap bounds the cost of a pathological body."""

BOILERPLATE_MAX_SHARE = 0.5
"""A body more than half of whose distinct shingles are boilerplate (the furniture sentences
given to ``ArticleGroups``) is treated as too short."""

SIGNATURE_VERSION = 1
"""First byte of every signature: the version of the body normalisation and shingle hashing
(`_body_words`, `_shingle_hashes`). Raise it when either changes: signatures of another
version cannot be compared and ``ArticleGroups.load`` refuses them."""

MINHASH_SEED = 1
MINHASH_SCHEME = "affine32"  # datasketch >= 2.0: uint32 hash values, a*h+b mod 2^32 permutations

_WORD = re.compile(r"\w+")
# polynomial combination of 3 word hashes into one shingle hash (odd multipliers, mod 2^32)
_P1, _P2 = np.uint32(0x9E3779B1), np.uint32(0x85EBCA77)
_WORD_HASH_CACHE: dict[str, int] = {}
_WORD_HASH_CACHE_MAX = 500_000


def _word_hash(word: str) -> int:
    h = _WORD_HASH_CACHE.get(word)
    if h is None:
        if len(_WORD_HASH_CACHE) >= _WORD_HASH_CACHE_MAX:
            _WORD_HASH_CACHE.clear()
        h = _WORD_HASH_CACHE[word] = zlib.crc32(word.encode("utf-8"))
    return h


def _body_words(text: str) -> list[str]:
    """The words of a body for shingling: first MAX_BODY_CHARS characters, NFKC, casefold,
    Arabic harakat and tatweel removed; words are runs of letters and digits, so punctuation
    and every quote or apostrophe style fall away (l'article → l, article); digits are kept."""
    text = unicodedata.normalize("NFKC", text[:MAX_BODY_CHARS]).casefold()
    if _ARABIC_MARKS.search(text):
        text = _ARABIC_MARKS.sub("", text)
    return _WORD.findall(text)


def _shingle_hashes(words: list[str]) -> np.ndarray:
    """The distinct 32-bit hashes of the 3-word shingles of `words` (sorted, uint32).

    A word hashes to its CRC-32 (UTF-8), deterministic across processes and platforms; the
    shingle (w0, w1, w2) hashes to ((h0 * P1 + h1) * P2 + h2) mod 2^32. datasketch then mixes
    each value with the MurmurHash3 finalizer before permuting it."""
    if len(words) < SHINGLE_WORDS:
        return np.empty(0, dtype=np.uint32)
    hashes = list(map(_WORD_HASH_CACHE.get, words))  # known words: one C-level pass
    if None in hashes:
        for i, value in enumerate(hashes):
            if value is None:
                hashes[i] = _word_hash(words[i])
    h = np.array(hashes, dtype=np.uint32)
    shingles = (h[:-2] * _P1 + h[1:-1]) * _P2 + h[2:]
    return np.unique(shingles)


@lru_cache(maxsize=16)
def _boilerplate_shingles(sentences: tuple[str, ...]) -> np.ndarray:
    """The distinct shingle hashes of furniture sentences (sorted, uint32, read-only), computed
    once per tuple of sentences."""
    if not sentences:
        return np.empty(0, dtype=np.uint32)
    shingles = np.unique(np.concatenate([_shingle_hashes(_body_words(s)) for s in sentences]))
    shingles.flags.writeable = False
    return shingles


class Assignment(NamedTuple):
    """Where ``ArticleGroups.add`` put a body.

    group: the key of the group (the key of its first-seen member);
    representative: the key of the member the body was compared with (the group's first
        member: the same as `group` in this implementation);
    similarity: estimated Jaccard similarity of the body's shingles to the representative's
        (1.0 for the first member of a group);
    new: True when the body opened a new group;
    signature: when `new` and the body was indexed, its serialised MinHash, for the caller
        to store with the key and give back to ``ArticleGroups.load`` in a later crawl; None
        otherwise (joined an existing group, or too short to be indexed).
    """

    group: str
    representative: str
    similarity: float
    new: bool
    signature: bytes | None = None


def lsh_params(threshold: float, num_perm: int, candidate_recall: float = 0.95) -> tuple[int, int]:
    """Bands and rows of the LSH index: the fewest bands b (rows r = num_perm // b) such that
    two bodies whose Jaccard similarity is exactly `threshold` become candidates with
    probability 1 - (1 - threshold**r)**b >= `candidate_recall`.

    Every candidate is then checked against the threshold with its MinHash estimate, so a
    generous LSH costs only time; fewer bands keep the index small (memory grows with bands).
    For threshold 0.8 and 64 permutations: 10 bands of 6 rows (0.95 at J=0.8, 0.99 at 0.85,
    0.15 at 0.5). datasketch's own optimiser, which balances false positives and negatives,
    picks 5 x 11 there, which finds only a third of the pairs at J=0.8."""
    for bands in range(2, num_perm + 1):
        rows = num_perm // bands
        if rows < 1:
            break
        if 1.0 - (1.0 - threshold**rows) ** bands >= candidate_recall:
            return bands, rows
    return num_perm // 2, 2


def band_keys(hashvalues, bands: int, rows: int) -> list[int]:
    """The LSH bucket of each band of a MinHash, as one signed 64-bit integer per band (band
    number and the band's hash values, BLAKE2b): what the archive indexes (table group_bands)
    so that a crawl finds candidate groups with a query instead of holding every signature.
    Stable across processes and platforms (little-endian uint32 values)."""
    values = np.asarray(hashvalues, dtype="<u4")
    return [
        int.from_bytes(hashlib.blake2b(bytes([band]) + values[band * rows:(band + 1) * rows].tobytes(),
                                       digest_size=8).digest(), "little", signed=True)
        for band in range(bands)
    ]


def signature_buckets(signature: bytes) -> list[int]:
    """The LSH buckets of a stored signature (ValueError for one of another format): the
    group_bands rows of its group."""
    groups = _default_groups()
    return groups.buckets(groups._deserialize(signature))


@lru_cache(maxsize=1)
def _default_groups() -> ArticleGroups:
    return ArticleGroups()


class ArticleGroups:
    """Incremental grouping of article bodies into near-duplicate groups.

    Each body is reduced to the set of its 3-word shingles (see ``_body_words``) minus the
    shingles of the `boilerplate` sentences, then to a MinHash of `num_perm` permutations
    (datasketch, scheme "affine32", seed 1). The first body of a group is its representative
    and the only one put in the MinHashLSH index (keys: group keys), so memory grows with the
    number of groups, not of bodies. A new body is compared (MinHash Jaccard estimate) with
    the representatives the LSH returns as candidates and joins the most similar one if the
    estimate is >= `threshold` (ties: the oldest group); otherwise it opens a new group.
    Comparing with representatives only means no chaining: a body never joins a group because
    it resembles a member that itself only resembled the representative.

    Estimates have a standard error of about sqrt(J(1-J)/num_perm): 0.05 at J=0.8 with 64
    permutations, so pairs within ~0.05 of the threshold may fall either side.

    Bodies too short to hash meaningfully (fewer than MIN_SHINGLES distinct shingles once
    boilerplate is removed, or mostly boilerplate) are never indexed: each gets a group of its
    own with similarity 1.0 and no signature.

    `boilerplate`: the site's furniture sentences (e.g. a closing line and a report box, in
    every language of the site), an iterable of str. Their shingles are removed before
    hashing, and a body whose shingles are mostly (more than ``BOILERPLATE_MAX_SHARE``)
    boilerplate is treated as too short. Signatures depend on them: give the same sentences
    to the instance that ``load``s signatures as to the one that made them.
    """

    def __init__(self, threshold: float = 0.8, num_perm: int = 64, *, candidate_recall: float = 0.95,
                 boilerplate: Iterable[str] = (),
                 archived: Callable[[list[int]], Iterable[tuple[str, bytes]]] | None = None):
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if isinstance(boilerplate, str):
            raise TypeError("boilerplate must be an iterable of sentences, not one str")
        self.threshold = threshold
        self.boilerplate = tuple(boilerplate)
        self._boilerplate_shingles = _boilerplate_shingles(self.boilerplate)
        self.num_perm = num_perm
        self.bands, self.rows = lsh_params(threshold, num_perm, candidate_recall)
        self._lsh = MinHashLSH(num_perm=num_perm, params=(self.bands, self.rows))
        self._template = MinHash(num_perm=num_perm, seed=MINHASH_SEED, scheme=MINHASH_SCHEME)
        self._reps: dict[str, LeanMinHash] = {}  # group key -> representative's MinHash (in insertion order)
        self._order: dict[str, int] = {}
        self._next = 0
        # Groups kept outside (the archive's table group_bands): given the LSH buckets of a
        # body, their (group key, signature), oldest first; older than every group added here.
        self._archived = archived

    # -- hashing -----------------------------------------------------------------------------

    def shingles(self, text: str) -> np.ndarray:
        """The distinct shingle hashes of a body minus the boilerplate ones (sorted, uint32): the
        set whose Jaccard similarity the MinHash estimates."""
        shingles = _shingle_hashes(_body_words(text))
        return shingles[~np.isin(shingles, self._boilerplate_shingles, assume_unique=True)]

    def minhash(self, text: str) -> MinHash | None:
        """The MinHash of a body's non-boilerplate shingles, or None when the body is too short
        (see MIN_SHINGLES, BOILERPLATE_MAX_SHARE)."""
        shingles = _shingle_hashes(_body_words(text))
        if len(shingles) < MIN_SHINGLES:
            return None
        boiler = np.isin(shingles, self._boilerplate_shingles, assume_unique=True)
        content = shingles[~boiler]
        if len(content) < MIN_SHINGLES or boiler.sum() > BOILERPLATE_MAX_SHARE * len(shingles):
            return None
        m = MinHash(num_perm=self.num_perm, seed=MINHASH_SEED, hashfunc=int, scheme=MINHASH_SCHEME,
                    permutations=self._template.permutations)
        m.update_batch(content.tolist())
        return m

    def signature(self, text: str) -> bytes:
        """The serialised MinHash of a body (the bytes ``add`` returns for a new group).

        Format (little-endian, 270 bytes for 64 permutations): 1 byte SIGNATURE_VERSION, then
        datasketch's ``LeanMinHash.serialize(byteorder="<")`` of the affine32 scheme: int64
        seed, int32 *negated* number of permutations, uint8 scheme code (1 = affine32), and
        num_perm uint32 hash values. Raises ValueError for a body too short to be indexed."""
        m = self.minhash(text)
        if m is None:
            raise ValueError("body too short (or only boilerplate) to have a signature")
        return self._serialize(LeanMinHash(m))

    @staticmethod
    def _serialize(lean: LeanMinHash) -> bytes:
        buf = bytearray(1 + lean.bytesize(byteorder="<"))
        buf[0] = SIGNATURE_VERSION
        lean.serialize(memoryview(buf)[1:], byteorder="<")
        return bytes(buf)

    def _deserialize(self, signature: bytes) -> LeanMinHash:
        if not signature or signature[0] != SIGNATURE_VERSION:
            raise ValueError(f"signature version {signature[:1]!r} is not {SIGNATURE_VERSION}: rehash the body")
        lean = LeanMinHash.deserialize(memoryview(signature)[1:], byteorder="<")
        if lean.scheme != MINHASH_SCHEME or lean.seed != MINHASH_SEED or len(lean) != self.num_perm:
            raise ValueError(
                f"signature is {lean.scheme}/seed {lean.seed}/{len(lean)} permutations, "
                f"expected {MINHASH_SCHEME}/seed {MINHASH_SEED}/{self.num_perm}"
            )
        return lean

    # -- grouping ----------------------------------------------------------------------------

    def add(self, key: str, text: str) -> Assignment:
        """Assign a body to a group (a new one or the most similar existing one).

        Keys are the caller's identifiers (article URLs). Adding again the key of a
        representative re-checks its body: if still similar to its own stored signature it
        stays in its group; otherwise the old representative is dropped from the index and the
        body is grouped afresh (it may then open a new group under the same key, with a new
        signature to store)."""
        m = self.minhash(text)
        if m is None:
            return Assignment(key, key, 1.0, True, None)
        if key in self._reps:
            own = self._reps[key].jaccard(m)
            if own >= self.threshold:
                return Assignment(key, key, own, False, None)
            self.forget(key)
        best_key, best = None, -1.0
        if self._archived is not None:  # older than the groups of this index: first among equals
            for candidate, signature in self._archived(self.buckets(m)):
                if candidate in self._reps:
                    continue  # added here since: compared below
                similarity = self._deserialize(signature).jaccard(m)
                if similarity > best:
                    best_key, best = candidate, similarity
        archived_best = best_key
        for candidate in self._lsh.query(m):
            similarity = self._reps[candidate].jaccard(m)
            if similarity > best or (similarity == best and best_key != archived_best
                                     and self._order[candidate] < self._order[best_key]):
                best_key, best = candidate, similarity
        if best_key is not None and best >= self.threshold:
            return Assignment(best_key, best_key, best, False, None)
        lean = LeanMinHash(m)
        self._insert(key, lean)
        return Assignment(key, key, 1.0, True, self._serialize(lean))

    def buckets(self, minhash) -> list[int]:
        """The LSH buckets of a MinHash (one per band): what the archive indexes."""
        return band_keys(minhash.hashvalues, self.bands, self.rows)

    def _insert(self, key: str, lean: LeanMinHash) -> None:
        self._lsh.insert(key, lean, check_duplication=False)
        self._reps[key] = lean
        self._order[key] = self._next
        self._next += 1

    def load(self, representatives: Iterable[tuple[str, bytes]]) -> int:
        """Rebuild the index from stored (group key, signature) pairs of representatives, in
        the order the groups were created (the order breaks ties). A key already present is
        replaced. Returns the number loaded; raises ValueError on a signature of another
        format version or size."""
        n = 0
        for key, signature in representatives:
            lean = self._deserialize(signature)
            if key in self._reps:
                self.forget(key)
            self._insert(key, lean)
            n += 1
        return n

    def forget(self, key: str) -> None:
        """Drop a group's representative from the index (e.g. to bound memory to recent
        groups); later bodies can no longer join that group."""
        if key in self._reps:
            self._lsh.remove(key)
            del self._reps[key]
            del self._order[key]

    def representatives(self) -> Iterator[tuple[str, bytes]]:
        """The (group key, signature) pairs of the index, in creation order: what ``load``
        takes back."""
        for key, lean in self._reps.items():
            yield key, self._serialize(lean)

    def __len__(self) -> int:
        """The number of indexed groups (too-short bodies are not counted)."""
        return len(self._reps)

    def __contains__(self, key: object) -> bool:
        return key in self._reps
