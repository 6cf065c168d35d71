"""Entities and networks: the graph that links and alerts build, kept current as they arrive.

Nodes are records (``<alert_id>/<record_id>``), joined by two layers of edges:

- **entity edges** say two records are one real thing: a SAME_PERSON link decided MATCH, or
  a SHARED_IDENTIFIER link (two records of one phone number, passport, IMO...). Possible
  matches stay links for an analyst to confirm and merge nothing.
- **relation edges** come from the alerts (see ``streams.relations``): a person HOLDS a
  phone, a shipment is CARRIED_BY a vessel, records are REPORTED_WITH each other.

An entity is a component of entity edges; a network is a component of all edges.

Updates come in batches (``update``): each message of a batch changes the state and notes
the records it touched, which costs what the message names, not the size of its network.
Then ``flush`` finds the components around all touched records once: an added edge merges
components, a removed one (an analyst's undo or split, an identifier that became a hub, a
retraction) may split one. The walk covers every old component that touched those records,
so an id it retires is not in use anywhere else. Only the entities whose records changed, or
whose network changed id, are rebuilt; each touched network is walked and rebuilt once per
batch, as its record lists all its entities. A batch of one is the per-update path.

Ids are hashes of a component's smallest record reference, so they do not depend on
arrival order or on how updates were batched. Every emitted record carries a version that
grows per id, by one per batch that changed it; an update whose content did not change (a
replay) emits nothing.

The state lives in four mappings: faust tables in the worker, dicts in tests. Values are
JSON and always written back whole, as faust tables only see assignments. Writes are held
until ``commit``: a batch that fails half-way leaves the state as it was, and the worker
commits only once the batch's outputs are sent.
"""

import hashlib
import json
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from .relations import RECORD_KINDS

Store = MutableMapping[str, Any]

# IdentifierSighting kinds -> the entity kind of the records that hold them.
IDENTIFIER_KINDS = {
    "phone": "PHONE",
    "document": "DOCUMENT",
    "account": "ACCOUNT",
    "imo": "VESSEL",
    "mmsi": "VESSEL",
    "plate": "VEHICLE",
    "container": "SHIPMENT",
    "email": "ONLINE",
    "handle": "ONLINE",
    "url": "ONLINE",
}
assert set(IDENTIFIER_KINDS.values()) <= set(RECORD_KINDS.values())


@dataclass
class Changes:
    """What to publish after an update; ``problems`` is why feedback could not be applied."""

    entities: list[dict[str, Any]] = field(default_factory=list)
    networks: list[dict[str, Any]] = field(default_factory=list)
    hits: list[dict[str, Any]] = field(default_factory=list)
    undone: list[dict[str, Any]] = field(default_factory=list)  # Link records, now UNDONE
    erased: list[str] = field(default_factory=list)  # ids of links a retraction took away
    problems: list[str] = field(default_factory=list)

    def extend(self, other: "Changes") -> None:
        for name in ("entities", "networks", "hits", "undone", "erased", "problems"):
            getattr(self, name).extend(getattr(other, name))


@dataclass
class Batch:
    """The outcome of ``Graph.update``: what to publish, and per message (by its index in
    the batch) feedback that cannot apply, the links a feedback undid, and failures. Its
    state is written by ``Graph.commit``, once what it says was published."""

    changes: Changes = field(default_factory=Changes)
    problems: dict[int, list[str]] = field(default_factory=dict)
    undone: dict[int, list[str]] = field(default_factory=dict)
    errors: dict[int, Exception] = field(default_factory=dict)


class _Trigger(NamedTuple):
    """One message's part in a batch, to name the one that made a network cross a border."""

    text: str
    link_id: str | None
    refs: set[str]
    brought: set[str]  # countries of its records and of the networks they were in


