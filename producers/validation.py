"""Alert validation: the schema's rules (fastavro) plus the contract's domain rules.

Pure functions returning every problem found, so a bulk import can report all of them.
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastavro.validation import ValidationError, validate

from borderlink.topics import AGENCY_ID, AGENCY_KINDS, is_audience
from schemas import ALERT, schema_dict
from schemas.paths import FieldPath

# Subject arrays of the Alert whose items carry a record_id (derived from the schema).
SUBJECT_FIELDS = [
    f["name"]
    for f in schema_dict("Alert")["fields"]
    if isinstance(f["type"], dict)
    and f["type"].get("type") == "array"
    and isinstance(f["type"]["items"], dict)
    and f["type"]["items"].get("type") == "record"
    and any(item["name"] == "record_id" for item in f["type"]["items"]["fields"])
]
REF_FIELDS = (
    "holder_ref",
    "owner_ref",
    "vessel_ref",
    "from_account_ref",
    "to_account_ref",
    "location_ref",
)
CLOCK_SKEW = timedelta(minutes=10)


class AlertInvalid(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def schema_problems(alert: dict[str, Any]) -> list[str]:
    try:
        validate(alert, ALERT, raise_errors=True)
    except ValidationError as err:
        return [f"schema: {e}" for e in err.errors]
    return []


def _subjects(alert: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name in SUBJECT_FIELDS:
        for item in alert.get(name) or []:
            yield name, item


def domain_problems(alert: dict[str, Any]) -> list[str]:
    problems = []
    try:
        uuid.UUID(str(alert.get("alert_id")))
    except ValueError:
        problems.append(f"alert_id {alert.get('alert_id')!r} is not a UUID")
    agency, country = str(alert.get("agency", "")), str(alert.get("country", ""))
    if not AGENCY_ID.match(agency):
        problems.append(f"agency {agency!r} is not '<iso-country>.<code>' (e.g. 'gy.police')")
    elif agency[:2] != country.lower():
        problems.append(f"agency {agency!r} does not belong to country {country!r}")
    observed, reported = alert.get("observed_at"), alert.get("reported_at")
    if isinstance(observed, datetime) and isinstance(reported, datetime):
        if observed > reported + CLOCK_SKEW:
            problems.append("observed_at is after reported_at")
        if reported > datetime.now(UTC) + CLOCK_SKEW:
            problems.append("reported_at is in the future")
    ids = [item.get("record_id") for _, item in _subjects(alert)]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.append(f"record_id used twice: {', '.join(map(str, duplicates))}")
    known = set(ids)
    for kind, item in _subjects(alert):
        for ref in REF_FIELDS:
            target = item.get(ref)
            if target is not None and target not in known:
                problems.append(f"{kind} {item.get('record_id')}: {ref} {target!r} names no record")
    event = alert.get("event") or {}
    if event.get("kind") == "RETRACTION" and not event.get("retracts_alert_id"):
        problems.append("a RETRACTION event must name retracts_alert_id")
    if not known and event.get("kind") != "RETRACTION":
        problems.append("an alert must carry at least one subject (person, phone, document...)")
    return problems + _marking_problems(alert.get("marking") or {})


def _marking_problems(marking: dict[str, Any]) -> list[str]:
    # A recipient a marking cannot name would make it release to no one, silently.
    problems = [
        f"marking.releasable_to {who!r} is not an agency id or ISO country code"
        for who in marking.get("releasable_to") or ()
        if not is_audience(who) or who in AGENCY_KINDS
    ]
    for number, field in enumerate(marking.get("fields") or ()):
        try:
            FieldPath.parse(field.get("field", ""))
        except ValueError as err:
            problems.append(f"marking.fields[{number}]: {err}")
        problems += [
            f"marking.fields[{number}].releasable_to {who!r} is not an agency id, "
            "ISO country code or agency kind"
            for who in field.get("releasable_to") or ()
            if not is_audience(who)
        ]
    return problems


def problems(alert: dict[str, Any]) -> list[str]:
    """Every reason this alert would be refused; empty when it is valid."""
    found = schema_problems(alert)
    return found or domain_problems(alert)


def check(alert: dict[str, Any]) -> dict[str, Any]:
    found = problems(alert)
    if found:
        raise AlertInvalid(found)
    return alert


def _logical_types(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """(field path, logicalType) of every date/timestamp in the schema; '*' marks array items."""
    if isinstance(node, list):
        for branch in node:
            yield from _logical_types(branch, path)
    elif isinstance(node, dict):
        if node.get("logicalType") in ("timestamp-millis", "date"):
            yield path, node["logicalType"]
        elif node.get("type") == "record":
            for field in node["fields"]:
                yield from _logical_types(field["type"], (*path, field["name"]))
        elif node.get("type") == "array":
            yield from _logical_types(node["items"], (*path, "*"))


TEMPORAL_FIELDS = list(_logical_types(schema_dict("Alert")))


def _convert(value: Any, logical: str) -> Any:
    if not isinstance(value, str):
        return value
    if logical == "date":
        return date.fromisoformat(value)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no UTC offset (cross-border times need one)")
    return parsed


def _apply(node: Any, path: tuple[str, ...], logical: str) -> Any:
    """``node`` with the value at ``path`` converted; absent or null values are left alone."""
    if not path:
        return _convert(node, logical)
    head, rest = path[0], path[1:]
    if head == "*":
        return [_apply(item, rest, logical) for item in node] if isinstance(node, list) else node
    if isinstance(node, dict) and node.get(head) is not None:
        node[head] = _apply(node[head], rest, logical)
    return node


def from_json(data: dict[str, Any]) -> dict[str, Any]:
    """A JSON alert (ISO 8601 strings for dates and times) as the record Avro writes."""
    try:
        for path, logical in TEMPORAL_FIELDS:
            _apply(data, path, logical)
    except ValueError as err:
        raise AlertInvalid([str(err)]) from err
    return data
