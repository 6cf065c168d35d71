"""Records as Elasticsearch documents: deterministic ids, plus the derived search fields."""

from typing import Any

from borderlink.serde import now
from streams.normalise.text import fold


def _names(alert: dict[str, Any]) -> list[str]:
    names = []
    for person in alert.get("persons") or []:
        full = person.get("full_name") or " ".join(
            p for p in (person.get("given_names"), person.get("surnames")) if p
        )
        names.extend(n for n in [full, *(person.get("aliases") or [])] if n)
    return names


def alert_document(alert: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    folded = [fold(n) for n in _names(alert)]
    doc = {
        **alert,
        "search": {"names": folded, "name_keys": [" ".join(sorted(f.split())) for f in folded]},
        "indexed_at": now(),
    }
    return str(alert["alert_id"]), doc


def link_document(link: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return link["link_id"], {**link, "indexed_at": now()}


def hub_document(hub: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return hub["key"], {**hub, "indexed_at": now()}
