"""plate_key on plates as written at land borders."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.normalise import NormalisationError, plate_key


@pytest.mark.parametrize(
    ("country", "plate", "key"),
    [
        ("CO", "ABC-123", "CO:ABC123"),
        ("co", " abc 123 ", "CO:ABC123"),
        ("COL", "abc.123", "CO:ABC123"),
        ("PE", "A1B-234", "PE:A1B234"),
        ("GY", "PXX 1234", "GY:PXX1234"),
        ("TT", "PCD 1234", "TT:PCD1234"),
        ("EC", "GBC-1234", "EC:GBC1234"),
        ("CR", "BDH-123", "CR:BDH123"),
        ("PA", "AB1234", "PA:AB1234"),
        ("CO", "ＡＢＣ１２３", "CO:ABC123"),  # full-width characters from a scan
    ],
)
def test_plate_key(country: str, plate: str, key: str) -> None:
    assert plate_key(country, plate) == key


def test_look_alikes_stay_apart() -> None:
    assert plate_key("CO", "ABO123") != plate_key("CO", "AB0123")


@pytest.mark.parametrize(
    ("country", "plate", "reason"),
    [
        ("CO", "A", "2 to 10"),
        ("CO", "ABC/123", "2 to 10"),
        ("CO", "ÁBC123", "2 to 10"),
        ("CO", "ABCDEFGHIJK", "2 to 10"),
        ("ZZ", "ABC123", "not an ISO 3166-1 country"),
    ],
)
def test_plate_key_rejects(country: str, plate: str, reason: str) -> None:
    with pytest.raises(NormalisationError, match=reason):
        plate_key(country, plate)


@given(st.text(max_size=14))
def test_plate_key_is_idempotent(plate: str) -> None:
    try:
        key = plate_key("CO", plate)
    except NormalisationError:
        return
    country, _, cleaned = key.partition(":")
    assert plate_key(country, cleaned) == key
