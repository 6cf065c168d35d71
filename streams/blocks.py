"""Resolution of persons under one blocking key: the state and logic of the `resolve` agent.

The agent receives each person record once per blocking key (repartitioned by key) and
hands it to `PersonBlocks.resolve`, which scores it against the earlier records of that
key and says what to publish: explained links and hub events; `save` then stores it.

Adaptive blocking keeps the cost of a record flat as the store grows. A block past
`refine_size` records is split into sub-blocks by the next attribute of its key's kind
(`blocking.refinements`: a date of birth by nationality, then by name sound), and a
record meets only the earlier records of its own sub-blocks. Sub-blocks may split again.
A record without the attribute goes to the ``?`` sub-block, which every record of the
block reads; it reads all of the block itself while the block holds at most `hub_size`
records. A sub-block with no attribute left to split by becomes a hub past `hub_size`:
its records are dropped, it compares nothing from then on and only counts.

The state lives in two mappings the caller owns, faust tables in the worker, plain dicts
or a RocksDB wrapper in tests and benchmarks. The repartition is by blocking key, so a
key's sub-blocks, under derived keys, are in the same partition as the key:

- ``blocks``: blocking key or sub-block key (``"dob:1988-04-12 & nationality:VE"``) ->
  ``{"refs": [...], "hub": bool, "count": n}``; a split block has no refs,
  ``"refined": true`` and ``"subs"``, the values of its sub-blocks. A block stored before
  refinement existed is split when its next record arrives.
- ``records``: ``"key|ref"`` -> ``{"record": <record_to_json>}``, one copy per blocking
  key whichever sub-blocks hold it, so a partition holds everything its keys compare.
"""

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from cachetools import LRUCache

from borderlink.serde import now

from .links import hub, person_link
from .resolve import Decision, Model, PersonRecord
from .resolve import record_from_json as person_from_json
from .resolve.blocking import refined_values, refinements

# Decoded records kept in memory, at about 1-2 kB each: a block holds at most
# `blocking_hub_size` records and a record arrives under a handful of keys, so recent
# blocks fit many times over.
CACHE_SIZE = 20_000
UNKNOWN = "?"  # the sub-block of the records that lack the attribute
# (ref, refinement attribute) -> the record's values of it, sorted
Values = Callable[[str, str], list[str]]


@dataclass(frozen=True)
class Resolution:
    """What one record under one key publishes and how many earlier records it met, then
    the state `PersonBlocks.save` writes once that is published (nothing for a replay)."""

    key: str
    links: list[dict[str, Any]] = field(default_factory=list)  # Avro Link records
    hubs: list[dict[str, Any]] = field(default_factory=list)  # Avro Hub records it caused
    compared: int = 0
    blocks: dict[str, dict[str, Any]] = field(default_factory=dict)  # new states, in order
    message: Mapping[str, Any] | None = None  # stored under "key|ref"
    dropped: list[str] = field(default_factory=list)  # refs whose records new hubs drop


def _values(key: str, record: PersonRecord) -> Callable[[str], list[str]]:
    """The record's `refined_values` under `key`, sorted: sub-blocks are walked in order."""
    return lambda attribute: sorted(refined_values(key, attribute, record))


class _View:
    """The block states one call reads and changes: each read from the table once, the
    changes kept apart until `save` writes them, so nothing is written before publishing."""

    def __init__(self, table: MutableMapping[str, Any]) -> None:
        self.table = table
        self.read: dict[str, dict[str, Any]] = {}
        self.changed: dict[str, dict[str, Any]] = {}

    def __getitem__(self, node: str) -> dict[str, Any]:
        if node in self.changed:
            return self.changed[node]
        if node not in self.read:
            self.read[node] = self.table.get(node) or {"refs": [], "hub": False, "count": 0}
        return self.read[node]

    def __setitem__(self, node: str, state: dict[str, Any]) -> None:
        # Always a new dict: a plain dict table hands out its own value, which must not
        # change before `save`.
        self.changed[node] = state


