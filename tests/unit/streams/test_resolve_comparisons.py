"""Comparisons put hand-made pairs in the level a person reading them would choose."""

from typing import Any

import pytest

from streams.normalise import parse_date, parse_name
from streams.resolve import (
    NULL,
    AnyShared,
    Comparison,
    DateOfBirthComparison,
    DocumentComparison,
    ExactMatch,
    ExactOrFuzzy,
    NameComparison,
    PersonRecord,
    PostcodeComparison,
    default_comparisons,
)
from streams.resolve.comparisons import from_spec


def person(name: str | None = None, dob: str | None = None, **fields: Any) -> PersonRecord:
    parsed = parse_name(name) if name else None
    return PersonRecord(
        ref=name or "anonymous",
        given=parsed.given if parsed else (),
        surnames=parsed.surnames if parsed else (),
        dob=parse_date(dob) if dob else None,
        **fields,
    )


def level(comparison: Comparison, a: PersonRecord, b: PersonRecord) -> str:
    index = comparison.compare(a, b).level
    return "null" if index == NULL else comparison.levels[index]


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("José Pérez", "JOSE PEREZ", "exact"),  # accents and case
        ("Pérez, José", "José Pérez", "exact"),  # police-list order
        ("Jonathan Smith", "Jonathon Smith", "close"),  # a typo
        ("Pepe Pérez", "José Pérez", "close"),  # a nickname
        ("María José Pérez Gómez", "María Pérez Gómez", "close"),  # a dropped middle name
        ("Maria Lopez", "Carmen Lopez", "partial"),  # the surname only
        ("Maria Lopez", "Ana Gomez", "far"),
    ],
)
def test_name_levels(left: str, right: str, expected: str) -> None:
    assert level(NameComparison(), person(left), person(right)) == expected


def test_name_given_and_surname_swapped_is_exact() -> None:
    # A data-entry slip: the given name typed in the surname field and back
    a = PersonRecord(ref="a", given=("michaela",), surnames=("neumann",))
    b = PersonRecord(ref="b", given=("neumann",), surnames=("michaela",))
    outcome = NameComparison().compare(a, b)
    assert NameComparison.levels[outcome.level] == "exact"
    assert (outcome.left, outcome.right) == ("neumann, michaela", "michaela, neumann")


def test_name_missing_is_null_and_shown() -> None:
    outcome = NameComparison().compare(person("Ana Gomez"), person())
    assert outcome.level == NULL
    assert (outcome.left, outcome.right) == ("gomez, ana", None)


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("1990-05-12", "12/05/1990", "exact"),
        ("1990-05", "1990-05-12", "month"),  # partial: the day is not known
        ("1990-05-12", "1990-05-21", "typo"),  # other day of the month
        ("1990-05-12", "1990-12-05", "typo"),  # day and month swapped
        ("1990-05-12", "1990-08-12", "typo"),  # one digit keyed wrong
        ("1990-05-12", "1909-05-12", "typo"),  # neighbouring digits swapped
        ("1990", "1990-05-12", "year"),  # only the year known
        ("1990-05-12", "1975-01-30", "far"),
        ("1990-05-12", None, "null"),
    ],
)
def test_date_of_birth_levels(left: str, right: str | None, expected: str) -> None:
    assert level(DateOfBirthComparison(), person(dob=left), person(dob=right)) == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("4223", "4223", "exact"),
        ("4223", "4232", "typo"),  # neighbouring digits swapped
        ("4223", "4299", "area"),
        ("4223", "2000", "far"),
        ("4223", None, "null"),
    ],
)
def test_postcode_levels(left: str, right: str | None, expected: str) -> None:
    a, b = person(postcode=left), person(postcode=right)
    assert level(PostcodeComparison(), a, b) == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (("VE:V12345678",), ("CO:99", "VE:V12345678"), "exact"),
        (("AU:1234567",), ("AU:1234568",), "typo"),  # a misread digit
        (("AU:1234567",), ("AU:7654321",), "far"),
        (("VE:V12345678",), ("CO:52123456",), "null"),  # other issuers: no evidence
        ((), ("CO:52123456",), "null"),
    ],
)
def test_document_levels(left: tuple[str, ...], right: tuple[str, ...], expected: str) -> None:
    a, b = person(documents=left), person(documents=right)
    assert level(DocumentComparison(), a, b) == expected


def test_text_and_set_comparisons() -> None:
    street = ExactOrFuzzy("street")
    assert level(street, person(street="stanley street"), person(street="stanley setreet")) == (
        "close"
    )
    assert level(street, person(street="stanley street"), person(street="pinkerton circuit")) == (
        "far"
    )
    assert level(ExactMatch("state"), person(state="nsw"), person(state="vic")) == "far"
    phones = AnyShared("phones")
    assert level(phones, person(phones=("+5926091234",)), person(phones=("+5926091234",))) == (
        "exact"
    )
    assert level(phones, person(phones=("+5926091234",)), person()) == "null"


def test_similarity_is_reported_with_the_level() -> None:
    outcome = ExactOrFuzzy("suburb").compare(person(suburb="redhead"), person(suburb="redh ead"))
    assert 0.88 <= outcome.similarity < 1.0
    assert (outcome.left, outcome.right) == ("redhead", "redh ead")


@pytest.mark.parametrize("comparison", default_comparisons())
def test_spec_round_trips(comparison: Comparison) -> None:
    assert from_spec(comparison.spec()) == comparison


@pytest.mark.parametrize("comparison", default_comparisons())
def test_comparisons_are_symmetric_in_level(comparison: Comparison) -> None:
    a = person("María José Pérez", "1990-05-12", postcode="4223", documents=("AU:1234567",))
    b = person("Maria Perez Gomez", "1990-05", postcode="4232", documents=("AU:1234576",))
    assert comparison.compare(a, b).level == comparison.compare(b, a).level
