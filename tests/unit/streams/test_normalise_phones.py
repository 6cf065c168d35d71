"""to_e164 and phone_country on numbers written the local way in each member country."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.normalise import NormalisationError, phone_country, to_e164


@pytest.mark.parametrize(
    ("raw", "country", "e164"),
    [
        ("300 123 4567", "CO", "+573001234567"),  # Colombian mobile
        ("(601) 234 5678", "CO", "+576012345678"),  # Bogotá landline
        ("609 1234", "GY", "+5926091234"),  # Guyana mobile
        ("222-5678", "GY", "+5922225678"),  # Georgetown landline
        ("(868) 620-1234", "TT", "+18686201234"),  # NANP
        ("6123-4567", "PA", "+50761234567"),
        ("912 345 678", "PE", "+51912345678"),
        ("(01) 234 5678", "PE", "+5112345678"),  # Lima landline with trunk prefix
        ("099 123 4567", "EC", "+593991234567"),  # trunk 0 dropped
        ("8312 3456", "CR", "+50683123456"),
        ("0412-555 1234", "VE", "+584125551234"),
        ("+57 300 123 4567", "PA", "+573001234567"),  # an international number ignores the hint
        ("00 57 300 123 4567", "PA", "+573001234567"),  # Panama's international prefix
        ("8312 3456", "CRI", "+50683123456"),  # alpha-3 hints work too
    ],
)
def test_to_e164(raw: str, country: str, e164: str) -> None:
    assert to_e164(raw, country) == e164


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        ("(868) 555-0123", "TT"),  # 555 is not an assigned exchange
        ("123", "CO"),
        ("not a number", "CO"),
        ("", "CO"),
        ("300 123 4567", "ZZ"),
    ],
)
def test_to_e164_rejects(raw: str, country: str) -> None:
    with pytest.raises(NormalisationError):
        to_e164(raw, country)


@pytest.mark.parametrize(
    ("e164", "region"),
    [
        ("+573001234567", "CO"),
        ("+18686201234", "TT"),  # +1 is shared; the number range tells Trinidad and Tobago
        ("+5926091234", "GY"),
        ("+870773123456", "001"),  # Inmarsat: no country
    ],
)
def test_phone_country(e164: str, region: str) -> None:
    assert phone_country(e164) == region


def test_phone_country_rejects_non_e164() -> None:
    with pytest.raises(NormalisationError, match=r"start with '\+'"):
        phone_country("3001234567")
    with pytest.raises(NormalisationError, match="not a valid number"):
        phone_country("+18685550123")


@given(st.sampled_from(["CO", "GY", "TT", "PA", "PE", "EC", "CR"]), st.text(max_size=20))
def test_to_e164_is_idempotent(country: str, raw: str) -> None:
    try:
        e164 = to_e164(raw, country)
    except NormalisationError:
        return
    assert to_e164(e164, country) == e164
    assert to_e164(e164, "GY") == e164  # an E.164 number no longer depends on the hint


@given(
    st.sampled_from(["CO", "GY", "TT", "PA", "PE", "EC", "CR"]),
    st.from_regex(r"[0-9 ]{7,12}", fullmatch=True),
)
def test_digit_strings_are_keyed_or_refused(country: str, raw: str) -> None:
    try:
        e164 = to_e164(raw, country)
    except NormalisationError:
        return
    assert e164.startswith("+") and e164[1:].isdigit()
    assert to_e164(e164, country) == e164
