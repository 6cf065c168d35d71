"""What one alert says about how its records relate: the graph stage's view of an alert.

Each subject record becomes a node with its kind and a label an analyst recognises (a name
as reported, a number, a plate). Relations come from the alert's own references: a person
HOLDS a phone, document, vehicle, account or online identifier; a shipment is CARRIED_BY a
vessel; a transaction PAID from one account to another. Records the alert names but does
not relate explicitly are REPORTED_WITH the rest: an alert reports one event, so what it
names together belongs together. Only one edge per unconnected group is added, so an alert
of n records adds at most n - 1 edges.
"""

from collections.abc import Iterator
from typing import Any

# Alert field -> entity kind (the EntityKind symbols) of its records.
RECORD_KINDS = {
    "persons": "PERSON",
    "documents": "DOCUMENT",
    "phones": "PHONE",
    "online": "ONLINE",
    "vehicles": "VEHICLE",
    "vessels": "VESSEL",
    "shipments": "SHIPMENT",
    "accounts": "ACCOUNT",
}


def _person_label(person: dict[str, Any]) -> str:
    parts = (person.get("given_names"), person.get("surnames"))
    return person.get("full_name") or " ".join(p for p in parts if p)


def label(kind: str, item: dict[str, Any]) -> str:
    """How an analyst would name the record: the reported value, not a normalised key."""
    match kind:
        case "PERSON":
            return _person_label(item)
        case "DOCUMENT":
            return f"{item['issuing_state']} {item['number']}"
        case "PHONE":
            return item["number"]
        case "ONLINE":
            return item["value"]
        case "VEHICLE":
            return f"{item['plate_country']} {item['plate']}"
        case "VESSEL":
            ids = [f"IMO {item['imo']}" if item.get("imo") else "", item.get("mmsi") or ""]
            return item.get("name") or next((i for i in ids if i), "")
        case "SHIPMENT":
            return item.get("container_id") or item.get("bill_of_lading") or ""
        case "ACCOUNT":
            return item.get("iban") or item.get("account_number") or ""
    return ""


def _explicit(alert: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    for field in ("phones", "documents", "vehicles", "accounts", "online"):
        for item in alert.get(field) or []:
            if item.get("holder_ref"):
                yield item["holder_ref"], item["record_id"], "HOLDS"
    for shipment in alert.get("shipments") or []:
        if shipment.get("vessel_ref"):
            yield shipment["record_id"], shipment["vessel_ref"], "CARRIED_BY"
    for tx in alert.get("transactions") or []:
        if tx.get("from_account_ref") and tx.get("to_account_ref"):
            yield tx["from_account_ref"], tx["to_account_ref"], "PAID"


def alert_structure(alert: dict[str, Any]) -> dict[str, Any]:
    """Nodes and relation edges of one alert, as JSON for the graph stage."""
    records = [
        {"record_id": item["record_id"], "kind": kind, "label": label(kind, item)}
        for field, kind in RECORD_KINDS.items()
        for item in alert.get(field) or []
    ]
    known = {r["record_id"] for r in records}
    relations = [(a, b, rel) for a, b, rel in _explicit(alert) if a in known and b in known]
    # Groups the explicit relations leave apart are joined REPORTED_WITH, one edge each.
    group = {r: r for r in known}

    def root(r: str) -> str:
        while group[r] != r:
            r = group[r]
        return r

    for a, b, _ in relations:
        group[root(a)] = root(b)
    roots = list(dict.fromkeys(root(r["record_id"]) for r in records))
    relations += [(roots[0], other, "REPORTED_WITH") for other in roots[1:]]
    return {
        "alert_id": str(alert["alert_id"]),
        "agency": alert["agency"],
        "country": alert["country"],
        "records": records,
        "relations": [list(r) for r in relations],
    }
