"""country_alpha2 and issuer_code across ISO and ICAO codes."""

import pytest

from streams.normalise import NormalisationError, country_alpha2, issuer_code


@pytest.mark.parametrize(
    ("code", "alpha2"),
    [
        ("CO", "CO"),
        ("co", "CO"),
        ("COL", "CO"),
        ("TTO", "TT"),
        ("GUY", "GY"),
        (" pan ", "PA"),
        ("D", "DE"),
        ("D<<", "DE"),
        ("GBO", "GB"),
        ("RKS", "XK"),
        ("XK", "XK"),
    ],
)
def test_country_alpha2(code: str, alpha2: str) -> None:
    assert country_alpha2(code) == alpha2


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("ZZ", "not an ISO 3166-1 country"),
        ("UTO", "not an ISO 3166-1 country"),  # ICAO's specimen state
        ("XXA", "names no state"),
        ("UNO", "names no state"),
        ("C0", "2 or 3 letters"),
        ("", "2 or 3 letters"),
    ],
)
def test_country_alpha2_rejects(code: str, reason: str) -> None:
    with pytest.raises(NormalisationError, match=reason):
        country_alpha2(code)


def test_issuer_code_keeps_organisations() -> None:
    assert issuer_code("XPO") == "XPO"
    assert issuer_code("unk") == "UNK"
    assert issuer_code("VEN") == "VE"