@dataclass
class _Pending:
    """What messages staged since the last flush."""

    touched: set[str] = field(default_factory=set)
    gone: dict[str, set[str]] = field(default_factory=lambda: {"entity": set(), "network": set()})
    triggers: list[_Trigger] = field(default_factory=list)
    undone: list[dict[str, Any]] = field(default_factory=list)
    erased: list[str] = field(default_factory=list)


_GONE = object()  # a deletion held in a _Staged store
NODE_CACHE = 50_000  # decoded nodes kept between batches


class _Staged:
    """A store whose writes are held until ``commit``, or dropped by ``discard``."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.writes: dict[str, Any] = {}

    def get(self, key: str) -> Any:
        if key in self.writes:
            value = self.writes[key]
            return None if value is _GONE else value
        return self.store.get(key)

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key: str) -> Any:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self.writes[key] = value

    def __delitem__(self, key: str) -> None:
        self.writes[key] = _GONE

    def commit(self) -> None:
        for key, value in self.writes.items():
            if value is not _GONE:
                self.store[key] = value
            elif key in self.store:
                del self.store[key]
        self.writes.clear()

    def discard(self) -> None:
        self.writes.clear()


def _id(layer: str, smallest_ref: str) -> str:
    return hashlib.sha256(f"{layer}|{smallest_ref}".encode()).hexdigest()[:32]


def _ref(ref: dict[str, str]) -> str:
    return f"{ref['alert_id']}/{ref['record_id']}"


def _digest(record: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


class Graph:
    def __init__(self, nodes: Store, edges: Store, ids: Store, hubs: Store) -> None:
        # ref -> {kind, label, agency, country, entity, network, edges}; a node keeps its
        # edges as {edge id: [other ref, layer, relation, active]} so a walk reads nodes only.
        self.nodes = _Staged(nodes)
        self.edges = _Staged(edges)  # edge id -> {a, b, layer, relation, active, link?, off?}
        # "entity:<id>" | "network:<id>" -> {version, digest, countries, ...};
        # "alert:<id>" -> {records, retracted}
        self.ids = _Staged(ids)
        self.hubs = _Staged(hubs)  # identifier key -> {flagged, edges}
        self._stores = (self.nodes, self.edges, self.ids, self.hubs)
        self._nodes: dict[str, dict[str, Any]] = {}  # copies of the nodes this batch changes
        # Committed nodes, decoded: a flush reads every record of a touched network, and
        # decoding them from the table again for every batch was most of its cost. All
        # writes go through ``commit``, which keeps it current; ``forget`` drops it.
        self._cache: dict[str, dict[str, Any]] = {}
        self._dirty: set[str] = set()
        self._pending = _Pending()

    # -- batches --------------------------------------------------------------------------

    def update(self, messages: Sequence[dict[str, Any]], at: datetime) -> Batch:
        """Apply a batch of graph-topic messages and recompute what they touched once; the
        state is written by ``commit`` (after the outputs are sent: a crash in between
        replays the batch, which sends them again) or dropped by ``discard``.

        A message that raises (a bug) must not take the rest of the batch with it: the batch
        is then redone one message at a time, and only the ones that fail are in ``errors``.
        """
        batch = Batch()
        try:
            for index, message in enumerate(messages):
                self._stage_noted(batch, index, message)
            batch.changes = self.flush(at)
            return batch
        except Exception:
            self.discard()
        batch = Batch()
        for index, message in enumerate(messages):
            before = [dict(store.writes) for store in self._stores]
            try:
                self._stage_noted(batch, index, message)
                batch.changes.extend(self.flush(at))
            except Exception as err:
                self.discard()
                for store, writes in zip(self._stores, before, strict=True):
                    store.writes = writes  # the messages before it stay applied
                batch.problems.pop(index, None)
                batch.undone.pop(index, None)
                batch.errors[index] = err
        return batch

    def commit(self) -> None:
        """Write what the flushed updates changed to the stores."""
        for ref, node in self.nodes.writes.items():
            self._cache[ref] = {} if node is _GONE else node
        for store in self._stores:
            store.commit()
        if len(self._cache) > NODE_CACHE:  # keep the newest half (dicts keep insertion order)
            self._cache = dict(list(self._cache.items())[-(NODE_CACHE // 2) :])

    def _stage(self, message: dict[str, Any]) -> list[str]:
        """Apply one graph-topic message to the state, published by the next ``flush``.
        Returns why a feedback cannot be applied (then nothing of it is)."""
        if "records" in message:
            self._stage_alert(message)
        elif "link" in message:
            self._stage_link(message["link"], message.get("hub_key"))
        elif "hub" in message:
            self._stage_hub(message["hub"])
        elif "retract" in message:
            self._stage_retract(message["retract"])
        else:
            return self._stage_feedback(message["feedback"])
        return []

    def _stage_noted(self, batch: Batch, index: int, message: dict[str, Any]) -> None:
        undone_before = len(self._pending.undone)
        problems = self._stage(message)
        if problems:
            batch.problems[index] = problems
        elif "feedback" in message:
            batch.undone[index] = [link["link_id"] for link in self._pending.undone[undone_before:]]

    def discard(self) -> None:
        """Forget everything since the last commit: its writes are not made."""
        for store in self._stores:
            store.discard()
        self._nodes.clear()
        self._dirty.clear()
        self._pending = _Pending()

    def forget(self) -> None:
        """Drop the decoded nodes: another worker may have written the tables (a rebalance)."""
        self._cache.clear()

    # -- one update at a time -------------------------------------------------------------

    def add_alert(self, structure: dict[str, Any], at: datetime) -> Changes:
        """An alert's records and the relations it reports between them."""
        self._stage_alert(structure)
        return self._committed(at)

    def add_link(self, link: dict[str, Any], at: datetime, hub_key: str | None = None) -> Changes:
        """A link from resolution; an identifier link names the identifier in ``hub_key``."""
        self._stage_link(link, hub_key)
        return self._committed(at)

    def flag_hub(self, key: str, at: datetime) -> Changes:
        """An identifier became a hub: the links it made stop merging what they merged."""
        self._stage_hub(key)
        return self._committed(at)

    def apply_feedback(self, feedback: dict[str, Any], at: datetime) -> Changes:
        """An analyst's UNDO_LINK or SPLIT_RECORD; what cannot be applied is in ``problems``."""
        problems = self._stage_feedback(feedback)
        return Changes(problems=problems) if problems else self._committed(at)

    def _committed(self, at: datetime) -> Changes:
        changes = self.flush(at)
        self.commit()
        return changes

    def retract(self, alert_id: str, at: datetime) -> Changes:
        """The alert's records leave every entity and network, the links that touched them
        are erased (``Changes.erased``), and nothing of the alert is taken in again."""
        self._stage_retract(alert_id)
        return self._committed(at)

    # -- inputs ---------------------------------------------------------------------------

    def _stage_alert(self, structure: dict[str, Any]) -> None:
        alert_id = structure["alert_id"]
        if self._retracted(alert_id):
            return  # in flight when its retraction was applied
        touched = set()
        for record in structure["records"]:
            ref = f"{alert_id}/{record['record_id']}"
            self._node(ref, structure["agency"], structure["country"], record["kind"])
            node = self._view(ref)
            if node["label"] != record["label"] or not node["described"]:
                self._read(ref).update(kind=record["kind"], label=record["label"], described=True)
                self._dirty.add(ref)
                touched.add(ref)
        for a, b, relation in structure["relations"]:
            edge_id = f"{relation}|{alert_id}|{a}|{b}"
            if self._edge(edge_id, f"{alert_id}/{a}", f"{alert_id}/{b}", "relation", relation):
                touched |= {f"{alert_id}/{a}", f"{alert_id}/{b}"}
        self._touch(touched, f"alert {alert_id} of {structure['agency']}")

    def _stage_link(self, link: dict[str, Any], hub_key: str | None) -> None:
        if link["link_id"] in self.edges:
            return  # a replay
        if any(self._retracted(link[side]["alert_id"]) for side in ("left", "right")):
            self._pending.erased.append(link["link_id"])  # made before the retraction reached it
            return
        kind = "PERSON"
        if link["kind"] == "SHARED_IDENTIFIER":
            kind = IDENTIFIER_KINDS.get(link["explanation"][0]["field"], "OTHER")
        a, b = _ref(link["left"]), _ref(link["right"])
        for side in ("left", "right"):
            self._node(_ref(link[side]), link[side]["agency"], link[side]["country"], kind)
        if link["decision"] != "MATCH":
            # Merges nothing; kept (switched off) so that a retraction can erase it.
            self._edge(link["link_id"], a, b, "possible", link["kind"], link=link, active=False)
            return
        hub = self.hubs.get(hub_key) if hub_key else None
        active = not (hub and hub["flagged"])
        self._edge(link["link_id"], a, b, "entity", link["kind"], link=link, active=active)
        if hub_key:
            hub = hub or {"flagged": False, "edges": []}
            self.hubs[hub_key] = {**hub, "edges": [*hub["edges"], link["link_id"]]}
        trigger = (
            f"{link['kind']} link {link['link_id']} between {a} ({link['left']['country']}) "
            f"and {b} ({link['right']['country']})"
        )
        self._touch({a, b}, trigger, link["link_id"])

    def _stage_hub(self, key: str) -> None:
        hub = self.hubs.get(key) or {"flagged": False, "edges": []}
        self.hubs[key] = {**hub, "flagged": True}
        touched = set()
        for edge_id in hub["edges"]:
            touched |= self._deactivate(edge_id, {"hub": key})
        self._touch(touched, f"hub {key}")

    def _stage_feedback(self, feedback: dict[str, Any]) -> list[str]:
        problems = [] if (feedback.get("reason") or "").strip() else ["a reason is required"]
        action, edge_ids = feedback["action"], []
        if action == "UNDO_LINK":
            edge = self.edges.get(feedback.get("link_id") or "")
            if edge is None or edge["layer"] != "entity":
                problems.append(f"no link {feedback.get('link_id')!r} is known to merge records")
            edge_ids = [feedback["link_id"]]
        elif action == "SPLIT_RECORD" and feedback.get("record"):
            ref = _ref(feedback["record"])
            node = self._view(ref)
            if not node:
                problems.append(f"no record {ref!r} is known")
            else:
                edge_ids = [e for e, (_, layer, *_) in node["edges"].items() if layer == "entity"]
        else:
            problems.append(f"cannot apply {action} (UNDO_LINK needs link_id, SPLIT_RECORD record)")
        if problems:
            return problems
        undone_by = {k: feedback.get(k) for k in ("feedback_id", "analyst", "agency", "reason")}
        touched = set()
        for edge_id in edge_ids:
            ends = self._deactivate(edge_id, {"feedback": undone_by})
            if ends:
                touched |= ends
                self._pending.undone.append({**self.edges[edge_id]["link"], "decision": "UNDONE"})
        self._touch(touched, f"feedback {feedback['feedback_id']}")
        return []

    def _stage_retract(self, alert_id: str) -> None:
        key = f"alert:{alert_id}"
        entry = self.ids.get(key) or {"records": []}
        if entry.get("retracted"):
            return
        self.ids[key] = {"records": [], "retracted": True}
        removed = set(entry["records"])
        touched: set[str] = set()
        for ref in sorted(removed):
            node = self._view(ref)
            for layer, ids in self._pending.gone.items():
                if node.get(layer):  # the id before this batch: a batch relabels at its end
                    ids.add(node[layer])
            for edge_id, (other, *_) in node.get("edges", {}).items():
                edge = self.edges.get(edge_id)
                if edge is not None:
                    if "link" in edge:
                        self._pending.erased.append(edge_id)
                    del self.edges[edge_id]
                if other not in removed:
                    self._read(other)["edges"].pop(edge_id, None)
                    self._dirty.add(other)
                    touched.add(other)
            self._nodes.pop(ref, None)
            self._dirty.discard(ref)
            del self.nodes[ref]
        self._pending.touched -= removed
        self._touch(touched, f"retraction of alert {alert_id}")

    def _retracted(self, alert_id: str) -> bool:
        return bool((self.ids.get(f"alert:{alert_id}") or {}).get("retracted"))

    def _touch(self, refs: set[str], trigger: str, link_id: str | None = None) -> None:
        """Note records whose entity or network the next flush must recompute."""
        if not refs:
            return
        brought = set()
        for ref in refs:
            node = self._view(ref)
            brought.add(node["country"])
            if node["network"]:  # its id before this batch, and the span it had then
                brought |= set(self.ids[f"network:{node['network']}"]["countries"])
        self._pending.touched |= refs
        self._pending.triggers.append(_Trigger(trigger, link_id, refs, brought))

    # -- state ----------------------------------------------------------------------------

    def _node(self, ref: str, agency: str, country: str, kind: str) -> None:
        """Create the record's node unless it exists."""
        if self._view(ref):
            return
        node = self._read(ref)
        node.update(kind=kind, label="", described=False, agency=agency, country=country)
        node.update(entity=None, network=None)
        self._dirty.add(ref)
        # Which records an alert has, so that its retraction finds them all.
        key = f"alert:{ref.split('/', 1)[0]}"
        entry = self.ids.get(key) or {"records": []}
        self.ids[key] = {**entry, "records": [*entry["records"], ref]}

    def _view(self, ref: str) -> dict[str, Any]:
        """A node to read ({} if unknown), never to change: ``_read`` copies it for that."""
        # The hottest call of a flush (every record of a touched network, for each edge).
        node = self._nodes.get(ref)
        if node is None:
            node = self.nodes.writes.get(ref)  # flushed, not committed yet
            if node is None:
                node = self._cache.get(ref)
                if node is None:
                    node = self._cache[ref] = self.nodes.store.get(ref) or {}
            elif node is _GONE:
                node = {}
        return node

    def _read(self, ref: str) -> dict[str, Any]:
        """A node to change: a copy (edges included) that ``flush`` writes if it is dirty."""
        node = self._nodes.get(ref)
        if node is None:
            stored = self._view(ref)
            edges = {e: list(v) for e, v in stored["edges"].items()} if stored else {}
            node = self._nodes[ref] = {**stored, "edges": edges}
        return node

    def _edge(
        self,
        edge_id: str,
        a: str,
        b: str,
        layer: str,
        relation: str,
        link: dict[str, Any] | None = None,
        active: bool = True,
    ) -> bool:
        """Store an edge once; False when it was known already (a replay)."""
        if edge_id in self.edges:
            return False
        edge = {"a": a, "b": b, "layer": layer, "relation": relation, "active": active}
        self.edges[edge_id] = edge if link is None else {**edge, "link": link}
        for end, other in ((a, b), (b, a)):
            self._read(end)["edges"][edge_id] = [other, layer, relation, active]
            self._dirty.add(end)
        return True

    def _deactivate(self, edge_id: str, why: dict[str, Any]) -> set[str]:
        """Switch an edge off; returns its ends, or nothing when it was off already."""
        edge = self.edges.get(edge_id)
        if edge is None or not edge["active"]:  # erased by a retraction, or off already
            return set()
        self.edges[edge_id] = {**edge, "active": False, "off": why}
        for end in (edge["a"], edge["b"]):
            self._read(end)["edges"][edge_id][3] = False
            self._dirty.add(end)
        return {edge["a"], edge["b"]}

    def _components(self, seeds: Iterable[str], entity_only: bool) -> list[list[str]]:
        found: set[str] = set()
        components = []
        for seed in sorted(seeds):
            if seed in found:
                continue
            component, stack = {seed}, [seed]
            while stack:
                for other, layer, _, active in self._view(stack.pop())["edges"].values():
                    if active and (layer == "entity" or not entity_only) and other not in component:
                        component.add(other)
                        stack.append(other)
            found |= component
            components.append(sorted(component))
        return components

    # -- outputs --------------------------------------------------------------------------

    def flush(self, at: datetime) -> Changes:
        """Recompute around what was staged and return what to publish; ``commit`` writes."""
        pending, self._pending = self._pending, _Pending()
        changes = Changes(undone=pending.undone, erased=pending.erased)
        old_networks: dict[str, set[str]] = {}
        old_entities: dict[str, set[str]] = {}
        if pending.touched:
            networks = self._components(pending.touched, entity_only=False)
            old_networks, moved = self._relabel("network", networks)
            # Entities whose records changed, or whose network now has another id: the
            # others of a touched network read as before, so they are not rebuilt.
            entities = self._components(pending.touched | moved, entity_only=True)
            old_entities, _ = self._relabel("entity", entities)
            # Spans before this batch: a surviving id is overwritten when it is emitted.
            spans = {old: set(self.ids[f"network:{old}"]["countries"]) for old in old_networks}
            for members in entities:
                self._emit("entity", members, changes, at)
            for members in networks:
                self._emit("network", members, changes, at)
                self._hit(members, old_networks, spans, changes, at, pending.triggers)
        for layer, old_to_new in (("entity", old_entities), ("network", old_networks)):
            # Ids of removed records are retired unless a remaining record still carries them.
            emptied = {old: set() for old in pending.gone[layer] if old not in old_to_new}
            self._retire(layer, old_to_new | emptied, changes, at)
        for ref in self._dirty:
            self.nodes[ref] = self._nodes[ref]
        self._nodes.clear()
        self._dirty.clear()
        return changes

    def _relabel(
        self, layer: str, components: list[list[str]]
    ) -> tuple[dict[str, set[str]], set[str]]:
        """Give each component its id; returns old id -> new ids of its records, and the
        records whose id changed."""
        old_to_new: dict[str, set[str]] = {}
        moved = set()
        for members in components:
            new = _id(layer, members[0])
            for ref in members:
                old = self._view(ref)[layer]
                if old is not None:
                    old_to_new.setdefault(old, set()).add(new)
                if old != new:
                    self._read(ref)[layer] = new
                    self._dirty.add(ref)
                    moved.add(ref)
        return old_to_new, moved

    def _retire(
        self, layer: str, old_to_new: dict[str, set[str]], changes: Changes, at: datetime
    ) -> None:
        """Ids that no component carries any more: their records went to ``replaced_by``."""
        current = {new for news in old_to_new.values() for new in news}
        for old, news in sorted(old_to_new.items()):
            if old in current:
                continue
            record: dict[str, Any] = {"status": "RETIRED", "replaced_by": sorted(news)}
            if layer == "entity":
                kind = self.ids[f"entity:{old}"]["kind"]
                record |= {"kind": kind, "network_id": None, "labels": [], "members": []}
            else:
                record |= {"entities": [], "edges": [], "records": 0}
            record |= {"countries": [], "agencies": [], "cross_border": False}
            self._publish(layer, old, record, changes, at)

    def _emit(self, layer: str, members: list[str], changes: Changes, at: datetime) -> None:
        nodes = [self._view(ref) for ref in members]
        countries = sorted({n["country"] for n in nodes})
        common = {
            "status": "ACTIVE",
            "replaced_by": [],
            "countries": countries,
            "agencies": sorted({n["agency"] for n in nodes}),
            "cross_border": len(countries) > 1,
        }
        if layer == "entity":
            record = common | {
                "kind": nodes[0]["kind"],
                "network_id": nodes[0]["network"],
                "labels": list(dict.fromkeys(n["label"] for n in nodes if n["label"])),
                "members": [_record_ref(ref, n) for ref, n in zip(members, nodes, strict=True)],
            }
        else:
            record = common | self._network_body(members)
        self._publish(layer, nodes[0][layer], record, changes, at)

    def _network_body(self, members: list[str]) -> dict[str, Any]:
        by_entity: dict[str, list[dict[str, Any]]] = {}
        edges: dict[tuple[str, str, str], str] = {}
        for ref in members:
            node = self._view(ref)
            entity = node["entity"]
            by_entity.setdefault(entity, []).append(node)
            for edge_id, (other, layer, relation, active) in node["edges"].items():
                if layer != "relation" or not active:
                    continue
                to = self._view(other)["entity"]
                if to == entity:
                    continue
                key = (entity, to, relation) if entity < to else (to, entity, relation)
                if key not in edges:  # relation edge ids: "<relation>|<alert id>|<a>|<b>"
                    edges[key] = edge_id.split("|")[1]
        entities = [
            {
                "entity_id": entity_id,
                "kind": nodes[0]["kind"],
                "label": next((n["label"] for n in nodes if n["label"]), ""),
                "records": len(nodes),
                "countries": sorted({n["country"] for n in nodes}),
            }
            for entity_id, nodes in by_entity.items()
        ]
        entities.sort(key=lambda e: (-e["records"], e["entity_id"]))
        return {
            "entities": entities,
            "edges": [
                {"from_entity": a, "to_entity": b, "relation": rel, "alert_id": alert_id}
                for (a, b, rel), alert_id in sorted(edges.items())
            ],
            "records": len(members),
        }

    def _publish(
        self, layer: str, id_: str, record: dict[str, Any], changes: Changes, at: datetime
    ) -> None:
        """Emit the record unless its content is what was emitted last under this id."""
        key = f"{layer}:{id_}"
        state = self.ids.get(key) or {"version": 0}
        digest = _digest(record)
        if state.get("digest") == digest:
            return
        version = state["version"] + 1
        self.ids[key] = {
            "version": version,
            "digest": digest,
            "status": record["status"],
            "replaced_by": record["replaced_by"],
            "countries": record["countries"],
            "kind": record.get("kind"),
        }
        out = {f"{layer}_id": id_, **record, "version": version, "updated_at": at}
        (changes.entities if layer == "entity" else changes.networks).append(out)

    def _hit(
        self,
        members: list[str],
        old_networks: dict[str, set[str]],
        spans_before: dict[str, set[str]],
        changes: Changes,
        at: datetime,
        triggers: list[_Trigger],
    ) -> None:
        """A hit when the network spans countries that none of the networks it grew from did."""
        network_id = self._view(members[0])["network"]
        countries = {self._view(ref)["country"] for ref in members}
        spans = [spans_before[old] for old, news in old_networks.items() if network_id in news]
        if len(countries) < 2 or any(countries <= span for span in spans):
            return
        largest = max(spans, key=len, default=set())
        new_countries = countries - largest
        # Named after the batch's first link that brought a record (or a network) of a new
        # country into it, else the first message that did (an alert joining records that
        # links had met). Every recomputed network holds a record some message touched.
        within = set(members)
        mine = [t for t in triggers if t.refs & within]
        bringing = [t for t in mine if t.brought & new_countries] or mine
        trigger = next((t for t in bringing if t.link_id), bringing[0])
        ordered = sorted(countries)
        changes.hits.append(
            {
                "hit_id": _id("hit", f"{network_id}|{','.join(ordered)}"),
                "network_id": network_id,
                "countries": ordered,
                "new_countries": sorted(new_countries),
                "trigger": trigger.text,
                "link_id": trigger.link_id,
                "records": len(members),
                "at": at,
            }
        )


def _record_ref(ref: str, node: dict[str, Any]) -> dict[str, str]:
    alert_id, record_id = ref.split("/", 1)
    return {
        "alert_id": alert_id,
        "record_id": record_id,
        "agency": node["agency"],
        "country": node["country"],
    }
