"""Link records (Avro ``Link``) built from resolver scores and shared identifiers."""

import hashlib
from datetime import datetime
from typing import Any

from .identifiers import IdentifierSighting
from .resolve import PersonRecord, Score


def link_id(kind: str, a: dict[str, str], b: dict[str, str]) -> str:
    """Deterministic and order-free: a replay overwrites the same link."""
    ends = sorted(f"{r['alert_id']}/{r['record_id']}" for r in (a, b))
    return hashlib.sha256(f"{kind}|{ends[0]}|{ends[1]}".encode()).hexdigest()[:32]


def person_ref(record: PersonRecord) -> dict[str, str]:
    alert_id, record_id = record.ref.split("/", 1)
    return {
        "alert_id": alert_id,
        "record_id": record_id,
        "agency": record.agency or "",
        "country": record.country or "",
    }


def person_link(
    earlier: PersonRecord, later: PersonRecord, score: Score, at: datetime
) -> dict[str, Any]:
    left, right = person_ref(earlier), person_ref(later)
    return {
        "link_id": link_id("SAME_PERSON", left, right),
        "kind": "SAME_PERSON",
        "decision": score.decision.value,
        "score": round(score.total, 3),
        "left": left,
        "right": right,
        "cross_border": left["country"] != right["country"],
        "explanation": score.explanation(),
        "created_at": at,
    }


def identifier_link(
    first: IdentifierSighting, later: IdentifierSighting, at: datetime
) -> dict[str, Any]:
    left, right = first.ref(), later.ref()
    return {
        "link_id": link_id("SHARED_IDENTIFIER", left, right),
        "kind": "SHARED_IDENTIFIER",
        "decision": "MATCH",
        "score": 0.0,  # an exact shared key: nothing is weighed
        "left": left,
        "right": right,
        "cross_border": left["country"] != right["country"],
        "explanation": [
            {
                "field": first.kind,
                "left": first.value,
                "right": later.value,
                "similarity": 1.0,
                "weight": 0.0,
            }
        ],
        "created_at": at,
    }


def identifier_retraction(
    entry: dict[str, Any], alert_id: str, at: datetime
) -> list[dict[str, Any]]:
    """Take a retracted alert's sightings out of an identifier's state (in place). When it
    held the star's centre, the next sighting becomes the centre and is linked to the rest:
    the graph erased the old centre's links, which were all that joined them."""
    sightings = [s for s in entry.get("sightings", []) if s["alert_id"] != alert_id]
    was_centre = entry["first"] is not None and entry["first"]["alert_id"] == alert_id
    entry["sightings"] = sightings
    if not was_centre:
        return []
    entry["first"] = sightings[0] if sightings else None
    if entry["hub"] or not sightings:
        return []
    centre = IdentifierSighting(**sightings[0])
    return [identifier_link(centre, IdentifierSighting(**s), at) for s in sightings[1:]]


def hub(key: str, kind: str, holders: int, threshold: int, at: datetime) -> dict[str, Any]:
    what = "different people hold" if kind == "identifier" else "records share"
    return {
        "key": key,
        "kind": kind,
        "holders": holders,
        "threshold": threshold,
        "reason": f"{holders} {what} {key!r} (limit {threshold}): it no longer links records, "
        "so one hotline or placeholder cannot merge unrelated networks",
        "flagged_at": at,
    }
