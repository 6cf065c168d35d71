"""What an investigator opens from a result: the network of an entity, the sightings of an
entity across countries in time order, and the records holding an identifier."""

from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from .entities import EntityHit

MAX_ALERTS = 500  # sightings per timeline or lookup; an entity with more is a hub


@dataclass
class NetworkView:
    entity_id: str  # the entity it was opened from
    network: dict[str, Any]  # the Network record: its entities and the edges between them
    hits: list[dict[str, Any]] = field(default_factory=list)  # cross-border hits it raised


@dataclass
class Sighting:
    alert_id: str
    record_ids: list[str]  # the entity's (or identifier's) records in this alert
    observed_at: str
    country: str
    agency: str
    event: str  # EventKind
    direction: str | None = None
    summary: str | None = None
    location: dict[str, Any] | None = None  # name, country, lat, lon when the alert gives them
    marking: dict[str, Any] = field(default_factory=dict)  # tlp, releasable_to, handling


@dataclass
class LookupResult:
    key: str  # the normalised key the worker links on, e.g. "phone:+50761234577"
    sightings: list[Sighting]
    entities: list[EntityHit]  # the persons holding it first, then the identifier itself


def location(alert: dict[str, Any]) -> dict[str, Any] | None:
    """Where the event happened: the location it points at, else the first one with
    coordinates, else the first one named."""
    places = alert.get("locations") or []
    ref = (alert.get("event") or {}).get("location_ref")
    chosen = next((p for p in places if p["record_id"] == ref), None)
    chosen = chosen or next((p for p in places if p.get("lat") is not None), None)
    chosen = chosen or next(iter(places), None)
    if chosen is None:
        return None
    return {k: chosen.get(k) for k in ("name", "country", "lat", "lon", "kind")}


def sighting(alert: dict[str, Any], record_ids: list[str]) -> Sighting:
    event = alert.get("event") or {}
    marking = alert.get("marking") or {}
    return Sighting(
        alert_id=str(alert["alert_id"]),
        record_ids=record_ids,
        observed_at=alert["observed_at"],
        country=alert["country"],
        agency=alert["agency"],
        event=event.get("kind", "OTHER"),
        direction=event.get("direction"),
        summary=event.get("summary"),
        location=location(alert),
        marking={k: marking.get(k) for k in ("tlp", "releasable_to", "handling")},
    )


def timeline(alerts: list[dict[str, Any]], records: dict[str, list[str]]) -> list[Sighting]:
    """One sighting per alert, oldest first; ``records``: alert_id -> the records seen."""
    ordered = sorted(alerts, key=lambda a: (a["observed_at"], str(a["alert_id"])))
    return [sighting(a, records.get(str(a["alert_id"]), [])) for a in ordered]


def fetch_alerts(es: Elasticsearch, index: str, alert_ids: list[str]) -> list[dict[str, Any]]:
    if not alert_ids:
        return []
    response = es.search(
        index=index,
        query={"terms": {"alert_id": sorted(set(alert_ids))}},  # by field: views hold copies
        size=MAX_ALERTS,
        source_excludes=["search", "indexed_at"],
    )
    return [hit["_source"] for hit in response["hits"]["hits"]]


def fetch_network(es: Elasticsearch, index: str, network_id: str) -> dict[str, Any] | None:
    response = es.search(
        index=index,
        query={"term": {"network_id": network_id}},  # by field: a view is a filtered alias
        size=1,
        source_excludes=["indexed_at"],
    )
    hits = response["hits"]["hits"]
    if not hits or hits[0]["_source"]["status"] != "ACTIVE":
        return None
    return hits[0]["_source"]


def fetch_hits(es: Elasticsearch, index: str, network_id: str) -> list[dict[str, Any]]:
    response = es.search(
        index=index,
        query={"term": {"network_id": network_id}},
        size=50,
        sort=[{"at": "desc"}],
        source_excludes=["indexed_at"],
    )
    return [hit["_source"] for hit in response["hits"]["hits"]]
