"""Incremental resolution: one record in, its explained links out.

The shape a stream processor needs: `add` scores the new record against the stored
records it shares a blocking key with, once each, then stores it. Nothing is rescored
later, so the work per record depends on its candidates, not on how much is stored.
"""

from dataclasses import dataclass

from streams.resolve.blocking import HUB_SIZE, BlockingIndex
from streams.resolve.clusters import Clusters
from streams.resolve.explain import Decision, Score
from streams.resolve.model import Model
from streams.resolve.records import PersonRecord


@dataclass(frozen=True)
class Link:
    """`left` was stored first, `right` completed the link; `keys` are the blocking keys
    they shared, i.e. why they were compared at all."""

    left: str
    right: str
    keys: tuple[str, ...]
    score: Score

    @property
    def decision(self) -> Decision:
        return self.score.decision


class Resolver:
    """Stored records, their blocking index and the entities their match links form."""

    def __init__(self, model: Model, *, hub_size: int = HUB_SIZE) -> None:
        self.model = model
        self._index = BlockingIndex(hub_size)
        self._records: dict[str, PersonRecord] = {}
        self._clusters = Clusters()
        self.pairs_scored = 0

    def __len__(self) -> int:
        return len(self._records)

    @property
    def hubs(self) -> dict[str, int]:
        """Keys that stopped producing candidates, with how many records had them."""
        return dict(self._index.hubs)

    def add(self, record: PersonRecord) -> list[Link]:
        """Links (match and possible match) of a new record to stored ones.

        A ref seen before adds nothing: replaying a topic does not duplicate links.
        """
        if record.ref in self._records:
            return []
        links = []
        for ref, keys in self._index.add(record).items():
            score = self.model.score(self._records[ref], record)
            self.pairs_scored += 1
            if score.decision is not Decision.NON_MATCH:
                links.append(Link(ref, record.ref, tuple(keys), score))
        self._records[record.ref] = record
        self._clusters.add(record.ref)
        for link in links:
            if link.decision is Decision.MATCH:
                self._clusters.union(link.left, link.right)
        return links

    def entity_of(self, ref: str) -> str:
        """Id of the entity (cluster of match links) the record belongs to."""
        return self._clusters.entity_id(ref)
