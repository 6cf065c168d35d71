"""Entities and networks: the graph that links and alerts build, kept current as they arrive.

Nodes are records (``<alert_id>/<record_id>``), joined by two layers of edges:

- **entity edges** say two records are one real thing: a SAME_PERSON link decided MATCH, or
  a SHARED_IDENTIFIER link (two records of one phone number, passport, IMO...). Possible
  matches stay links for an analyst to confirm and merge nothing.
- **relation edges** come from the alerts (see ``streams.relations``): a person HOLDS a
  phone, a shipment is CARRIED_BY a vessel, records are REPORTED_WITH each other.

An entity is a component of entity edges; a network is a component of all edges. After
each change the components around the touched records are found again by a walk: an added
edge merges components, a removed one (an analyst's undo or split, an identifier that
became a hub) may split one. The walk covers every old component that touched those
records, so an id it retires is not in use anywhere else. The cost of an update is the size
of the components it touches; hub control keeps those bounded.

Ids are hashes of a component's smallest record reference, so they do not depend on
arrival order. Every emitted record carries a version that grows per id; an update whose
content did not change (a replay) emits nothing.

The state lives in four mappings: faust tables in the worker, dicts in tests. Values are
JSON and always written back whole, as faust tables only see assignments.
"""

import hashlib
import json
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
    """What to publish after one update; ``problems`` is why feedback could not be applied."""

    entities: list[dict[str, Any]] = field(default_factory=list)
    networks: list[dict[str, Any]] = field(default_factory=list)
    hits: list[dict[str, Any]] = field(default_factory=list)
    undone: list[dict[str, Any]] = field(default_factory=list)  # Link records, now UNDONE
    erased: list[str] = field(default_factory=list)  # ids of links a retraction took away
    problems: list[str] = field(default_factory=list)


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
        self.nodes = nodes
        self.edges = edges  # edge id -> {a, b, layer, relation, active, link?, off?}
        # "entity:<id>" | "network:<id>" -> {version, digest, countries, ...};
        # "alert:<id>" -> {records, retracted}
        self.ids = ids
        self.hubs = hubs  # identifier key -> {flagged, edges}
        self._nodes: dict[str, dict[str, Any]] = {}  # read-through cache for one update
        self._dirty: set[str] = set()

    # -- inputs ---------------------------------------------------------------------------

    def add_alert(self, structure: dict[str, Any], at: datetime) -> Changes:
        """An alert's records and the relations it reports between them."""
        alert_id = structure["alert_id"]
        if self._retracted(alert_id):
            return Changes()  # in flight when its retraction was applied
        touched = set()
        for record in structure["records"]:
            ref = f"{alert_id}/{record['record_id']}"
            node = self._node(ref, structure["agency"], structure["country"], record["kind"])
            if node["label"] != record["label"] or not node["described"]:
                node.update(kind=record["kind"], label=record["label"], described=True)
                self._dirty.add(ref)
                touched.add(ref)
        for a, b, relation in structure["relations"]:
            edge_id = f"{relation}|{alert_id}|{a}|{b}"
            if self._edge(edge_id, f"{alert_id}/{a}", f"{alert_id}/{b}", "relation", relation):
                touched |= {f"{alert_id}/{a}", f"{alert_id}/{b}"}
        return self._update(touched, at, f"alert {alert_id} of {structure['agency']}")

    def add_link(self, link: dict[str, Any], at: datetime, hub_key: str | None = None) -> Changes:
        """A link from resolution; an identifier link names the identifier in ``hub_key``."""
        if link["link_id"] in self.edges:
            return Changes()  # a replay
        if any(self._retracted(link[side]["alert_id"]) for side in ("left", "right")):
            return Changes(erased=[link["link_id"]])  # made before the retraction reached it
        kind = "PERSON"
        if link["kind"] == "SHARED_IDENTIFIER":
            kind = IDENTIFIER_KINDS.get(link["explanation"][0]["field"], "OTHER")
        a, b = _ref(link["left"]), _ref(link["right"])
        for side in ("left", "right"):
            self._node(_ref(link[side]), link[side]["agency"], link[side]["country"], kind)
        if link["decision"] != "MATCH":
            # Merges nothing; kept (switched off) so that a retraction can erase it.
            self._edge(link["link_id"], a, b, "possible", link["kind"], link=link, active=False)
            return self._update(set(), at, "")
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
        return self._update({a, b}, at, trigger, link["link_id"])

    def flag_hub(self, key: str, at: datetime) -> Changes:
        """An identifier became a hub: the links it made stop merging what they merged."""
        hub = self.hubs.get(key) or {"flagged": False, "edges": []}
        self.hubs[key] = {**hub, "flagged": True}
        touched = set()
        for edge_id in hub["edges"]:
            touched |= self._deactivate(edge_id, {"hub": key})
        return self._update(touched, at, f"hub {key}")

    def apply_feedback(self, feedback: dict[str, Any], at: datetime) -> Changes:
        """An analyst's UNDO_LINK or SPLIT_RECORD; what cannot be applied is in ``problems``."""
        problems = [] if (feedback.get("reason") or "").strip() else ["a reason is required"]
        action, edge_ids = feedback["action"], []
        if action == "UNDO_LINK":
            edge = self.edges.get(feedback.get("link_id") or "")
            if edge is None or edge["layer"] != "entity":
                problems.append(f"no link {feedback.get('link_id')!r} is known to merge records")
            edge_ids = [feedback["link_id"]]
        elif action == "SPLIT_RECORD" and feedback.get("record"):
            ref = _ref(feedback["record"])
            node = self.nodes.get(ref)
            if node is None:
                problems.append(f"no record {ref!r} is known")
            else:
                edge_ids = [e for e, (_, layer, *_) in node["edges"].items() if layer == "entity"]
        else:
            problems.append(f"cannot apply {action} (UNDO_LINK needs link_id, SPLIT_RECORD record)")
        if problems:
            return Changes(problems=problems)
        undone_by = {k: feedback.get(k) for k in ("feedback_id", "analyst", "agency", "reason")}
        touched, undone = set(), []
        for edge_id in edge_ids:
            ends = self._deactivate(edge_id, {"feedback": undone_by})
            if ends:
                touched |= ends
                undone.append({**self.edges[edge_id]["link"], "decision": "UNDONE"})
        changes = self._update(touched, at, f"feedback {feedback['feedback_id']}")
        changes.undone = undone
        return changes

    def retract(self, alert_id: str, at: datetime) -> Changes:
        """The alert's records leave every entity and network, the links that touched them
        are erased (``Changes.erased``), and nothing of the alert is taken in again."""
        key = f"alert:{alert_id}"
        entry = self.ids.get(key) or {"records": []}
        if entry.get("retracted"):
            return Changes()
        self.ids[key] = {"records": [], "retracted": True}
        removed = set(entry["records"])
        touched: set[str] = set()
        erased: list[str] = []
        gone: dict[str, set[str]] = {"entity": set(), "network": set()}
        for ref in sorted(removed):
            node = self._read(ref)
            for layer, ids in gone.items():
                if node.get(layer):
                    ids.add(node[layer])
            for edge_id, (other, *_) in node.get("edges", {}).items():
                edge = self.edges.get(edge_id)
                if edge is not None:
                    erased += [edge_id] if "link" in edge else []
                    del self.edges[edge_id]
                if other not in removed:
                    self._read(other)["edges"].pop(edge_id, None)
                    self._dirty.add(other)
                    touched.add(other)
            self._nodes.pop(ref)
            self._dirty.discard(ref)
            if ref in self.nodes:
                del self.nodes[ref]
        changes = self._update(touched, at, f"retraction of alert {alert_id}", gone=gone)
        changes.erased = erased
        return changes

    def _retracted(self, alert_id: str) -> bool:
        return bool((self.ids.get(f"alert:{alert_id}") or {}).get("retracted"))

    def discard(self) -> None:
        """Forget an update that failed half-way: its node changes are not written."""
        self._nodes.clear()
        self._dirty.clear()

    # -- state ----------------------------------------------------------------------------

    def _node(self, ref: str, agency: str, country: str, kind: str) -> dict[str, Any]:
        node = self._read(ref)
        if not node:
            node.update(kind=kind, label="", described=False, agency=agency, country=country)
            node.update(entity=None, network=None, edges={})
            self._dirty.add(ref)
            # Which records an alert has, so that its retraction finds them all.
            key = f"alert:{ref.split('/', 1)[0]}"
            entry = self.ids.get(key) or {"records": []}
            self.ids[key] = {**entry, "records": [*entry["records"], ref]}
        return node

    def _read(self, ref: str) -> dict[str, Any]:
        if ref not in self._nodes:
            self._nodes[ref] = dict(self.nodes.get(ref) or {})
        return self._nodes[ref]

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
                for other, layer, _, active in self._read(stack.pop())["edges"].values():
                    if active and (layer == "entity" or not entity_only) and other not in component:
                        component.add(other)
                        stack.append(other)
            found |= component
            components.append(sorted(component))
        return components

    # -- outputs --------------------------------------------------------------------------

    def _update(
        self,
        touched: set[str],
        at: datetime,
        trigger: str,
        link_id: str | None = None,
        gone: dict[str, set[str]] | None = None,
    ) -> Changes:
        """Recompute around ``touched``; ``gone`` holds the ids of records removed meanwhile,
        retired unless a remaining record still carries them."""
        changes = Changes()
        gone = gone or {"entity": set(), "network": set()}
        if touched:
            networks = self._components(touched, entity_only=False)
            # Every entity of a touched network, as a merge changes their network_id too.
            entities = self._components((r for n in networks for r in n), entity_only=True)
            old_networks = self._relabel("network", networks)
            old_entities = self._relabel("entity", entities)
            # Spans before this update: a surviving id is overwritten when it is emitted.
            spans = {old: set(self.ids[f"network:{old}"]["countries"]) for old in old_networks}
            for members in entities:
                self._emit("entity", members, changes, at)
            for members in networks:
                self._emit("network", members, changes, at)
                self._hit(members, old_networks, spans, changes, at, trigger, link_id)
        else:
            old_networks, old_entities = {}, {}
        for layer, old_to_new in (("entity", old_entities), ("network", old_networks)):
            emptied = {old: set() for old in gone[layer] if old not in old_to_new}
            self._retire(layer, old_to_new | emptied, changes, at)
        for ref in self._dirty:
            self.nodes[ref] = self._nodes[ref]
        self._nodes.clear()
        self._dirty.clear()
        return changes

    def _relabel(self, layer: str, components: list[list[str]]) -> dict[str, set[str]]:
        """Give each component its id; returns old id -> new ids of its records."""
        old_to_new: dict[str, set[str]] = {}
        for members in components:
            new = _id(layer, members[0])
            for ref in members:
                node = self._read(ref)
                if node[layer] is not None:
                    old_to_new.setdefault(node[layer], set()).add(new)
                if node[layer] != new:
                    node[layer] = new
                    self._dirty.add(ref)
        return old_to_new

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
        nodes = [self._read(ref) for ref in members]
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
            node = self._read(ref)
            by_entity.setdefault(node["entity"], []).append(node)
            for edge_id, (other, layer, relation, active) in node["edges"].items():
                if layer != "relation" or not active:
                    continue
                ends = sorted((node["entity"], self._read(other)["entity"]))
                if ends[0] != ends[1]:  # relation edge ids: "<relation>|<alert id>|<a>|<b>"
                    edges.setdefault((ends[0], ends[1], relation), edge_id.split("|")[1])
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
        trigger: str,
        link_id: str | None,
    ) -> None:
        """A hit when the network spans countries that none of the networks it grew from did."""
        network_id = self._read(members[0])["network"]
        countries = {self._read(ref)["country"] for ref in members}
        spans = [spans_before[old] for old, news in old_networks.items() if network_id in news]
        if len(countries) < 2 or any(countries <= span for span in spans):
            return
        largest = max(spans, key=len, default=set())
        ordered = sorted(countries)
        changes.hits.append(
            {
                "hit_id": _id("hit", f"{network_id}|{','.join(ordered)}"),
                "network_id": network_id,
                "countries": ordered,
                "new_countries": sorted(countries - largest),
                "trigger": trigger,
                "link_id": link_id,
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
