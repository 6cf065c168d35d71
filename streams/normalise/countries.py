"""Country codes: ISO 3166-1 alpha-2 everywhere, from alpha-2, alpha-3 or ICAO codes.

Alerts and travel documents name states in three ways: ISO alpha-2 ("PA"), ISO alpha-3
("PAN") and the ICAO Doc 9303 Part 3 codes of machine-readable zones, which are alpha-3
plus a few of ICAO's own. Keys use alpha-2 so the three meet.
"""

import pycountry

from streams.normalise.errors import NormalisationError

# ICAO Doc 9303 Part 3 codes that are not ISO alpha-3 but stand for a state.
ICAO_STATE_CODES: dict[str, str] = {
    "D": "DE",  # Germany writes "D<<" in its machine-readable zones
    "GBD": "GB",  # British Overseas Territories citizen
    "GBN": "GB",  # British National (Overseas)
    "GBO": "GB",  # British Overseas citizen
    "GBP": "GB",  # British protected person
    "GBS": "GB",  # British subject
    "RKS": "XK",  # Kosovo; XK is the user-assigned code in common use
}
# Doc 9303 codes of organisations that issue travel documents: no state, so keys keep
# the ICAO code itself.
ICAO_ORGANISATION_CODES: frozenset[str] = frozenset(
    {
        "EUE",  # European Union
        "UNO",  # United Nations Organization
        "UNA",  # specialised agency of the United Nations
        "UNK",  # resident of Kosovo, issued by UNMIK
        "XCC",  # Caribbean Community (CARICOM)
        "XES",  # Organisation of Eastern Caribbean States
        "XPO",  # INTERPOL
        "XOM",  # Sovereign Military Order of Malta
    }
)
# Doc 9303 nationality codes that name no state at all; valid in a nationality field.
ICAO_NATIONALITY_CODES: dict[str, str] = {
    "XXA": "stateless person (1954 Convention)",
    "XXB": "refugee (1951 Convention)",
    "XXC": "refugee (other)",
    "XXX": "unspecified nationality",
}


def country_alpha2(code: str) -> str:
    """ISO 3166-1 alpha-2 for an alpha-2, alpha-3 or ICAO state code ("COL" -> "CO").

    MRZ filler is dropped ("D<<" -> "DE"). Raises NormalisationError for anything that
    is not a state, including the ICAO codes of organisations and of statelessness.
    """
    cleaned = code.strip().upper().rstrip("<")
    if cleaned in ICAO_STATE_CODES:
        return ICAO_STATE_CODES[cleaned]
    if cleaned == "XK":
        return cleaned
    if len(cleaned) == 2 and cleaned.isalpha():
        country = pycountry.countries.get(alpha_2=cleaned)
    elif len(cleaned) == 3 and cleaned.isalpha():
        country = pycountry.countries.get(alpha_3=cleaned)
    else:
        raise NormalisationError("country code", code, "expected 2 or 3 letters")
    if country is None:
        if cleaned in ICAO_ORGANISATION_CODES or cleaned in ICAO_NATIONALITY_CODES:
            raise NormalisationError("country code", code, "an ICAO code that names no state")
        raise NormalisationError("country code", code, "not an ISO 3166-1 country")
    return str(country.alpha_2)


def issuer_code(code: str) -> str:
    """Alpha-2 for a state, or the ICAO code of an issuing organisation ("XPO")."""
    cleaned = code.strip().upper().rstrip("<")
    if cleaned in ICAO_ORGANISATION_CODES:
        return cleaned
    return country_alpha2(code)
