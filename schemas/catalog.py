"""The Avro schema family, loaded from the `.avsc` files in `schemas/avro/`.

Each file holds one named type and refers to the others by full name. The registry and
the serialisers want one self-contained schema per subject, so `schema_dict` inlines
every referenced type at its first use (later uses stay references, as Avro requires).
"""

import copy
import json
from functools import cache
from importlib.resources import files
from typing import Any

from fastavro import parse_schema

NAMESPACE = "org.borderlink.v1"

_PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_NAMED_KINDS = frozenset({"record", "enum", "fixed"})


@cache
def _definitions() -> dict[str, dict[str, Any]]:
    """Full name -> the JSON of its `.avsc` file, in file-name order."""
    definitions: dict[str, dict[str, Any]] = {}
    for path in sorted(files(__package__).joinpath("avro").iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".avsc"):
            continue
        schema = json.loads(path.read_text(encoding="utf-8"))
        # File name = type name, so a reader of a reference finds its file without searching.
        if path.name != f"{schema['name']}.avsc" or schema.get("namespace") != NAMESPACE:
            raise ValueError(f"{path.name}: expected a type named {path.name[:-5]} in {NAMESPACE}")
        definitions[f"{NAMESPACE}.{schema['name']}"] = schema
    return definitions


def full_name(name: str) -> str:
    """'Alert' or 'org.borderlink.v1.Alert' -> 'org.borderlink.v1.Alert'; KeyError if unknown."""
    qualified = name if "." in name else f"{NAMESPACE}.{name}"
    if qualified not in _definitions():
        raise KeyError(f"no schema named {name!r} in schemas/avro")
    return qualified


def type_names() -> list[str]:
    """Full names of every named type, in file-name order."""
    return list(_definitions())


def definition(name: str) -> dict[str, Any]:
    """A copy of the type's `.avsc` JSON, with references to other types left as names."""
    return copy.deepcopy(_definitions()[full_name(name)])


def _named_in(node: Any) -> list[str]:
    if isinstance(node, list):
        return [name for branch in node for name in _named_in(branch)]
    if isinstance(node, dict):
        return _named_in(node.get("items") or node.get("values"))
    return [node] if isinstance(node, str) and node not in _PRIMITIVES else []


def references(name: str) -> list[str]:
    """Full names of the types a record's fields refer to, in field order, each once."""
    fields = definition(name).get("fields", [])
    return list(dict.fromkeys(ref for field in fields for ref in _named_in(field["type"])))


def _carried(name: str) -> set[str]:
    return {full_name(n) for n in definition(name).get("borderlink.carries", [])}


def top_level_records() -> list[str]:
    """Records no other type refers to: what gets published, and so a registry subject.

    An envelope lists the published records it carries (``"borderlink.carries"``, e.g.
    Share carries Alert); carrying one does not demote it, so Alert stays a subject."""
    referenced = {
        ref for name in type_names() for ref in references(name) if ref not in _carried(name)
    }
    return [
        name
        for name in type_names()
        if definition(name)["type"] == "record" and name not in referenced
    ]


def _inline(node: Any, defined: set[str]) -> Any:
    if isinstance(node, str):
        if node in _PRIMITIVES or node in defined:
            return node
        return _inline(definition(node), defined)
    if isinstance(node, list):
        return [_inline(branch, defined) for branch in node]
    kind = node["type"]
    if kind in _NAMED_KINDS:
        # Mark before descending so a recursive type refers to itself by name.
        defined.add(f"{node.get('namespace', NAMESPACE)}.{node['name']}")
    if kind == "record":
        for field in node["fields"]:
            field["type"] = _inline(field["type"], defined)
    elif kind == "array":
        node["items"] = _inline(node["items"], defined)
    elif kind == "map":
        node["values"] = _inline(node["values"], defined)
    return node


@cache
def _resolved(name: str) -> dict[str, Any]:
    return _inline(definition(name), set())


def schema_dict(name: str) -> dict[str, Any]:
    """The self-contained schema of a named type as JSON data: every referenced type inlined."""
    return copy.deepcopy(_resolved(full_name(name)))


def schema_str(name: str) -> str:
    """The self-contained schema as a JSON string, the form `AvroSerializer` and the
    registry take."""
    return json.dumps(_resolved(full_name(name)))


def field_names(name: str) -> list[str]:
    """Field names of a record, in schema order."""
    schema = definition(name)
    if schema["type"] != "record":
        raise TypeError(f"{name} is a {schema['type']}, not a record")
    return [field["name"] for field in schema["fields"]]


def enum_symbols(name: str) -> list[str]:
    """Symbols of an enum, in schema order."""
    schema = definition(name)
    if schema["type"] != "enum":
        raise TypeError(f"{name} is a {schema['type']}, not an enum")
    return list(schema["symbols"])


# Parsed once at import: the hot path (fastavro readers and writers) takes these.
ALERT = parse_schema(schema_dict("Alert"))
DEAD_LETTER = parse_schema(schema_dict("DeadLetter"))
