"""Resolution of persons under one blocking key: the state and logic of the `resolve` agent.

The agent receives each person record once per blocking key (repartitioned by key) and
hands it to `PersonBlocks.add`, which scores it against the earlier records of that key,
stores it and says what to publish: explained links and, once, a hub event. The state
lives in two mappings the caller owns, faust tables in the worker, plain dicts or a
RocksDB wrapper in tests and benchmarks:

- ``blocks``: blocking key -> ``{"refs": [...], "hub": bool, "count": n}``
- ``records``: ``"key|ref"`` -> ``{"record": <record_to_json>}``, one copy per key, so a
  partition holds everything its keys compare and a hub's records can be dropped.
"""

from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cachetools import LRUCache

from borderlink.serde import now

from .links import hub, person_link
from .resolve import Decision, Model, PersonRecord
from .resolve import record_from_json as person_from_json

# Decoded records kept in memory, at about 1-2 kB each: a block holds at most
# `blocking_hub_size` records and a record arrives under a handful of keys, so recent
# blocks fit many times over.
CACHE_SIZE = 20_000


@dataclass(frozen=True)
class Resolution:
    """What one record under one key publishes and how many earlier records it met, then
    the state `PersonBlocks.save` writes once that is published (nothing for a replay)."""

    key: str
    links: list[dict[str, Any]] = field(default_factory=list)  # Avro Link records
    hub: dict[str, Any] | None = None  # Avro Hub record, when this record made the key one
    compared: int = 0
    block: dict[str, Any] | None = None  # the key's new state
    message: Mapping[str, Any] | None = None  # stored under "key|ref"
    dropped: list[str] = field(default_factory=list)  # refs whose records the new hub drops


class PersonBlocks:
    """Blocking key -> the records stored under it, scored incrementally.

    Replays (a ref already stored under the key) publish nothing, so re-reading a
    topic after a crash adds no links; link ids are deterministic besides. A key held
    by more than `hub_size` records becomes a hub: its stored records are dropped, it
    compares nothing from then on and only counts what arrives.
    """

    def __init__(
        self,
        model: Model,
        blocks: MutableMapping[str, Any],
        records: MutableMapping[str, Any],
        *,
        hub_size: int,
        cache_size: int = CACHE_SIZE,
        clock: Callable[[], datetime] = now,
    ) -> None:
        if cache_size < 1:
            raise ValueError(f"cache_size {cache_size} must be at least 1")
        self.model = model
        self.blocks = blocks
        self.records = records
        self.hub_size = hub_size
        self.clock = clock
        # Records never change under a ref, so a decoded one stays valid whichever key
        # or block it is read through; eviction only costs a decode.
        self._decoded: LRUCache[str, PersonRecord] = LRUCache(maxsize=cache_size)
        self.decodes = 0  # JSON -> PersonRecord conversions, cache misses included

    def _record(self, data: Mapping[str, Any]) -> PersonRecord:
        record = self._decoded.get(data["ref"])
        if record is None:
            record = self._decoded[data["ref"]] = person_from_json(data)
            self.decodes += 1
        return record

    def _stored(self, key: str, ref: str) -> PersonRecord:
        # The cache first: a hit skips the table read (RocksDB get and JSON) as well.
        record = self._decoded.get(ref)
        if record is None:
            record = self._record(self.records[f"{key}|{ref}"]["record"])
        return record

    def resolve(self, key: str, message: Mapping[str, Any]) -> Resolution:
        """Score `message` (``{"record": <record_to_json>}``) under blocking `key`.

        Writes nothing: the caller publishes what it returns, then calls `save`, so a
        failure in between leaves the record unresolved, to be retried whole instead
        of being skipped as a replay with its links unsent.
        """
        record = self._record(message["record"])
        stored = self.blocks.get(key) or {"refs": [], "hub": False, "count": 0}
        if record.ref in stored["refs"]:
            return Resolution(key)  # a replay: this record was resolved under this key already
        # A copy: a plain dict store hands out its own value, which must not change yet.
        block = {**stored, "refs": list(stored["refs"]), "count": stored["count"] + 1}
        if block["hub"]:
            return Resolution(key, block=block)
        links: list[dict[str, Any]] = []
        for ref in block["refs"]:
            earlier = self._stored(key, ref)
            score = self.model.score(earlier, record)
            if score.decision is not Decision.NON_MATCH:
                links.append(person_link(earlier, record, score, self.clock()))
        compared = len(block["refs"])
        block["refs"].append(record.ref)
        if len(block["refs"]) <= self.hub_size:
            return Resolution(key, links, None, compared, block, message)
        dropped = block.pop("refs")
        block.update(hub=True, refs=[])
        flagged = hub(key, "blocking", block["count"], self.hub_size, self.clock())
        return Resolution(key, links, flagged, compared, block, message, dropped)

    def save(self, resolution: Resolution) -> None:
        """Write the state `resolve` decided on, in the order the agent always wrote it."""
        if resolution.block is None:
            return
        key = resolution.key
        if resolution.message is not None:
            self.records[f"{key}|{resolution.message['record']['ref']}"] = resolution.message
        for ref in resolution.dropped:
            self.records.pop(f"{key}|{ref}", None)
        self.blocks[key] = resolution.block

    def add(self, key: str, message: Mapping[str, Any]) -> Resolution:
        """`resolve` then `save`, for a caller with nothing to publish in between."""
        resolution = self.resolve(key, message)
        self.save(resolution)
        return resolution

    def retract(self, key: str, refs: list[str]) -> None:
        """Records of a retracted alert leave the key: nothing is compared with them again."""
        stored = self.blocks.get(key)
        if not stored:
            return
        gone = set(refs)
        for ref in gone:
            self.records.pop(f"{key}|{ref}", None)
            self._decoded.pop(ref, None)
        self.blocks[key] = {**stored, "refs": [r for r in stored["refs"] if r not in gone]}
