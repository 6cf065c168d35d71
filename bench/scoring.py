"""Pairwise scoring shared by the record-linkage benchmarks.

A matcher's output is a set of record pairs; it is scored against the true pairs as
precision, recall and F1 over pairs. Counts rather than ratios are kept, so the scores
of several data sets add up to one micro-averaged score.
"""

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import combinations

from streams.resolve import Resolver

Pair = tuple[str, str]  # two record ids, in a fixed order per benchmark


@dataclass(frozen=True)
class Result:
    """What one matcher produced on one data set."""

    name: str
    predicted: set[Pair]
    pairs_compared: int
    blocked: set[Pair]  # pairs that survived blocking
    seconds: float


@dataclass(frozen=True)
class Scores:
    hits: int  # predicted pairs that are true
    predicted: int
    true: int

    @property
    def precision(self) -> float:
        return self.hits / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.hits / self.true if self.true else 0.0

    @property
    def f1(self) -> float:
        if not self.hits:
            return 0.0
        return 2 * self.precision * self.recall / (self.precision + self.recall)

    def __add__(self, other: "Scores") -> "Scores":
        return Scores(
            self.hits + other.hits, self.predicted + other.predicted, self.true + other.true
        )


def score(predicted: AbstractSet[Hashable], truth: AbstractSet[Hashable]) -> Scores:
    """`predicted` against `truth`; pairs must be written the same way in both."""
    return Scores(len(predicted & truth), len(predicted), len(truth))


def entity_pairs(resolver: Resolver, refs: Iterable[str]) -> Iterator[Pair]:
    """Every pair of the records in one entity (union-find over the resolver's matches),
    smaller ref first: the pairs a transitive closure of its links predicts."""
    members: defaultdict[str, list[str]] = defaultdict(list)
    for ref in refs:
        members[resolver.entity_of(ref)].append(ref)
    for group in members.values():
        yield from combinations(sorted(group), 2)
