"""Records as subscriptions read them: an alert, an entity or a link reduced to the fields that
rules name (``consumers.indices.PERCOLATED_PROPERTIES``), plus what a match reports. The
matcher reads them as an agency received them: the payload of a ``Share`` (``from_share``).

Names are the sink's own derived fields (``consumers.documents``: folded, any script), and
identifiers the worker's own keys (``streams.identifiers``), so a subscription matches what
search finds and what the worker links.
"""

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from consumers.documents import alert_document, entity_document, search_fields
from streams.graph import IDENTIFIER_KINDS
from streams.identifiers import identifier_sightings
from streams.relations import RECORD_KINDS, label


class Candidate(NamedTuple):
    """One record to percolate: its document, and what a match says about it."""

    source: str  # SubscriptionSource: ALERT, ENTITY, LINK
    record_id: str
    # What makes an update a new match: an entity's version, a link's decision; a share's version.
    revision: str
    document: dict[str, Any]  # {"record": {...}}, the fields rules read
    labels: list[str]
    version: int | None = None
    recipient: str | None = None  # the agency it was shared to: only its subscriptions match

    @property
    def fields(self) -> dict[str, Any]:
        return self.document["record"]


def _document(
    source: str,
    kinds: list[str],
    countries: list[str],
    identifiers: list[str],
    search: dict[str, list[str]],
    cross_border: bool = False,
    score: float | None = None,
    decision: str | None = None,
) -> dict[str, Any]:
    record = {
        "source": source,
        "kinds": sorted(set(kinds)),
        "countries": sorted(set(countries)),
        "cross_border": cross_border,
        "identifiers": _with_bankless_accounts(identifiers),
        "search": search,
    }
    if score is not None and math.isfinite(score):  # NaN would fail the whole request
        record["score"] = score
    if decision is not None:
        record["decision"] = decision
    return {"record": record}


def _with_bankless_accounts(keys: list[str]) -> list[str]:
    # A domestic account keyed with its bank also answers to the key without it, the form
    # a watch list has when the analyst does not know the bank (see search.same_identifier).
    parts = [key.split(":") for key in keys]
    bankless = [f"account:{p[1]}:{p[3]}" for p in parts if p[0] == "account" and len(p) == 4]
    return list(dict.fromkeys([*keys, *bankless]))


def from_alert(alert: dict[str, Any]) -> Candidate | None:
    """None for a retraction: it withdraws an alert, and reports nothing to match."""
    indexed = alert_document(alert)
    if indexed.delete:
        return None
    subjects = [
        (kind, item) for field, kind in RECORD_KINDS.items() for item in alert.get(field) or []
    ]
    document = _document(
        "ALERT",
        [kind for kind, _ in subjects],
        [alert["country"]],
        [sighting.key for sighting in identifier_sightings(alert)],
        indexed.source["search"],
    )
    labels = [text for text in (label(kind, item) for kind, item in subjects) if text]
    return Candidate("ALERT", str(alert["alert_id"]), "", document, labels)


def _label_record(kind: str, text: str) -> tuple[str, dict[str, Any]] | None:
    """An entity's label back as the alert record it was read from (``relations.label``)."""
    first, _, rest = text.partition(" ")
    match kind:
        case "PHONE":
            return "phones", {"number": text}
        case "DOCUMENT":
            return "documents", {"issuing_state": first, "number": rest}
        case "VEHICLE":
            return "vehicles", {"plate_country": first, "plate": rest}
        case "ACCOUNT":
            return "accounts", {"account_number": text}
        case "VESSEL" if first == "IMO":
            return "vessels", {"imo": rest}
        case "VESSEL" if text.isdigit():
            return "vessels", {"mmsi": text}
        case "SHIPMENT":
            return "shipments", {"container_id": text}
        case "ONLINE" if "@" in text.strip("@") or "." in text:
            return "online", {"kind": "EMAIL" if "@" in text else "URL", "value": text}
    return None  # a vessel's name, a handle without its platform: no key


def _label_keys(entity: dict[str, Any]) -> list[str]:
    """The worker's keys of an identifier entity's labels, read in each of its countries (a
    number written without its country code is read where the reporting agency dials)."""
    records: dict[str, list[dict[str, Any]]] = {}
    for n, text in enumerate(entity["labels"]):
        found = _label_record(entity["kind"], text)
        if found:
            records.setdefault(found[0], []).append({"record_id": f"l{n}", **found[1]})
    keys = []
    for country in entity["countries"] if records else []:
        alert = {"alert_id": entity["entity_id"], "agency": "", "country": country, **records}
        keys += [sighting.key for sighting in identifier_sightings(alert)]
    return keys


def from_entity(entity: dict[str, Any]) -> Candidate | None:
    """None for a retired id: its records are published again under the ids that hold them."""
    if entity["status"] != "ACTIVE":
        return None
    document = _document(
        "ENTITY",
        [entity["kind"]],
        entity["countries"],
        [] if entity["kind"] == "PERSON" else _label_keys(entity),
        entity_document(entity).source["search"],
        cross_border=entity["cross_border"],
        decision="MATCH",  # only MATCH links join the records of an entity
    )
    return Candidate(
        "ENTITY",
        entity["entity_id"],
        str(entity["version"]),
        document,
        list(entity["labels"]),
        entity["version"],
    )


def from_link(link: dict[str, Any]) -> Candidate:
    names, keys = [], []
    for comparison in link["explanation"]:
        field = comparison["field"]
        values = [v for v in (comparison["left"], comparison["right"]) if v]
        if field == "name":
            names += values
        elif link["kind"] == "SHARED_IDENTIFIER":
            keys += [f"{field}:{value}" for value in values]
        elif field in ("phones", "documents"):  # a person link's shared phones and documents
            keys += [f"{field[:-1]}:{v}" for value in values for v in value.split("; ")]
    if link["kind"] == "SAME_PERSON":
        kinds = ["PERSON"]
    else:
        kinds = [IDENTIFIER_KINDS.get(key.split(":", 1)[0], "OTHER") for key in keys] or ["OTHER"]
    document = _document(
        "LINK",
        kinds,
        [end["country"] for end in (link["left"], link["right"]) if end["country"]],
        keys,
        search_fields(names),
        cross_border=link["cross_border"],
        score=link["score"],
        decision=link["decision"],
    )
    labels = list(dict.fromkeys(names or [key.split(":", 1)[1] for key in keys]))
    return Candidate("LINK", link["link_id"], link["decision"], document, labels)


# What a share of each kind carries that rules read; networks and hits are left to the views.
PAYLOADS: dict[str, Callable[[dict[str, Any]], Candidate | None]] = {
    "ALERT": from_alert,
    "ENTITY": from_entity,
    "LINK": from_link,
}


def from_share(share: dict[str, Any]) -> Candidate | None:
    """The recipient's copy as a Candidate; None for a revocation (it withdraws a copy and
    reports nothing to match) and for kinds no rule reads.

    Its revision is the share's version, which grows with every change of that recipient's
    copy, so each copy it receives can match once; a copy without a version of its own (an
    alert, a link) reports the share's."""
    to_candidate = PAYLOADS.get(share["kind"])
    if share["revoked"] or to_candidate is None:
        return None
    found = to_candidate(share[share["kind"].lower()])
    if found is None:
        return None
    version = share["version"] if found.version is None else found.version
    return found._replace(
        revision=str(share["version"]), version=version, recipient=share["recipient"]
    )
