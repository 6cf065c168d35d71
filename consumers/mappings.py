"""Elasticsearch mappings derived from the Avro schemas: no field name is written here twice.

Strings are keywords (exact identifier lookup) unless named in ``TEXT_FIELDS``, which also
get a text sub-field for full-text search. Names are folded in Python (``search.names``)
because the node needs no analysis plugin for that (integ-test-zip has none).
"""

from typing import Any

from schemas import NAMESPACE, schema_dict

# The generation of the concrete indices (``<alias>-000001``). Bump it only for a change an
# existing index cannot take (a field's type, shards, analysis): that needs a new index and a
# reindex. New fields need no bump: ``indices.ensure`` adds them to the existing index.
TEMPLATE_VERSION = 1
TEXT_FIELDS = frozenset(
    {
        "full_name",
        "given_names",
        "surnames",
        "aliases",
        "labels",  # entity names and identifier values (Entity, NetworkEntity)
        "label",
        "name",
        "summary",
        "notes",
        "bank_name",
        "consignee",
        "shipper",
    }
)


def _field_mapping(name: str, avro_type: Any, named: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """ES mapping of one Avro type; ``named`` remembers named types for later references."""
    if isinstance(avro_type, list):
        branches = [t for t in avro_type if t != "null"]
        if len(branches) == 1:
            return _field_mapping(name, branches[0], named)
        return {"type": "object", "enabled": False}
    if isinstance(avro_type, str):
        return named[avro_type] if avro_type in named else _primitive(name, avro_type)
    kind = avro_type["type"]
    logical = avro_type.get("logicalType")
    if logical in ("timestamp-millis", "timestamp-micros", "date"):
        return {"type": "date"}
    if logical == "decimal":
        # scaled_float lives in mapper-extras, which the integ-test-zip node lacks.
        return {"type": "double"}
    if kind == "array":
        return _field_mapping(name, avro_type["items"], named)
    if kind == "map":
        return {"type": "flattened"}
    if kind == "record":
        result = {
            "properties": {
                f["name"]: _field_mapping(f["name"], f["type"], named) for f in avro_type["fields"]
            }
        }
    elif kind in ("enum", "fixed"):
        result = {"type": "keyword"}
    else:
        return _primitive(name, kind)
    full = (
        avro_type["name"]
        if "." in avro_type["name"]
        else (f"{avro_type.get('namespace', NAMESPACE)}.{avro_type['name']}")
    )
    named[full] = result
    return result


def _primitive(name: str, kind: str) -> dict[str, Any]:
    if kind == "string":
        if name in TEXT_FIELDS:
            return {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}
        return {"type": "keyword", "ignore_above": 1024}
    return {
        "boolean": {"type": "boolean"},
        "int": {"type": "long"},
        "long": {"type": "long"},
        "float": {"type": "double"},
        "double": {"type": "double"},
        "bytes": {"type": "binary"},
    }[kind]


# Fields the sink adds beside the record's own: folded names for fuzzy, script-free search.
SEARCH_PROPERTIES = {
    "search": {
        "properties": {
            "names": {"type": "text"},
            "name_keys": {"type": "keyword"},
        }
    },
}

# Alert locations as points, for geo queries and Kibana Maps (``locations.lat``/``.lon`` are two
# unpaired doubles). ``documents.alert_document`` leaves out shelters and out-of-range
# coordinates (producers do not range-check them). ignore_malformed is the backstop, so that a
# bad point never sends the whole alert to dlq.sink; note that it drops only unparsable values:
# an out-of-range one it wraps around the globe (lat 95, lon 10 becomes 85, -170).
GEO_PROPERTIES = {
    "geo": {
        "properties": {
            "locations": {"type": "geo_point", "ignore_malformed": True},
        }
    },
}


def mapping(record_name: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    derived = _field_mapping(record_name, schema_dict(record_name), {})
    return {
        "dynamic": "strict",  # a field the schema does not know is a bug, not a new column
        "_meta": {"schema": record_name, "template_version": TEMPLATE_VERSION},
        "properties": {**derived["properties"], **(extra or {}), "indexed_at": {"type": "date"}},
    }
