"""Records as Elasticsearch documents: deterministic ids, plus the derived search fields.

Entities and networks are updated in place as they grow, merge and split; their records
carry a version per id, which the sink writes as Elasticsearch's external version, so a
replayed older update can never overwrite a newer one.
"""

from typing import Any, NamedTuple

from borderlink.serde import now
from consumers.indices import ENVELOPE, SHARED_KINDS
from streams.normalise.text import fold


class Document(NamedTuple):
    id: str
    source: dict[str, Any]
    version: int | None = None  # external version; None = last write wins
    delete: bool = False  # erase the document (a retraction, a tombstone)
    index: str | None = None  # the index (indices.specs key), when not the topic's


def name_key(folded: str) -> str:
    """The folded tokens sorted: the same name in any order (``search.name_keys``)."""
    return " ".join(sorted(folded.split()))


def search_fields(names: list[str]) -> dict[str, list[str]]:
    """The derived ``search`` fields of a document naming people: folded names and keys."""
    folded = [fold(n) for n in names]
    return {"names": folded, "name_keys": [name_key(f) for f in folded]}


def _names(alert: dict[str, Any]) -> list[str]:
    names = []
    for person in alert.get("persons") or []:
        full = person.get("full_name") or " ".join(
            p for p in (person.get("given_names"), person.get("surnames")) if p
        )
        names.extend(n for n in [full, *(person.get("aliases") or [])] if n)
    return names


def _points(alert: dict[str, Any]) -> list[dict[str, float]]:
    """The alert's located places as geo points (``mappings.GEO_PROPERTIES``). Shelters are
    left out: LocationKind marks them sensitive, and a point is what a map shows to anyone.
    So are coordinates out of range (or NaN), which Elasticsearch would otherwise wrap around
    the globe to a wrong place."""
    points = []
    for location in alert.get("locations") or []:
        lat, lon = location.get("lat"), location.get("lon")
        if location.get("kind") == "SHELTER" or lat is None or lon is None:
            continue
        if -90 <= lat <= 90 and -180 <= lon <= 180:  # False for NaN
            points.append({"lat": lat, "lon": lon})
    return points


def alert_document(alert: dict[str, Any]) -> Document:
    event = alert.get("event") or {}
    if event.get("kind") == "RETRACTION" and event.get("retracts_alert_id"):
        # A retraction leaves no trace in search: the withdrawn alert goes, and the
        # retraction itself (which names it) is not indexed.
        return Document(str(event["retracts_alert_id"]), {}, delete=True)
    doc = {
        **alert,
        "search": search_fields(_names(alert)),
        "geo": {"locations": _points(alert)},
        "indexed_at": now(),
    }
    return Document(str(alert["alert_id"]), doc)


def link_document(link: dict[str, Any]) -> Document:
    return Document(link["link_id"], {**link, "indexed_at": now()})


def hub_document(hub: dict[str, Any]) -> Document:
    return Document(hub["key"], {**hub, "indexed_at": now()})


def entity_document(entity: dict[str, Any]) -> Document:
    names = entity["labels"] if entity["kind"] == "PERSON" else []
    doc = {**entity, "search": search_fields(names), "indexed_at": now()}
    return Document(entity["entity_id"], doc, entity["version"])


def network_document(network: dict[str, Any]) -> Document:
    return Document(network["network_id"], {**network, "indexed_at": now()}, network["version"])


def hit_document(hit: dict[str, Any]) -> Document:
    return Document(hit["hit_id"], {**hit, "indexed_at": now()})


def audit_document(event: dict[str, Any]) -> Document:
    return Document(str(event["audit_id"]), {**event, "indexed_at": now()})


def share_document(share: dict[str, Any]) -> Document:
    """An agency's copy: the document the pipeline indexes for the payload, plus the share
    envelope, in that kind's shared index; one per recipient (its id leads), versioned by
    the share so a revocation erases it unless a newer copy is there."""
    name = SHARED_KINDS.get(share["kind"])
    if name is None:
        raise ValueError(f"share kind {share['kind']!r} has no shared index")
    doc_id = f"{share['recipient']}:{share['subject_id']}"
    if share["revoked"]:
        return Document(doc_id, {}, version=share["version"], delete=True, index=f"shared-{name}")
    payload = _PAYLOAD_DOCUMENTS[name](share[share["kind"].lower()])
    source = {**payload.source, "share": {k: share[k] for k in ENVELOPE}}
    return Document(doc_id, source, version=share["version"], index=f"shared-{name}")


_PAYLOAD_DOCUMENTS = {
    "alerts": alert_document,
    "links": link_document,
    "entities": entity_document,
    "networks": network_document,
    "hits": hit_document,
}