class PersonBlocks:
    """Blocking key -> the records stored under it, scored incrementally.

    Replays (a ref already stored in its blocks) publish nothing, so re-reading a topic
    after a crash adds no links; link ids are deterministic besides. With `refine_size`
    None, blocks are never split and a key past `hub_size` records is a hub (the scheme
    before adaptive blocking, kept for comparison).
    """

    def __init__(
        self,
        model: Model,
        blocks: MutableMapping[str, Any],
        records: MutableMapping[str, Any],
        *,
        hub_size: int,
        refine_size: int | None = None,
        cache_size: int = CACHE_SIZE,
        clock: Callable[[], datetime] = now,
    ) -> None:
        if cache_size < 1:
            raise ValueError(f"cache_size {cache_size} must be at least 1")
        if refine_size is not None and refine_size < 1:
            raise ValueError(f"refine_size {refine_size} must be at least 1")
        self.model = model
        self.blocks = blocks
        self.records = records
        self.hub_size = hub_size
        self.refine_size = refine_size
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

    def _levels(self, key: str) -> tuple[str, ...]:
        return () if self.refine_size is None else refinements(key)

    def _leaves(
        self, view: _View, key: str, of: Callable[[str], list[str]], *, reading: bool
    ) -> Iterator[tuple[str, int]]:
        """The unsplit blocks under `key` (with their depth) that hold a record, or that
        it is compared with when `reading`; `of(attribute)` gives its values, sorted."""
        levels = self._levels(key)
        nodes = [(key, 0)]
        while nodes:
            node, level = nodes.pop()
            state = view[node]
            if not state.get("refined"):
                yield node, level
                continue
            attribute = levels[level]
            values = of(attribute)
            if not reading:
                children = values or [UNKNOWN]
            elif values:
                children = [v for v in (*values, UNKNOWN) if v in state["subs"]]
            elif state["count"] <= self.hub_size:
                children = state["subs"]
            else:  # too many to compare a record this block cannot narrow down with all
                children = [UNKNOWN] if UNKNOWN in state["subs"] else []
            nodes.extend((f"{node} & {attribute}:{v}", level + 1) for v in reversed(children))

    def _place(
        self, view: _View, key: str, of: Callable[[str], list[str]]
    ) -> list[tuple[str, int]]:
        """Count the record in every split block on its way down, listing the sub-blocks
        it opens; return the unsplit blocks it belongs to."""
        levels = self._levels(key)
        leaves, nodes = [], [(key, 0)]
        while nodes:
            node, level = nodes.pop()
            state = view[node]
            if not state.get("refined"):
                leaves.append((node, level))
                continue
            attribute = levels[level]
            values = of(attribute) or [UNKNOWN]
            subs = sorted({*state["subs"], *values})
            view[node] = {**state, "count": state["count"] + 1, "subs": subs}
            nodes.extend((f"{node} & {attribute}:{v}", level + 1) for v in reversed(values))
        return leaves

    def _orphan(self, view: _View, key: str, of: Callable[[str], list[str]]) -> bool:
        """True when every block that would hold a record is a hub: nothing reads it."""
        return all(view[node]["hub"] for node, _ in self._leaves(view, key, of, reading=False))

    def resolve(self, key: str, message: Mapping[str, Any]) -> Resolution:
        """Score `message` (``{"record": <record_to_json>}``) under blocking `key`.

        Writes nothing: the caller publishes what it returns, then calls `save`, so a
        failure in between leaves the record unresolved, to be retried whole instead
        of being skipped as a replay with its links unsent.
        """
        record = self._record(message["record"])

        def values(ref: str, attribute: str) -> list[str]:
            return _values(key, record if ref == record.ref else self._stored(key, ref))(attribute)

        own = partial(values, record.ref)
        view = _View(self.blocks)
        read = [node for node, _ in self._leaves(view, key, own, reading=True)]
        leaves = self._place(view, key, own)
        if any(record.ref in view[node]["refs"] for node, _ in leaves):
            return Resolution(key)  # a replay: this record was resolved under this key already
        # Unique and in a stable order: a record in several sub-blocks is compared once.
        candidates = dict.fromkeys(ref for node in read for ref in view[node]["refs"])
        links: list[dict[str, Any]] = []
        for ref in candidates:
            earlier = self._stored(key, ref)
            score = self.model.score(earlier, record)
            if score.decision is not Decision.NON_MATCH:
                links.append(person_link(earlier, record, score, self.clock()))
        hubs: list[dict[str, Any]] = []
        dropped: list[str] = []
        for node, level in leaves:
            state = view[node]
            refs = state["refs"] if state["hub"] else [*state["refs"], record.ref]
            view[node] = {**state, "refs": refs, "count": state["count"] + 1}
            if not state["hub"]:
                self._grow(view, key, node, level, values, hubs, dropped)
        orphans = [r for r in self._orphans(view, key, dropped, values) if r != record.ref]
        stored = None if self._orphan(view, key, own) else message
        # The blocks that now hold the record last: they make a retry a replay, so a
        # failure while writing the others leaves it to be resolved again.
        blocks = dict(sorted(view.changed.items(), key=lambda item: record.ref in item[1]["refs"]))
        return Resolution(key, links, hubs, len(candidates), blocks, stored, orphans)

    def _grow(
        self,
        view: _View,
        key: str,
        node: str,
        level: int,
        values: Values,
        hubs: list[dict[str, Any]],
        dropped: list[str],
    ) -> None:
        """Split a block past `refine_size` records by its next attribute; make one with
        no attribute left a hub past `hub_size`."""
        state = view[node]
        levels = self._levels(key)
        if level < len(levels):
            if self.refine_size is not None and len(state["refs"]) > self.refine_size:
                self._split(view, key, node, level, values, hubs, dropped)
            return
        if len(state["refs"]) > self.hub_size:
            dropped.extend(state["refs"])
            view[node] = {**state, "hub": True, "refs": []}
            hubs.append(self._hub(key, node, state["count"]))

    def _split(
        self,
        view: _View,
        key: str,
        node: str,
        level: int,
        values: Values,
        hubs: list[dict[str, Any]],
        dropped: list[str],
    ) -> None:
        attribute = self._levels(key)[level]
        state = view[node]
        groups: dict[str, list[str]] = {}
        for ref in state["refs"]:  # arrival order, kept in every sub-block
            for value in values(ref, attribute) or [UNKNOWN]:
                groups.setdefault(value, []).append(ref)
        subs = sorted(groups)
        view[node] = {
            "refs": [],
            "hub": False,
            "count": state["count"],
            "refined": True,
            "subs": subs,
        }
        for value in subs:
            child = f"{node} & {attribute}:{value}"
            view[child] = {"refs": groups[value], "hub": False, "count": len(groups[value])}
            self._grow(view, key, child, level + 1, values, hubs, dropped)

    def _hub(self, key: str, node: str, count: int) -> dict[str, Any]:
        flagged = hub(node, "blocking", count, self.hub_size, self.clock())
        if node != key:
            split = " and ".join(self._levels(key)[: node.count(" & ")])
            flagged["reason"] = (
                f"{count} records share {node!r} (limit {self.hub_size}): {key!r} was split "
                f"by {split} to keep its comparisons few, and this part still holds too many "
                "records, so it no longer links them: a placeholder or a very common value "
                "cannot make every record a candidate of every other"
            )
        return flagged

    def load(
        self, key: str, refs: list[str], values: Values
    ) -> tuple[dict[str, dict[str, Any]], list[str]]:
        """The block states `refs` leave under a new `key` had they arrived one by one (in
        this order) with nothing compared, and the refs whose records hubs dropped: a
        bulk load, e.g. a benchmark's store. `values(ref, attribute)` gives a record's
        `blocking.refined_values`, sorted. The caller writes both."""
        view = _View({})
        view[key] = {"refs": refs, "hub": False, "count": len(refs)}
        dropped: list[str] = []
        self._grow(view, key, key, 0, values, [], dropped)
        return view.changed, self._orphans(view, key, dropped, values)

    def _orphans(self, view: _View, key: str, dropped: list[str], values: Values) -> list[str]:
        """The refs hubs dropped that no other block holds: their records can go."""
        return [r for r in dict.fromkeys(dropped) if self._orphan(view, key, partial(values, r))]

    def save(self, resolution: Resolution) -> None:
        """Write the state `resolve` decided on: the record, then its blocks."""
        if not resolution.blocks:
            return
        key = resolution.key
        if resolution.message is not None:
            self.records[f"{key}|{resolution.message['record']['ref']}"] = resolution.message
        for ref in resolution.dropped:
            self.records.pop(f"{key}|{ref}", None)
        for node, state in resolution.blocks.items():
            self.blocks[node] = state

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
        view = _View(self.blocks)
        if not stored.get("refined"):
            view[key] = {**stored, "refs": [r for r in stored["refs"] if r not in gone]}
        for ref in sorted(gone):
            # A refined key's record says which sub-blocks hold it; without its record
            # it is in hubs only.
            message = self.records.get(f"{key}|{ref}") if stored.get("refined") else None
            if message:
                member = self._record(message["record"])
                for node, _ in self._leaves(view, key, _values(key, member), reading=False):
                    state = view[node]
                    view[node] = {**state, "refs": [r for r in state["refs"] if r != ref]}
            self.records.pop(f"{key}|{ref}", None)
            self._decoded.pop(ref, None)
        for node, state in view.changed.items():
            self.blocks[node] = state
