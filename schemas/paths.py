"""Field paths of an alert, as per-field markings (FieldMarking.field) name them.

    notes                        the alert's free text
    locations                    every location record
    locations[kind=SHELTER]      the location records whose kind is SHELTER
    persons.date_of_birth        that field of every person
    persons[role=WITNESS].aliases

A path is checked against Alert.avsc when it is parsed, so a marking or an agreement that
names a field which does not exist, or one that cannot be emptied (a required field),
is an error on load rather than a marking that silently withholds nothing.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schemas.catalog import definition

_PATH = re.compile(
    r"^(?P<top>[a-z_]+)(?:\[(?P<attr>[a-z_]+)=(?P<value>[A-Za-z0-9_.-]+)\])?(?:\.(?P<field>[a-z_]+))?$"
)


def _fields(record: str) -> dict[str, Any]:
    return {f["name"]: f for f in definition(record)["fields"]}


def _emptiable(field: Mapping[str, Any]) -> bool:
    kind = field["type"]
    return (isinstance(kind, list) and "null" in kind) or (
        isinstance(kind, dict) and kind.get("type") == "array"
    )


@dataclass(frozen=True)
class FieldPath:
    top: str
    attr: str | None = None
    value: str | None = None
    field: str | None = None

    @classmethod
    def parse(cls, text: str) -> "FieldPath":
        """ValueError saying what is wrong unless `text` names an emptiable Alert field."""
        match = _PATH.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a field path like 'locations[kind=SHELTER].name'")
        path = cls(match["top"], match["attr"], match["value"], match["field"])
        alert = _fields("Alert")
        if path.top not in alert:
            raise ValueError(f"{text!r}: the alert has no field {path.top!r}")
        kind = alert[path.top]["type"]
        is_records = isinstance(kind, dict) and kind.get("type") == "array"
        if (path.attr or path.field) and not is_records:
            raise ValueError(f"{text!r}: {path.top!r} is not a list of records")
        if not (path.attr or path.field):
            if not _emptiable(alert[path.top]):
                raise ValueError(f"{text!r}: {path.top!r} is required and cannot be withheld")
            return path
        items = _fields(kind["items"])
        if path.attr and path.attr not in items:
            raise ValueError(f"{text!r}: {kind['items']} has no field {path.attr!r}")
        if path.field:
            if path.field not in items:
                raise ValueError(f"{text!r}: {kind['items']} has no field {path.field!r}")
            if not _emptiable(items[path.field]):
                raise ValueError(f"{text!r}: {path.field!r} is required and cannot be withheld")
        return path

    def selects(self, item: Mapping[str, Any]) -> bool:
        return self.attr is None or str(item.get(self.attr)) == self.value
