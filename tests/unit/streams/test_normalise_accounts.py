"""IBAN, BIC and domestic account keys, as FIU reports give them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.normalise import NormalisationError, account_key, normalise_bic, normalise_iban

# The Costa Rican example of the SWIFT IBAN registry.
CR_IBAN = "CR05015202001026284066"


@pytest.mark.parametrize(
    "raw",
    ["CR05 0152 0200 1026 2840 66", "cr05015202001026284066", " CR05015202001026284066 "],
)
def test_normalise_iban(raw: str) -> None:
    assert normalise_iban(raw) == CR_IBAN


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("CR05 0152 0200 1026 2840 67", "checksum"),  # one digit changed
        ("CR05 0152 0200 1026 2840 6", "length"),
        ("ZZ05 0152 0200 1026 2840 66", ""),
        ("", ""),
    ],
)
def test_normalise_iban_rejects(raw: str, reason: str) -> None:
    with pytest.raises(NormalisationError, match=f"IBAN.*{reason}"):
        normalise_iban(raw)


@pytest.mark.parametrize(
    ("raw", "bic"),
    [
        ("BCOLCOBM", "BCOLCOBM"),  # Bancolombia
        ("bcolcobmxxx", "BCOLCOBM"),  # XXX is the main office: one institution, one key
        ("BCOL CO BM 123", "BCOLCOBM123"),  # a real branch keeps its code
    ],
)
def test_normalise_bic(raw: str, bic: str) -> None:
    assert normalise_bic(raw) == bic


@pytest.mark.parametrize("raw", ["BCOLCOB", "BCOLZZBM", "12345678"])
def test_normalise_bic_rejects(raw: str) -> None:
    with pytest.raises(NormalisationError, match="BIC"):
        normalise_bic(raw)


@pytest.mark.parametrize(
    ("country", "number", "bic", "key"),
    [
        ("CO", "123-456789-01", None, "CO:12345678901"),
        ("COL", "123 456.789 01", "BCOLCOBMXXX", "CO:BCOLCOBM:12345678901"),
        ("PA", "04-01-01-123456-7", "BCOLCOBM123", "PA:BCOLCOBM:0401011234567"),
        ("GY", "0123456789", None, "GY:0123456789"),
        ("CR", "CR05 0152 0200 1026 2840 66", "BNCRCRSJ", f"IBAN:{CR_IBAN}"),  # IBAN wins
    ],
)
def test_account_key(country: str, number: str, bic: str | None, key: str) -> None:
    assert account_key(country, number, bic) == key


@pytest.mark.parametrize(
    ("country", "number", "reason"),
    [
        ("PA", "CR05 0152 0200 1026 2840 66", "an IBAN of CR, not PA"),
        ("CR", "CR05 0152 0200 1026 2840 67", "checksum"),  # a mistyped IBAN fails loudly
        ("CO", "12", "4 to 34"),
        ("CO", "123#456", "4 to 34"),
        ("XX", "12345678", "not an ISO 3166-1 country"),
    ],
)
def test_account_key_rejects(country: str, number: str, reason: str) -> None:
    with pytest.raises(NormalisationError, match=reason):
        account_key(country, number)


@given(st.from_regex(r"[0-9 .\-]{4,30}", fullmatch=True))
def test_account_key_is_idempotent(number: str) -> None:
    try:
        key = account_key("CO", number)
    except NormalisationError:
        return
    country, _, cleaned = key.partition(":")
    assert account_key(country, cleaned) == key


def test_iban_and_bic_are_idempotent() -> None:
    assert normalise_iban(normalise_iban(CR_IBAN)) == CR_IBAN
    assert normalise_bic(normalise_bic("bcolcobmxxx")) == "BCOLCOBM"
