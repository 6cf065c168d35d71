"""Local schema compatibility checks, with the Apache `avro` package's checker.

Borderlink subjects use BACKWARD_TRANSITIVE: a new schema must be able to *read* data
written with *every* earlier version, because Kafka keeps old alerts and consumers replay
them. In reader/writer terms the new schema is the reader and each old one a writer:

- allowed: add a field with a default; remove a field; add an enum symbol; widen a
  type (int -> long -> float -> double, string <-> bytes); add a union branch;
- refused: add a field without a default; narrow or change a type; remove a union
  branch (e.g. make an optional field required); remove an enum symbol from an enum
  without a default (ours all have one, so an old symbol reads as the default).

Consumers upgrade first, producers after. "Transitive" closes a gap plain BACKWARD
leaves: v2 adds a field with a default and v3 drops the default. Each step reads its
predecessor, but v3 cannot read v1 data, which lacks the field.

FORWARD compatibility (old readers, new data) is not promised: removing a field without
a default breaks consumers that have not been upgraded; hence the upgrade order.
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


def _walk(reader: Schema, writer: Schema, path: str) -> list[str]:
    # Records, arrays and maps are walked here, field by field, because the checker loses
    # the location below a union and would report such a problem at the root.
    if isinstance(reader, RecordSchema) and isinstance(writer, RecordSchema):
        if reader.name != writer.name:
            return _leaf(reader, writer, path)
        problems = []
        for field in reader.fields:
            old = lookup_writer_field(writer, field)
            if old is not None:
                problems += _walk(field.type, old.type, f"{path}.{field.name}")
            elif not field.has_default:
                problems.append(f"{path}.{field.name}: field added without default")
        return problems
    if isinstance(reader, ArraySchema) and isinstance(writer, ArraySchema):
        return _walk(reader.items, writer.items, f"{path}[]")
    if isinstance(reader, MapSchema) and isinstance(writer, MapSchema):
        return _walk(reader.values, writer.values, f"{path}{{}}")
    return _leaf(reader, writer, path)


def incompatibilities(reader: Schema, writer: Schema) -> list[str]:
    """Why `reader` cannot read data written with `writer`, one line per field; empty if
    it can."""
    root = reader.name if isinstance(reader, RecordSchema) else ""
    return _walk(reader, writer, root)


def check_compatible(new_schema_str: str, old_schema_strs: list[str]) -> list[str]:
    """Problems that stop `new_schema_str` from reading data written with any of
    `old_schema_strs` (oldest first); empty if it can read them all."""
    reader = parse(new_schema_str)
    return [
        f"old schema #{number}: {problem}"
        for number, old_schema_str in enumerate(old_schema_strs, start=1)
        for problem in incompatibilities(reader, parse(old_schema_str))
    ]
