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
    """What one record under one key publishes, and how many earlier records it met."""

    links: list[dict[str, Any]] = field(default_factory=list)  # Avro Link records
    hub: dict[str, Any] | None = None  # Avro Hub record, when this record made the key one
    compared: int = 0


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

    def add(self, key: str, message: Mapping[str, Any]) -> Resolution:
        """Resolve `message` (``{"record": <record_to_json>}``) under blocking `key`."""
        record = self._record(message["record"])
        block = self.blocks.get(key) or {"refs": [], "hub": False, "count": 0}
        if record.ref in block["refs"]:
            return Resolution()  # a replay: this record was resolved under this key already
        block["count"] += 1
        links: list[dict[str, Any]] = []
        flagged = None
        compared = 0
        if not block["hub"]:
            for ref in block["refs"]:
                earlier = self._stored(key, ref)
                score = self.model.score(earlier, record)
                compared += 1
                if score.decision is not Decision.NON_MATCH:
                    links.append(person_link(earlier, record, score, self.clock()))
            block["refs"].append(record.ref)
            self.records[f"{key}|{record.ref}"] = message
            if len(block["refs"]) > self.hub_size:
                block["hub"] = True
                for ref in block.pop("refs"):
                    self.records.pop(f"{key}|{ref}", None)
                block["refs"] = []
                flagged = hub(key, "blocking", block["count"], self.hub_size, self.clock())
        self.blocks[key] = block
        return Resolution(links, flagged, compared)
