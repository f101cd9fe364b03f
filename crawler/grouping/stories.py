"""Same-story headlines: ``StoryGroups`` puts headlines that report the same event in other
words ("Le Maroc et la France signent 22 accords à Rabat" / "Rabat : 22 accords signés entre
le Maroc et la France") into one story, incrementally, as the ticker shows them.

The pairwise decision is a *method*, a module with ``analyse(text)``, ``compare(a, b,
threshold)``, ``veto(a, b)``, ``shares(a, b)``, ``index_keys(analysis)`` and a
``DEFAULT_THRESHOLD``:

* ``lemmas`` (crawler.grouping.matching, the default): simplemma lemmas, wordfreq weights,
  numbers read as values, synonyms and names as data;
* ``rules`` (crawler.grouping.rules): the first method, hand-written stems and vetoes, kept so
  that bench/story_eval.py can report both on the same pairs.

Time is a signal too: a headline joins a story only if the story was on the ticker within
STORY_GAP of it (the same words a week apart are another bulletin, another match, another
price change).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import ModuleType
from typing import NamedTuple

from crawler.core import clock
from crawler.core.text import headline_key
from crawler.grouping import matching, rules

METHODS: dict[str, ModuleType] = {matching.METHOD: matching, rules.METHOD: rules}
DEFAULT_METHOD = matching.METHOD
DEFAULT_STORY_THRESHOLD = matching.DEFAULT_THRESHOLD

STORY_GAP = timedelta(days=3)
"""A headline joins a story whose latest headline was seen at most 3 days before (or after) it:
stories are news of a day or two, and a headline that comes back in the same words days later
reports the next bulletin, match or price change."""


class StoryAssignment(NamedTuple):
    """Where ``StoryGroups.add`` put a headline: the story (the key of its representative,
    its first headline), the score against that representative (1.0 for the representative
    itself and exact repeats), and whether the headline opened the story."""

    story: str
    similarity: float
    new: bool


MAX_POSTINGS = 1000
"""Candidates through one content token are the most recent 1,000 stories containing it: a
token found in more stories than that (a frequent word) still counts in the score but no
longer brings in old stories as candidates, which keeps ``add`` fast on a long ticker."""


MAX_CANDIDATES = 50
"""At most 50 representatives are compared with a new headline: those sharing the most content
tokens with it. The best match shares several tokens, so it is among them; the bound keeps
``add`` at a constant cost when template words (visite de travail, زيارة عمل) open thousands
of stories."""


@dataclass
class _Story:
    key: str
    analysis: object
    order: int
    seen: datetime | None  # when a headline of the story was last seen (None: not known)


def _time(seen: str | datetime | None) -> datetime | None:
    if seen is None or isinstance(seen, datetime):
        return seen
    return clock.parse(seen)


class StoryGroups:
    """Incremental grouping of headlines into stories, precision first.

    Each headline is compared (the method's ``compare``) with the *representatives* of
    existing stories, the first headline of each, found through an inverted index of their
    content (no all-pairs scan; at most MAX_CANDIDATES, those sharing the most keys), and
    attaches to the best-scoring one if its score reaches `threshold` (ties: the oldest story)
    and the story was seen within STORY_GAP of it; otherwise it opens a story of its own.

    Attach-to-representative rather than union-find: union-find merges transitively, so
    "A~B, B~C" puts A and C together even when they share nothing (a drifting story: a bulletin
    today, tomorrow's bulletin, ... a weather chain across days). Pinning each story to one
    headline keeps every member within the threshold of it, at the cost of some recall (a
    paraphrase of a paraphrase may open a new story), which is the trade-off asked for.

    Headlines that fold to the same text (``crawler.core.text.headline_key``) always join the
    story of the first one, without comparison.
    """

    def __init__(self, threshold: float | None = None, *, method: str = DEFAULT_METHOD,
                 max_postings: int = MAX_POSTINGS, max_candidates: int = MAX_CANDIDATES,
                 gap: timedelta = STORY_GAP):
        if method not in METHODS:
            raise ValueError(f"unknown story method {method!r}: expected one of {', '.join(sorted(METHODS))}")
        self.method = METHODS[method]
        self.threshold = self.method.DEFAULT_THRESHOLD if threshold is None else threshold
        self.max_postings = max_postings
        self.max_candidates = max_candidates
        self.gap = gap
        self._stories: list[_Story] = []  # representatives, in creation order (index = order)
        self._by_key: dict[str, _Story] = {}
        self._postings: dict[str, list[int]] = {}
        self._members: dict[str, tuple[str, str]] = {}  # key -> (story, text), every headline added
        self._exact: dict[str, str] = {}  # headline_key(text) -> story

    def same_story(self, a: str, b: str) -> tuple[bool, float]:
        """The pairwise decision used for evaluation: (same story?, score)."""
        match = self.explain(a, b)
        return match.same, match.score

    def explain(self, a: str, b: str):
        """The pairwise decision with its reasons (shared tokens, veto)."""
        method = self.method
        return method.compare(method.analyse(a), method.analyse(b), self.threshold)

    def add(self, key: str, text: str, seen: str | datetime | None = None) -> StoryAssignment:
        """Assign a headline to a story; `key` is the caller's identifier of the headline
        (e.g. its headline_key), `seen` when it was seen (a clock timestamp; None: no time
        limit). A key already added keeps its story."""
        method = self.method
        when = _time(seen)
        known = self._members.get(key)
        if known is not None:
            story = known[0]
            if story == key:
                return StoryAssignment(story, 1.0, False)
            return StoryAssignment(story, method.compare(method.analyse(text), self._by_key[story].analysis,
                                                         0.0).score, False)
        folded = headline_key(text)
        story_key = self._exact.get(folded)
        if story_key is not None and self._within_gap(self._by_key[story_key], when):
            self._join(key, text, self._by_key[story_key], when)
            return StoryAssignment(story_key, 1.0, False)
        analysis = method.analyse(text)
        best, best_score = None, 0.0
        for candidate in self._candidates(analysis, when):
            match = method.compare(analysis, candidate.analysis, self.threshold)
            if match.same and match.score > best_score:
                best, best_score = candidate, match.score
        if best is not None:
            self._join(key, text, best, when)
            self._exact.setdefault(folded, best.key)
            return StoryAssignment(best.key, best_score, False)
        self._open(key, text, analysis, when)
        return StoryAssignment(key, 1.0, True)

    def _within_gap(self, story: _Story, when: datetime | None) -> bool:
        return when is None or story.seen is None or abs(when - story.seen) <= self.gap

    def _join(self, key: str, text: str, story: _Story, when: datetime | None) -> None:
        self._members[key] = (story.key, text)
        if when is not None and (story.seen is None or when > story.seen):
            story.seen = when

    def _candidates(self, analysis, when: datetime | None) -> list[_Story]:
        """The representatives to compare with: among the stories sharing index keys with the
        headline (each key brings in the most recent `max_postings` stories that have it),
        ranked by the number of keys shared (the most recent first among equals), the first
        `max_candidates` that share content, were seen within the gap and pass the vetoes, looking at 10 x
        `max_candidates` at most. In creation order."""
        counts: Counter[int] = Counter()
        cap = self.max_postings
        for key in self.method.index_keys(analysis):
            postings = self._postings.get(key)
            if postings:
                counts.update(reversed(postings[-cap:]))
        if not counts:
            return []
        ranked = counts.most_common(10 * self.max_candidates)
        check, shares = self.method.veto, self.method.shares
        out = []
        for order, _ in ranked:
            story = self._stories[order]
            if (shares(analysis, story.analysis) and self._within_gap(story, when)
                    and check(analysis, story.analysis) is None):
                out.append(story)
                if len(out) == self.max_candidates:
                    break
        out.sort(key=lambda s: s.order)
        return out

    def _open(self, key: str, text: str, analysis, when: datetime | None) -> None:
        story = _Story(key, analysis, len(self._stories), when)
        self._stories.append(story)
        self._by_key[key] = story
        for index_key in self.method.index_keys(analysis):
            self._postings.setdefault(index_key, []).append(story.order)
        self._members[key] = (key, text)
        # the latest story of this text: an older one is only left when it is out of the gap
        self._exact[headline_key(text)] = key

    def state(self) -> list[tuple[str, str, str]]:
        """Every headline added, as (story, key, text) rows: the representatives (story == key)
        in the order their stories were opened, then the other headlines in the order added.
        What ``load`` takes back."""
        rows = [(story, key, text) for key, (story, text) in self._members.items()]
        return [r for r in rows if r[0] == r[1]] + [r for r in rows if r[0] != r[1]]

    def load(self, rows: Iterable[tuple]) -> int:
        """Restore state saved by ``state``, into an empty or a running instance (keys already
        known are skipped). Rows are (story, key, text), or (story, key, text, seen) with when
        the story was last seen. They may come in any order: representatives (story == key)
        are re-analysed and re-indexed first, in row order (which then breaks ties between
        stories, as creation order did), then the other rows join their stories. A row whose
        story has no representative raises ValueError. Returns the number of rows loaded."""
        members = []
        n = 0
        for row in rows:
            story, key, text = row[:3]
            seen = _time(row[3]) if len(row) > 3 else None
            if key in self._members:
                continue
            if story == key:
                self._open(key, text, self.method.analyse(text), seen)
                n += 1
            else:
                members.append((story, key, text, seen))
        for story, key, text, seen in members:
            if story not in self._by_key:
                raise ValueError(f"row {key!r} refers to story {story!r}, which has no representative")
            if key not in self._members:
                self._join(key, text, self._by_key[story], seen)
                self._exact.setdefault(headline_key(text), story)
                n += 1
        return n

    def __len__(self) -> int:
        """The number of stories."""
        return len(self._stories)
