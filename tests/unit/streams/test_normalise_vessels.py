"""IMO numbers, MMSIs and the flag state in an MMSI's maritime identification digits."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.normalise import NormalisationError, mmsi_flag_country, normalise_imo, normalise_mmsi
from streams.normalise.vessels import MID_COUNTRY


@pytest.mark.parametrize("raw", ["9074729", "IMO 9074729", "imo9074729", "IMO: 907-4729"])
def test_normalise_imo(raw: str) -> None:
    assert normalise_imo(raw) == "9074729"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("9074728", "check digit is 8, computed 9"),
        ("907472", "7 digits"),
        ("IMO 90747290", "7 digits"),
        ("MMSI 9074729", "7 digits"),
    ],
)
def test_normalise_imo_rejects(raw: str, reason: str) -> None:
    with pytest.raises(NormalisationError, match=reason):
        normalise_imo(raw)


@pytest.mark.parametrize(
    ("raw", "mmsi"),
    [("351234000", "351234000"), ("MMSI 351 234 000", "351234000"), ("003620001", "003620001")],
)
def test_normalise_mmsi(raw: str, mmsi: str) -> None:
    assert normalise_mmsi(raw) == mmsi


@pytest.mark.parametrize("raw", ["35123400", "3512340001", "35123400A", "000000000", ""])
def test_normalise_mmsi_rejects(raw: str) -> None:
    with pytest.raises(NormalisationError, match="MMSI"):
        normalise_mmsi(raw)


@pytest.mark.parametrize(
    ("mmsi", "country"),
    [
        ("351234000", "PA"),  # Panama
        ("372123456", "PA"),
        ("636012345", "LR"),  # Liberia
        ("538001234", "MH"),  # Marshall Islands
        ("730123456", "CO"),
        ("735123456", "EC"),
        ("750123456", "GY"),
        ("760123456", "PE"),
        ("321123456", "CR"),
        ("362123456", "TT"),
        ("775123456", "VE"),
        ("375123456", "VC"),
        ("003620001", "TT"),  # coast station: 00 + MID
        ("036212345", "TT"),  # group of ships: 0 + MID
        ("111730123", "CO"),  # search and rescue aircraft: 111 + MID
        ("873012345", "CO"),  # handheld VHF: 8 + MID
        ("987301234", "CO"),  # craft associated with a parent ship: 98 + MID
        ("993621234", "TT"),  # aid to navigation: 99 + MID
    ],
)
def test_mmsi_flag_country(mmsi: str, country: str) -> None:
    assert mmsi_flag_country(mmsi) == country


@pytest.mark.parametrize("mmsi", ["970123456", "972123456", "974123456", "100000000", "200123456"])
def test_mmsi_without_a_known_mid(mmsi: str) -> None:
    assert mmsi_flag_country(mmsi) is None


def test_mid_table_covers_the_region() -> None:
    for country in ["CO", "CR", "EC", "GY", "PA", "PE", "TT", "VE", "BS", "BZ", "JM", "HT", "DO"]:
        assert country in MID_COUNTRY.values()
    assert all(len(mid) == 3 and mid[0] in "234567" for mid in MID_COUNTRY)


@given(st.integers(0, 9_999_999))
def test_imo_with_its_check_digit_is_idempotent(body: int) -> None:
    six = f"{body:07d}"[:6]
    digit = sum(int(d) * w for d, w in zip(six, range(7, 1, -1), strict=True)) % 10
    imo = normalise_imo(f"IMO {six}{digit}")
    assert imo == f"{six}{digit}"
    assert normalise_imo(imo) == imo


@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_mmsi_is_idempotent(raw: str) -> None:
    try:
        mmsi = normalise_mmsi(raw)
    except NormalisationError:
        return
    assert normalise_mmsi(mmsi) == mmsi
    assert mmsi_flag_country(mmsi) is None or mmsi_flag_country(mmsi) in MID_COUNTRY.values()
