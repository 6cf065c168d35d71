"""Alerts and dead letters survive fastavro's writer and reader, the serialisers' hot path."""

import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest
from fastavro import parse_schema, schemaless_reader, schemaless_writer

from schemas import ALERT, DEAD_LETTER, schema_dict

UTC = dt.UTC
ALERT_ID = uuid.UUID("5f0c2a1e-8d3b-4c61-9a57-2e4b8f1d6c03")


def roundtrip(record: dict, schema: dict = ALERT, reader: dict | None = None) -> dict:
    buffer = io.BytesIO()
    schemaless_writer(buffer, schema, record)
    buffer.seek(0)
    return schemaless_reader(buffer, schema, reader or schema)


def minimal_alert() -> dict:
    return {
        "alert_id": ALERT_ID,
        "agency": "gy.police",
        "country": "GY",
        "observed_at": dt.datetime(2025, 3, 14, 22, 5, tzinfo=UTC),
        "reported_at": dt.datetime(2025, 3, 15, 8, 30, tzinfo=UTC),
        "event": {},
        "marking": {},
        "grading": {},
    }


def full_alert() -> dict:
    """One alert with every subject kind and every field filled in."""
    return {
        "alert_id": ALERT_ID,
        "schema_version": 1,
        "agency": "tt.customs",
        "agency_kind": "CUSTOMS",
        "country": "TT",
        "observed_at": dt.datetime(2025, 3, 14, 22, 5, 12, 345000, tzinfo=UTC),
        "reported_at": dt.datetime(2025, 3, 15, 8, 30, tzinfo=UTC),
        "event": {
            "kind": "BORDER_CROSSING",
            "location_ref": "l1",
            "direction": "ENTRY",
            "case_ref": "TTC-2025-0412",
            "retracts_alert_id": None,
            "summary": "Pirogue landed at Cedros with 14 passengers; two held documents of others.",
        },
        "marking": {
            "tlp": "AMBER_STRICT",
            "releasable_to": ["VE", "gy.police"],
            "originator_control": True,
            "handling": "Do not contact the shelter directly.",
            "fields": [
                {
                    "field": "locations[kind=SHELTER]",
                    "releasable_to": ["gy.police"],
                    "reason": "the shelter only to the police that protects it",
                }
            ],
        },
        "grading": {"source_reliability": "B", "information_credibility": "C2"},
        "involves_survivor": True,
        "persons": [
            {
                "record_id": "p1",
                "role": "TRANSPORTER",
                "full_name": "José Luis Rondón Pérez",
                "given_names": "José Luis",
                "surnames": "Rondón Pérez",
                "name_order": "GIVEN_FIRST",
                "name_script": "Latn",
                "aliases": ["El Flaco"],
                "date_of_birth": "1987-11",
                "nationalities": ["VE"],
                "sex": "MALE",
                "gender_identity": None,
            },
            {
                "record_id": "p2",
                "role": "VICTIM",
                "full_name": None,
                "given_names": "Ana",
                "surnames": None,
                "name_order": "UNKNOWN",
                "name_script": None,
                "aliases": [],
                "date_of_birth": "2007",
                "nationalities": ["VE", "CO"],
                "sex": "FEMALE",
                "gender_identity": None,
            },
        ],
        "documents": [
            {
                "record_id": "d1",
                "holder_ref": "p2",
                "doc_type": "PASSPORT",
                "number": "123456789",
                "issuing_state": "VEN",
                "expiry": dt.date(2029, 6, 30),
                "mrz": "P<VENPEREZ<<ANA<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\n"
                "1234567897VEN0701011F2906309<<<<<<<<<<<<<<06",
                "suspected_fraudulent": True,
            }
        ],
        "phones": [
            {
                "record_id": "ph1",
                "holder_ref": "p1",
                "number": "0412-555 1234",
                "country_hint": "VE",
            }
        ],
        "online": [
            {
                "record_id": "o1",
                "holder_ref": "p1",
                "kind": "AD_URL",
                "value": "https://example.org/empleo/meseras-trinidad",
                "platform": "Facebook",
            }
        ],
        "vehicles": [
            {
                "record_id": "v1",
                "holder_ref": "p1",
                "plate": "PCX 4412",
                "plate_country": "TT",
                "make_model": "Toyota Hiace",
                "colour": "white",
            }
        ],
        "vessels": [
            {
                "record_id": "s1",
                "imo": None,
                "mmsi": "362001234",
                "name": "Miss Cedros",
                "flag": "TT",
                "call_sign": "9YAB",
            }
        ],
        "shipments": [
            {
                "record_id": "c1",
                "container_id": "CSQU3054383",
                "bill_of_lading": "MEDU1234567",
                "vessel_ref": "s1",
                "port_of_loading": "COBUN",
                "port_of_discharge": "TTPOS",
                "consignee": "Caribe Imports Ltd",
                "shipper": "Exportadora del Pacífico SAS",
            }
        ],
        "accounts": [
            {
                "record_id": "a1",
                "holder_ref": "p1",
                "iban": "CR05015202001026284066",
                "account_number": None,
                "bic": "BNCRCRSJ",
                "bank_name": "Banco Nacional de Costa Rica",
                "country": "CR",
            },
            {
                "record_id": "a2",
                "holder_ref": None,
                "iban": None,
                "account_number": "100-0456789",
                "bic": None,
                "bank_name": "Republic Bank",
                "country": "TT",
            },
        ],
        "transactions": [
            {
                "record_id": "t1",
                "from_account_ref": "a2",
                "to_account_ref": "a1",
                "amount": Decimal("9800.5000"),
                "currency": "TTD",
                "occurred_at": dt.datetime(2025, 3, 10, 14, 0, tzinfo=UTC),
                "report_type": "STR",
            }
        ],
        "locations": [
            {
                "record_id": "l1",
                "kind": "PORT",
                "name": "Cedros",
                "country": "TT",
                "lat": 10.1167,
                "lon": -61.8167,
                "unlocode": None,
            }
        ],
        "notes": "Reported jointly with the coast guard.",
        "protected_persons": [
            {
                "person_ref": "p2",
                "tokens": {
                    "epoch": "2026-1",
                    "identifiers": ["q0Yl7ZKmA3sFz5VdJbN2tQ"],
                    "dob": {
                        "year": "Xw3kP9LmQ2rT8vYb1nC4dA",
                        "month": None,
                        "day": None,
                        "day_month": None,
                    },
                    "name_clk": "AAEC",
                    "surname_clk": None,
                },
            }
        ],
    }


