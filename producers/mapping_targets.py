"""What each Alert field takes, derived from the Avro schema (never a list of names here)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from schemas import schema_dict

_PRIMITIVE_KINDS = {
    "string": "string",
    "int": "int",
    "long": "int",
    "float": "float",
    "double": "float",
    "boolean": "boolean",
}
_LOGICAL_KINDS = {
    "timestamp-millis": "timestamp",
    "date": "date",
    "uuid": "string",
    "decimal": "decimal",
}
# The constants each kind of field accepts (TOML gives dates and date-times their own type).
_CONSTANT_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "enum": str,
    "timestamp": datetime,  # a TOML offset date-time, e.g. 2025-03-14T06:42:00-05:00
    "date": date,
    "int": int,
    "float": (int, float),
    "decimal": Decimal,  # never from TOML: amounts come from cells, not constants
    "boolean": bool,
}


@dataclass
class Target:
    """What an Alert field takes. ``kind`` is one of: record, records (an array of records),
    strings (an array of strings), enum, timestamp, date, string, int, float, decimal,
    boolean."""

    kind: str
    required: bool = False
    symbols: tuple[str, ...] = ()
    fields: dict[str, "Target"] = field(default_factory=dict)

    def refuses(self, constant: Any) -> str | None:
        """Why ``constant`` cannot be this field's value (for a list field: one item)."""
        kind = "string" if self.kind == "strings" else self.kind
        expected = _CONSTANT_TYPES[kind]
        not_a_number = isinstance(constant, bool) and expected is not bool  # bool is an int
        if not isinstance(constant, expected) or not_a_number:
            return f"{constant!r} is not a {kind}"
        if isinstance(constant, datetime) and constant.tzinfo is None:
            return f"{constant} has no UTC offset"
        if self.symbols and constant not in self.symbols:
            return f"{constant!r} is not one of {', '.join(self.symbols)}"
        return None


def target(avro_type: Any, required: bool = True) -> Target:
    """The Target of an Avro type (a union ``null | T`` is an optional ``T``)."""
    if isinstance(avro_type, list):
        branches = [t for t in avro_type if t != "null"]
        if len(branches) != 1:
            raise TypeError(f"the importer cannot map the union {avro_type!r}")
        avro_type = branches[0]
    if isinstance(avro_type, str):
        if avro_type in _PRIMITIVE_KINDS:
            return Target(_PRIMITIVE_KINDS[avro_type], required)
        avro_type = schema_dict(avro_type)  # a named type used before, referred to by name
    kind = avro_type["type"]
    if kind == "record":
        fields = {f["name"]: target(f["type"], "default" not in f) for f in avro_type["fields"]}
        return Target("record", required, fields=fields)
    if kind == "enum":
        return Target("enum", required, symbols=tuple(avro_type["symbols"]))
    if kind == "array":
        items = target(avro_type["items"])
        if items.kind in ("record", "string"):
            return Target(f"{items.kind}s", required, fields=items.fields)
    if avro_type.get("logicalType") in _LOGICAL_KINDS:
        return Target(_LOGICAL_KINDS[avro_type["logicalType"]], required)
    if kind in _PRIMITIVE_KINDS:
        return Target(_PRIMITIVE_KINDS[kind], required)
    raise TypeError(f"the importer cannot map the Avro type {avro_type!r}")


ALERT_TARGET = target(schema_dict("Alert"))
