"""PersonRecord from FEBRL rows and from alert persons: normalised, bad values left out."""

import math

from streams.normalise import NormalisationError, PartialDate
from streams.resolve import PersonRecord, from_alert_person, from_febrl

ALERT = {
    "alert_id": "7f1c",
    "agency": "co.migracion",
    "country": "CO",
    "persons": [
        {
            "record_id": "p1",
            "full_name": "PÉREZ GÓMEZ, María José",
            "date_of_birth": "1988-04-12",
            "nationalities": ["VE", "col", "??"],
            "sex": "FEMALE",
        },
        {
            "record_id": "p2",
            "full_name": "Wang Ming",
            "name_order": "SURNAME_FIRST",
            "date_of_birth": "the eighties",
            "sex": "UNKNOWN",
        },
    ],
    "documents": [
        {"record_id": "d1", "holder_ref": "p1", "number": "V-12.345.678", "issuing_state": "VEN"},
        {"record_id": "d2", "holder_ref": "p1", "number": "?", "issuing_state": "VEN"},
        {"record_id": "d3", "holder_ref": "p2", "number": "E1234567", "issuing_state": "CHN"},
    ],
    "phones": [
        {"record_id": "ph1", "holder_ref": "p1", "number": "300 123 4567"},
        {"record_id": "ph2", "holder_ref": "p1", "number": "0412-555 1234", "country_hint": "VE"},
        {"record_id": "ph3", "holder_ref": "p1", "number": "not a number"},
        {"record_id": "ph4", "holder_ref": None, "number": "310 765 4321"},
    ],
}


def test_alert_person_is_normalised_with_its_documents_and_phones() -> None:
    # Given a Colombian alert about two persons, with documents and phones held by them
    # When the first person is made a record
    skipped: list[NormalisationError] = []
    record = from_alert_person(ALERT, ALERT["persons"][0], skipped)
    # Then names are folded and split, phones are E.164 in the alert's country unless
    # hinted otherwise, and values that do not normalise are left out
    assert record == PersonRecord(
        ref="7f1c/p1",
        given=("maria", "jose"),
        surnames=("perez", "gomez"),
        dob=PartialDate(1988, 4, 12),
        sex="FEMALE",
        phones=("+573001234567", "+584125551234"),
        documents=("VE:V12345678",),
        nationalities=("CO", "VE"),
        country="CO",
        agency="co.migracion",
    )
    # And what was left out is reported, not swallowed
    kinds = sorted(error.kind for error in skipped)
    assert kinds == ["country code", "document number", "phone number"]


def test_alert_person_name_order_and_bad_date() -> None:
    skipped: list[NormalisationError] = []
    record = from_alert_person(ALERT, ALERT["persons"][1], skipped)
    assert (record.given, record.surnames) == (("ming",), ("wang",))
    assert record.dob is None  # unreadable: skipped, not raised
    assert [error.value for error in skipped] == ["the eighties"]
    assert record.sex is None
    assert record.documents == ("CN:E1234567",)
    assert record.phones == ()


def test_alert_person_with_split_names_prefers_them() -> None:
    person = {"record_id": "p9", "given_names": "Ana Lucía", "surnames": "de la Torre"}
    record = from_alert_person({"alert_id": "a", "country": "PA"}, person)
    assert (record.given, record.surnames) == (("ana", "lucia"), ("torre",))
    assert record.name is not None


def test_alert_person_without_name() -> None:
    record = from_alert_person({"alert_id": "a", "country": "PA"}, {"record_id": "p1"})
    assert record.name is None
    assert record.ref == "a/p1"


def test_febrl_row() -> None:
    row = {
        "rec_id": "rec-1-dup-0",
        "given_name": "elk i",
        "surname": math.nan,
        "street_number": "12",
        "address_1": "stanley street",
        "address_2": math.nan,
        "suburb": "winston hills",
        "postcode": "4223",
        "state": "nsw",
        "date_of_birth": "19150231",  # 31 February: the corrupted day is dropped
        "soc_sec_id": "5304218",
    }
    record = from_febrl(row)
    assert record.given == ("elk", "i") and record.surnames == ()
    assert record.dob == PartialDate(1915, 2)
    assert record.premises is None
    assert record.documents == ("AU:5304218",)
    assert (record.street_number, record.street, record.suburb) == (
        "12",
        "stanley street",
        "winston hills",
    )
    assert (record.postcode, record.state) == ("4223", "nsw")


def test_febrl_row_with_unreadable_dob() -> None:
    record = from_febrl({"rec_id": "r", "date_of_birth": "1915111"})
    assert record.dob is None and record.name is None and record.documents == ()
