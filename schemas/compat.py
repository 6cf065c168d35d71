"""Local schema compatibility checks, with the Apache `avro` package's checker.

Borderlink subjects use FULL_TRANSITIVE: a new schema must read data written with every
earlier version (backward: Kafka keeps old alerts and consumers replay them) *and* every
earlier version must read data written with the new one (forward: agencies, Borderlink's
workers and other subscribers upgrade on their own schedules, in any order).

- allowed: add or remove a field that has a default; add an enum symbol or remove one
  (our enums all have a default, so an unknown or old symbol reads as the default);
- refused: add a field without a default (new readers cannot read old data); remove a
  field without a default (old readers cannot read new data); change or widen a type
  (int -> long reads old data, but old readers cannot read the long); make an optional
  field required or a required one optional.

"Transitive" closes a gap a check against the latest version only leaves: v2 adds a
field with a default and v3 drops the default. Each step reads its predecessor, but v3
cannot read v1 data, which lacks the field.
"""

from avro.compatibility import (
    ReaderWriterCompatibilityChecker,
    SchemaCompatibilityType,
    SchemaIncompatibilityType,
    lookup_writer_field,
)
from avro.schema import ArraySchema, MapSchema, RecordSchema, Schema, parse

_WHAT = {
    SchemaIncompatibilityType.name_mismatch: "named type renamed without alias",
    SchemaIncompatibilityType.fixed_size_mismatch: "fixed size changed",
    SchemaIncompatibilityType.missing_enum_symbols: "enum symbols removed and no enum default",
    SchemaIncompatibilityType.reader_field_missing_default_value: "field added without default",
    SchemaIncompatibilityType.type_mismatch: "type changed to one that cannot read the old",
    SchemaIncompatibilityType.missing_union_branch: "union lost a branch the old one had",
}


def _field_path(path: str, reader: Schema, location: str) -> str:
    """Extend `path` by a checker location such as '/fields/3/type/symbols', read off
    `reader`, the schema the checker was given."""
    node = reader
    tokens = iter(token for token in location.split("/") if token)
    for token in tokens:
        if token == "fields" and isinstance(node, RecordSchema):
            field = node.fields[int(next(tokens))]
            path, node = f"{path}.{field.name}", field.type
        elif token == "items" and isinstance(node, ArraySchema):
            path, node = f"{path}[]", node.items
        elif token == "values" and isinstance(node, MapSchema):
            path, node = f"{path}{{}}", node.values
        elif token.isdigit():  # index of the old (writer) union's branch
            path = f"{path}<branch {token}>"
        elif token != "type":  # 'symbols', 'name' or 'size'
            path = f"{path}.{token}"
    return path


def _leaf(reader: Schema, writer: Schema, path: str) -> list[str]:
    result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
    if result.compatibility is not SchemaCompatibilityType.incompatible:
        return []
    # The checker merges its findings into sets, so kinds, places and messages cannot be
    # paired one to one; _walk keeps each set down to one field.
    what = ", ".join(sorted({_WHAT[kind] for kind in result.incompatibilities}))
    where = ", ".join(sorted({_field_path(path, reader, loc) for loc in result.locations}))
    return [f"{where}: {what} ({'; '.join(sorted(result.messages))})"]


def _walk(reader: Schema, writer: Schema, path: str, missing: str) -> list[str]:
    # Records, arrays and maps are walked here, field by field, because the checker loses
    # the location below a union and would report such a problem at the root.
    if isinstance(reader, RecordSchema) and isinstance(writer, RecordSchema):
        if reader.name != writer.name:
            return _leaf(reader, writer, path)
        problems = []
        for field in reader.fields:
            old = lookup_writer_field(writer, field)
            if old is not None:
                problems += _walk(field.type, old.type, f"{path}.{field.name}", missing)
            elif not field.has_default:
                problems.append(f"{path}.{field.name}: {missing}")
        return problems
    if isinstance(reader, ArraySchema) and isinstance(writer, ArraySchema):
        return _walk(reader.items, writer.items, f"{path}[]", missing)
    if isinstance(reader, MapSchema) and isinstance(writer, MapSchema):
        return _walk(reader.values, writer.values, f"{path}{{}}", missing)
    return _leaf(reader, writer, path)


def incompatibilities(reader: Schema, writer: Schema, forward: bool = False) -> list[str]:
    """Why `reader` cannot read data written with `writer`, one line per field; empty if
    it can. `forward` says the reader is the older schema, which words a missing field."""
    root = reader.name if isinstance(reader, RecordSchema) else ""
    missing = (
        "field removed that older readers require (it has no default)"
        if forward
        else "field added without default"
    )
    return _walk(reader, writer, root, missing)


def check_compatible(new_schema_str: str, old_schema_strs: list[str]) -> list[str]:
    """Problems that stop `new_schema_str` from reading data written with any of
    `old_schema_strs` (oldest first), or any of them from reading data written with it;
    empty if all pairs read each other (FULL_TRANSITIVE)."""
    new = parse(new_schema_str)
    problems = []
    for number, old_schema_str in enumerate(old_schema_strs, start=1):
        old = parse(old_schema_str)
        problems += [f"old schema #{number}: {p}" for p in incompatibilities(new, old)]
        problems += [
            f"old schema #{number} reading new data: {p}"
            for p in incompatibilities(old, new, forward=True)
        ]
    return problems
