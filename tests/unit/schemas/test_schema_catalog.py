"""The `.avsc` files: they parse, are documented, and keep the names code is written against."""

import json
from importlib.resources import files

import avro.schema
import pytest
from fastavro import parse_schema

from schemas import (
    NAMESPACE,
    SUBJECTS,
    definition,
    enum_symbols,
    field_names,
    full_name,
    references,
    schema_dict,
    schema_str,
    top_level_records,
    type_names,
)

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
SUBJECT_RECORDS = [
    "Person",
    "TravelDocument",
    "Phone",
    "OnlineIdentifier",
    "Vehicle",
    "Vessel",
    "CargoShipment",
    "FinancialAccount",
    "TransactionReport",
    "Location",
]
# The contract producers, streams and sinks are coded against: a rename must fail here.
ALERT_FIELDS = [
    "alert_id",
    "schema_version",
    "agency",
    "agency_kind",
    "country",
    "observed_at",
    "reported_at",
    "event",
    "marking",
    "grading",
    "involves_survivor",
    "persons",
    "documents",
    "phones",
    "online",
    "vehicles",
    "vessels",
    "shipments",
    "accounts",
    "transactions",
    "locations",
    "notes",
    "protected_persons",
]
ENUMS = {
    "AgencyKind": "POLICE IMMIGRATION CUSTOMS PROSECUTOR LABOUR_INSPECTION "
    "FINANCIAL_INTELLIGENCE NGO OTHER",
    "PersonRole": "SUSPECT VICTIM WITNESS FACILITATOR RECRUITER TRANSPORTER UNKNOWN",
    "NameOrder": "GIVEN_FIRST SURNAME_FIRST UNKNOWN",
    "Sex": "MALE FEMALE TRANSGENDER_NONCONFORMING UNKNOWN",
    "DocumentType": "PASSPORT NATIONAL_ID RESIDENCE_PERMIT VISA SEAMAN_BOOK TRAVEL_DOCUMENT OTHER",
    "OnlineKind": "EMAIL HANDLE AD_URL WEBSITE OTHER",
    "ReportType": "STR CTR WIRE REMITTANCE OTHER",
    "LocationKind": "BORDER_POST PORT AIRPORT ADDRESS CITY SHELTER WORKSITE OTHER",
    "EventKind": "BORDER_CROSSING RECRUITMENT_AD SUSPICIOUS_TRANSACTION VICTIM_REFERRAL ARREST "
    "CASE_OPENED RETRACTION SIGHTING OTHER",
    "CrossingDirection": "ENTRY EXIT OTHER",
    "Tlp": "CLEAR GREEN AMBER AMBER_STRICT RED",
    "SourceReliability": "A B C D E F",
    "InformationCredibility": "C1 C2 C3 C4 C5 C6",
}


def _type_refs(node: object) -> list[str]:
    if isinstance(node, list):
        return [ref for branch in node for ref in _type_refs(branch)]
    if isinstance(node, dict):
        return _type_refs(node.get("items") or node.get("values"))
    return [node] if isinstance(node, str) and node not in PRIMITIVES else []


def _fields() -> list[tuple[str, dict]]:
    return [(name, field) for name in type_names() for field in definition(name).get("fields", [])]


def test_every_avsc_file_is_loaded_once_under_its_own_name():
    avsc = [p.name for p in files("schemas").joinpath("avro").iterdir() if p.name.endswith(".avsc")]
    assert sorted(f"{NAMESPACE}.{name[:-5]}" for name in avsc) == type_names()


@pytest.mark.parametrize("name", type_names())
def test_every_schema_parses_with_fastavro_and_apache_avro(name):
    parse_schema(schema_dict(name))
    avro.schema.parse(schema_str(name))


@pytest.mark.parametrize("subject", SUBJECTS)
def test_schema_str_is_self_contained_and_defines_each_named_type_once(subject):
    schema = json.loads(schema_str(subject))
    parse_schema(schema)  # no named_schemas passed: everything must be inline
    defined: list[str] = []

    def collect(node: object) -> None:
        if isinstance(node, list):
            for branch in node:
                collect(branch)
        elif isinstance(node, dict):
            if node["type"] in ("record", "enum", "fixed"):
                defined.append(node["name"])
            for field in node.get("fields", []):
                collect(field["type"])
            collect(node.get("items") or node.get("values"))

    collect(schema)
    assert len(defined) == len(set(defined))


def test_references_use_full_names_and_every_type_is_reachable_from_a_subject():
    refs = {ref for _, field in _fields() for ref in _type_refs(field["type"])}
    assert all(ref.startswith(f"{NAMESPACE}.") for ref in refs)
    assert refs | set(SUBJECTS) == set(type_names())


@pytest.mark.parametrize("name", type_names())
def test_every_type_and_field_has_a_doc(name):
    schema = definition(name)
    assert schema["doc"].strip()
    assert all(field["doc"].strip() for field in schema.get("fields", []))


def test_every_enum_has_a_default_so_it_can_grow():
    enums = [name for name in type_names() if definition(name)["type"] == "enum"]
    assert {full_name(name) for name in ENUMS} <= set(enums)
    for name in enums:
        assert definition(name)["default"] in enum_symbols(name)


def test_optional_fields_put_null_first_and_default_to_null():
    # Avro checks a union's default against its first branch only.
    for name, field in _fields():
        if isinstance(field["type"], list):
            assert field["type"][0] == "null", (name, field["name"])
            assert field.get("default", "missing") is None, (name, field["name"])


def test_alert_fields_and_enum_symbols_are_the_agreed_contract():
    assert field_names("Alert") == ALERT_FIELDS
    assert {name: " ".join(enum_symbols(name)) for name in ENUMS} == ENUMS
    assert field_names("DeadLetter") == [
        "stage",
        "reason",
        "error_type",
        "source_topic",
        "source_partition",
        "source_offset",
        "key",
        "value",
        "failed_at",
    ]


@pytest.mark.parametrize("name", SUBJECT_RECORDS)
def test_subject_records_start_with_their_record_id(name):
    assert field_names(name)[0] == "record_id"
    assert definition(name)["fields"][0]["type"] == "string"


def test_references_and_top_level_records():
    assert references("Grading") == [
        f"{NAMESPACE}.SourceReliability",
        f"{NAMESPACE}.InformationCredibility",
    ]
    assert f"{NAMESPACE}.Person" in references("Alert")
    assert references("Tlp") == []
    top = top_level_records()
    assert {f"{NAMESPACE}.Alert", f"{NAMESPACE}.DeadLetter"} <= set(top)
    assert f"{NAMESPACE}.Person" not in top


def test_lookups_accept_short_and_full_names_and_refuse_the_wrong_kind():
    assert field_names("Person") == field_names(f"{NAMESPACE}.Person")
    with pytest.raises(KeyError):
        full_name("Smuggler")
    with pytest.raises(TypeError):
        field_names("Tlp")
    with pytest.raises(TypeError):
        enum_symbols("Alert")


def test_definition_returns_a_copy():
    definition("Alert")["fields"].clear()
    assert field_names("Alert") == ALERT_FIELDS
