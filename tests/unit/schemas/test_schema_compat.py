"""What FULL_TRANSITIVE lets the schemas do: the new schema reads every old version and
every old version reads the new one.

check_compatible(new, olds) checks both directions against each old schema.
"""

import json

from schemas import check_compatible, schema_dict, schema_str

CURRENT = schema_str("Alert")


def nodes(schema: object):
    """Every type definition inside a resolved schema, depth first."""
    if isinstance(schema, list):
        for branch in schema:
            yield from nodes(branch)
    elif isinstance(schema, dict):
        yield schema
        for field in schema.get("fields", []):
            yield from nodes(field["type"])
        yield from nodes(schema.get("items") or schema.get("values"))


def named(schema: dict, name: str) -> dict:
    """The inlined definition of the named type `name` inside a resolved schema."""
    return next(
        node
        for node in nodes(schema)
        if node.get("name") == name and "type" in node and node["type"] in ("record", "enum")
    )


def field(record: dict, name: str) -> dict:
    return next(f for f in record["fields"] if f["name"] == name)


def changed(edit) -> str:
    """The current Alert schema after `edit(schema)`, as a JSON string."""
    schema = schema_dict("Alert")
    edit(schema)
    return json.dumps(schema)


def test_the_current_schema_reads_itself():
    assert check_compatible(CURRENT, [CURRENT]) == []
    assert check_compatible(schema_str("DeadLetter"), [schema_str("DeadLetter")]) == []


def test_adding_an_optional_field_with_a_default_is_allowed():
    def add(schema):
        named(schema, "Person")["fields"].append(
            {"name": "place_of_birth", "type": ["null", "string"], "default": None, "doc": "."}
        )

    assert check_compatible(changed(add), [CURRENT]) == []


def test_adding_a_field_without_a_default_is_refused_with_its_path():
    def add(schema):
        named(schema, "Person")["fields"].append({"name": "pin", "type": "string", "doc": "."})

    (problem,) = check_compatible(changed(add), [CURRENT])
    assert "old schema #1" in problem
    assert problem == "old schema #1: Alert.persons[].pin: field added without default"


def test_removing_a_required_field_is_refused_because_old_readers_need_it():
    def remove(schema):
        vehicle = named(schema, "Vehicle")
        vehicle["fields"].remove(field(vehicle, "plate_country"))

    # New consumers would simply ignore the field in old data, but a consumer still on the
    # old schema cannot read new data, and agencies upgrade in any order.
    (problem,) = check_compatible(changed(remove), [CURRENT])
    assert problem == (
        "old schema #1 reading new data: Alert.vehicles[].plate_country: "
        "field removed that older readers require (it has no default)"
    )


def test_removing_an_optional_field_is_allowed():
    def remove(schema):
        person = named(schema, "Person")
        person["fields"].remove(field(person, "gender_identity"))

    assert check_compatible(changed(remove), [CURRENT]) == []


def test_adding_an_enum_symbol_is_allowed():
    def grow(schema):
        named(schema, "EventKind")["symbols"].append("SMUGGLING_ROUTE")

    assert check_compatible(changed(grow), [CURRENT]) == []


def test_removing_an_enum_symbol_is_allowed_because_old_data_reads_as_the_default():
    def shrink(schema):
        named(schema, "DocumentType")["symbols"].remove("SEAMAN_BOOK")

    assert check_compatible(changed(shrink), [CURRENT]) == []


def test_widening_a_type_is_refused_because_old_readers_cannot_read_it():
    def widen(schema):
        field(schema, "schema_version")["type"] = "long"

    (problem,) = check_compatible(changed(widen), [CURRENT])
    assert problem.startswith("old schema #1 reading new data: Alert.schema_version")
    assert "int not compatible with writer type: long" in problem


def test_making_an_optional_field_required_is_refused_at_that_field():
    def require(schema):
        full_name = field(named(schema, "Person"), "full_name")
        full_name["type"] = "string"
        del full_name["default"]

    (problem,) = check_compatible(changed(require), [CURRENT])
    assert problem.startswith("old schema #1: Alert.persons[].full_name: type changed")


def test_removing_a_symbol_from_an_enum_without_default_is_refused():
    def shrink(schema):
        direction = named(schema, "CrossingDirection")
        direction["symbols"].remove("EXIT")
        del direction["default"]

    (problem,) = check_compatible(changed(shrink), [CURRENT])
    assert "Alert.event.direction" in problem


def test_every_problem_of_every_old_schema_is_reported():
    def break_twice(schema):
        field(schema, "agency_kind")["type"] = "string"
        field(schema, "grading")["type"] = "string"

    problems = check_compatible(changed(break_twice), [CURRENT, CURRENT])
    # two fields, two old schemas, two directions
    assert len(problems) == 8
    assert sum("Alert.grading:" in problem for problem in problems) == 4


def test_transitive_catches_what_checking_only_the_latest_version_misses():
    # v2 adds a field with a default; v3 drops the default. v3 reads v2 data, not v1 data.
    def v2_edit(schema):
        schema["fields"].append({"name": "priority", "type": "int", "default": 0, "doc": "."})

    def v3_edit(schema):
        schema["fields"].append({"name": "priority", "type": "int", "doc": "."})

    v1, v2, v3 = CURRENT, changed(v2_edit), changed(v3_edit)
    assert check_compatible(v2, [v1]) == []
    assert check_compatible(v3, [v2]) == []
    (problem,) = check_compatible(v3, [v1, v2])
    assert problem.startswith("old schema #1:")
    assert "Alert.priority" in problem
