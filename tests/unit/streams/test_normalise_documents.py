"""document_key and the ICAO Doc 9303 machine-readable zone, on the ICAO specimens."""

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.normalise import (
    Mrz,
    NormalisationError,
    PartialDate,
    PersonName,
    check_digit,
    document_key,
    parse_mrz,
)

# The specimens printed in ICAO Doc 9303 (Utopia, Anna Maria Eriksson).
TD3_SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
)
TD1_SPECIMEN = (
    "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)


def td3(
    *,
    state: str = "UTO",
    names: str = "ERIKSSON<<ANNA<MARIA",
    number: str = "L898902C3",
    nationality: str = "UTO",
    birth: str = "740812",
    sex: str = "F",
    expiry: str = "120415",
    optional: str = "ZE184226B",
) -> str:
    """A TD3 zone with correct check digits, to vary one field at a time."""
    line1 = f"P<{state:<<3}{names}".ljust(44, "<")
    number, optional = number.ljust(9, "<"), optional.ljust(14, "<")
    body = (
        f"{number}{check_digit(number)}{nationality:<<3}{birth}{check_digit(birth)}{sex}"
        f"{expiry}{check_digit(expiry)}{optional}{check_digit(optional)}"
    )
    composite = check_digit(body[0:10] + body[13:20] + body[21:43])
    return f"{line1}\n{body}{composite}"


# --- document_key -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "number", "key"),
    [
        ("PA", "AB1234567", "PA:AB1234567"),
        ("pan", "ab 123-456.7", "PA:AB1234567"),
        ("COL", "1.023.456.789", "CO:1023456789"),
        ("D<<", "C01X00T47", "DE:C01X00T47"),  # ICAO's one-letter Germany
        ("GBD", "123456789", "GB:123456789"),  # British Overseas Territories citizen
        ("XPO", "AB12345", "XPO:AB12345"),  # an INTERPOL travel document
        ("VEN", "０１２３４５６７８", "VE:012345678"),  # full-width digits from a scan
    ],
)
def test_document_key(state: str, number: str, key: str) -> None:
    assert document_key(state, number) == key


@pytest.mark.parametrize(
    ("state", "number", "reason"),
    [
        ("UTO", "L898902C3", "not an ISO 3166-1 country"),
        ("XXA", "L898902C3", "names no state"),  # stateless is a nationality, not an issuer
        ("PA", "AB", "3 to 30"),
        ("PA", "AB#1234", "3 to 30"),
        ("PANAMA", "AB1234567", "2 or 3 letters"),
    ],
)
def test_document_key_rejects(state: str, number: str, reason: str) -> None:
    with pytest.raises(NormalisationError, match=reason):
        document_key(state, number)


@given(
    st.sampled_from(["PA", "PAN", "CO", "COL", "GY", "GUY"]),
    st.from_regex(r"[A-Za-z0-9 .\-]{3,30}", fullmatch=True),
)
def test_document_key_is_idempotent(state: str, number: str) -> None:
    try:
        key = document_key(state, number)
    except NormalisationError:
        return
    issuer, _, cleaned = key.partition(":")
    assert document_key(issuer, cleaned) == key


# --- check digits -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "digit"),
    [
        ("L898902C3", "6"),
        ("740812", "2"),
        ("120415", "9"),
        ("ZE184226B<<<<<", "1"),
        ("D23145890", "7"),
    ],
)
def test_check_digit_on_specimen_fields(field: str, digit: str) -> None:
    assert check_digit(field) == digit


def test_helper_rebuilds_the_specimen() -> None:
    assert td3() == TD3_SPECIMEN


# --- parse_mrz ----------------------------------------------------------------------------


def test_parse_td3_specimen() -> None:
    assert parse_mrz(TD3_SPECIMEN) == Mrz(
        document_type="P",
        issuing_state="UTO",
        document_number="L898902C3",
        nationality="UTO",
        surnames="ERIKSSON",
        given_names="ANNA MARIA",
        birth_date=PartialDate(1974, 8, 12),
        sex="F",
        expiry_date=PartialDate(2012, 4, 15),
        optional_data="ZE184226B",
    )