def test_full_alert_roundtrips_unchanged():
    alert = full_alert()
    assert roundtrip(alert) == alert


def test_minimal_alert_is_written_and_read_back_with_the_defaults():
    alert = roundtrip(minimal_alert())
    assert alert["schema_version"] == 1
    assert alert["agency_kind"] == "OTHER"
    assert alert["involves_survivor"] is False
    assert alert["event"] == {
        "kind": "OTHER",
        "location_ref": None,
        "direction": None,
        "case_ref": None,
        "retracts_alert_id": None,
        "summary": None,
    }
    assert alert["marking"] == {
        "tlp": "AMBER",
        "releasable_to": [],
        "originator_control": True,
        "handling": None,
        "fields": [],
    }
    assert alert["grading"] == {"source_reliability": "F", "information_credibility": "C6"}
    assert alert["notes"] is None
    subjects = ("persons", "documents", "phones", "online", "vehicles", "vessels")
    subjects += ("shipments", "accounts", "transactions", "locations")
    assert all(alert[name] == [] for name in subjects)


def test_subject_records_need_only_their_required_fields():
    alert = minimal_alert() | {
        "persons": [{"record_id": "p1"}],
        "documents": [{"record_id": "d1", "number": "X1", "issuing_state": "GUY"}],
        "vessels": [{"record_id": "s1"}],
    }
    read = roundtrip(alert)
    assert read["persons"][0]["role"] == "UNKNOWN"
    assert read["persons"][0]["sex"] == "UNKNOWN"
    assert read["documents"][0]["doc_type"] == "OTHER"


def test_an_alert_without_a_required_field_is_refused():
    alert = minimal_alert()
    del alert["agency"]
    with pytest.raises(ValueError, match="agency"):
        roundtrip(alert)


def test_amounts_must_be_exact_decimals():
    alert = full_alert()
    alert["transactions"][0]["amount"] = 9800.5
    with pytest.raises(TypeError, match="amount"):
        roundtrip(alert)


def _newer_writer(enum: str, extra_symbol: str) -> dict:
    """The Alert schema as a later version could have it: one more symbol in `enum`."""
    newer = schema_dict("Alert")

    def grow(node: object) -> None:
        if isinstance(node, list):
            for branch in node:
                grow(branch)
        elif isinstance(node, dict):
            if node.get("name") == enum and node["type"] == "enum":
                node["symbols"].append(extra_symbol)
            for field in node.get("fields", []):
                grow(field["type"])
            grow(node.get("items"))

    grow(newer)
    return parse_schema(newer)


def test_a_symbol_added_later_reads_as_the_enum_default():
    alert = minimal_alert()
    alert["event"] = {"kind": "SMUGGLING_ROUTE"}
    read = roundtrip(alert, _newer_writer("EventKind", "SMUGGLING_ROUTE"), ALERT)
    assert read["event"]["kind"] == "OTHER"


def test_an_unknown_tlp_label_reads_as_red_so_sharing_fails_closed():
    alert = minimal_alert()
    alert["marking"] = {"tlp": "AMBER_PLUS"}
    read = roundtrip(alert, _newer_writer("Tlp", "AMBER_PLUS"), ALERT)
    assert read["marking"]["tlp"] == "RED"


def test_dead_letter_keeps_the_original_bytes():
    dead_letter = {
        "stage": "validate",
        "reason": "phone ph1: no country code and no country hint",
        "error_type": "PhoneWithoutCountry",
        "source_topic": "in.gy.police",
        "source_partition": 3,
        "source_offset": 120_455,
        "key": b"ph1",
        "value": b"\x00\x00\x00\x00\x01\xff\xfe",
        "failed_at": dt.datetime(2025, 3, 15, 8, 31, tzinfo=UTC),
    }
    assert roundtrip(dead_letter, DEAD_LETTER) == dead_letter
    minimal = {k: dead_letter[k] for k in ("stage", "reason", "error_type", "failed_at")}
    assert roundtrip(minimal, DEAD_LETTER)["value"] is None