def test_parse_td1_specimen() -> None:
    mrz = parse_mrz(TD1_SPECIMEN)
    assert mrz.document_type == "I"
    assert mrz.document_number == "D23145890"
    assert mrz.issuing_state == mrz.nationality == "UTO"
    assert (mrz.surnames, mrz.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert mrz.birth_date == PartialDate(1974, 8, 12)
    assert mrz.expiry_date == PartialDate(2012, 4, 15)
    assert mrz.sex == "F"
    assert mrz.optional_data == ""
    assert mrz.person_name() == PersonName(given=("anna", "maria"), surnames=("eriksson",))


def test_parse_accepts_ocr_whitespace_case_and_one_string() -> None:
    spaced = (
        "  p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<<\n"
        "\n L898902C36UTO7408122F1204159ZE184226B<<<<< 10 \n"
    )
    assert parse_mrz(spaced) == parse_mrz(TD3_SPECIMEN)
    assert parse_mrz(TD3_SPECIMEN.replace("\n", "")) == parse_mrz(TD3_SPECIMEN)
    assert parse_mrz(TD1_SPECIMEN.replace("\n", "")) == parse_mrz(TD1_SPECIMEN)


@pytest.mark.parametrize(
    ("corrupt", "field"),
    [
        (TD3_SPECIMEN.replace("L898902C36", "L898902C37"), "document number"),
        (TD3_SPECIMEN.replace("L898902C36", "L898903C36"), "document number"),
        (TD3_SPECIMEN.replace("7408122F", "7408123F"), "birth date"),
        (TD3_SPECIMEN.replace("1204159Z", "1204169Z"), "expiry date"),
        (TD3_SPECIMEN.replace("ZE184226B<<<<<1", "ZE184226C<<<<<1"), "optional data"),
        (TD3_SPECIMEN[:-1] + "1", "composite"),
        (TD1_SPECIMEN.replace("D231458907", "D231458908"), "document number"),
        (TD1_SPECIMEN.replace("7408122F", "7408132F"), "birth date"),
        (TD1_SPECIMEN.replace("UTO<<<<<<<<<<<6", "UTO<<<<<<<<<<<5"), "composite"),
    ],
)
def test_corrupted_digit_names_the_field(corrupt: str, field: str) -> None:
    with pytest.raises(NormalisationError, match=f"MRZ {field} .*check digit"):
        parse_mrz(corrupt)


def test_td1_long_document_number_continues_in_optional_data() -> None:
    # Doc 9303 Part 5: a 12-character number puts its last 3 characters and the check
    # digit in the optional data field, after a filler in the check-digit position.
    number = "D23145890734"
    line1 = f"I<UTO{number[:9]}<{number[9:]}{check_digit(number)}<".ljust(30, "<")
    line2 = "7408122F1204159UTO<<<<<<<<<<<"
    composite = check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    mrz = parse_mrz(f"{line1}\n{line2}{composite}\nERIKSSON<<ANNA<MARIA<<<<<<<<<<")
    assert mrz.document_number == number


def test_unknown_birth_day_and_unspecified_sex() -> None:
    mrz = parse_mrz(td3(birth="7408<<", sex="<"))
    assert mrz.birth_date == PartialDate(1974, 8, None)
    assert mrz.sex == "X"


def test_birth_century_follows_expiry() -> None:
    assert parse_mrz(td3(birth="150301", expiry="300301")).birth_date == PartialDate(2015, 3, 1)
    assert parse_mrz(td3(birth="450301", expiry="300301")).birth_date == PartialDate(1945, 3, 1)


def test_special_state_codes_and_document_key() -> None:
    german = parse_mrz(td3(state="D", nationality="D", number="C01X00T47"))
    assert german.issuing_state == "D"
    assert german.document_key() == "DE:C01X00T47"
    stateless = parse_mrz(td3(state="PAN", nationality="XXA"))
    assert stateless.nationality == "XXA"
    assert stateless.document_key() == "PA:L898902C3"


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        ("P<UTOERIKSSON", "line lengths"),
        (TD3_SPECIMEN + "\n" + "<" * 44, "line lengths"),
        (TD3_SPECIMEN.replace("P<UTO", "V<UTO"), "TD3 must start with P"),
        (TD3_SPECIMEN.replace("ERIKSSON", "ERIKSS0N").replace("<<ANNA", "<<ANN-"), "only A-Z"),
        (td3(sex="Q"), "MRZ sex"),
        (td3(birth="741312"), "no month 13"),
        (td3(nationality="U1O"), "MRZ state code"),
    ],
)
def test_parse_mrz_rejects(lines: str, reason: str) -> None:
    with pytest.raises(NormalisationError, match=reason):
        parse_mrz(lines)


@given(st.text())
def test_parse_mrz_raises_only_normalisation_errors(text: str) -> None:
    with contextlib.suppress(NormalisationError):
        parse_mrz(text)
