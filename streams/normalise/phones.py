"""Telephone numbers to E.164, read the way the reporting agency's country dials them."""

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from streams.normalise.countries import country_alpha2
from streams.normalise.errors import NormalisationError


def to_e164(raw: str, default_country: str) -> str:
    """E.164 form of a number, e.g. ("300 123 4567", "CO") -> "+573001234567".

    A number written without country code is read in `default_country` (alpha-2 or
    alpha-3: the Phone record's country_hint, else the alert's country). Numbers that
    Google's libphonenumber metadata does not recognise as valid raise, so a misread
    digit does not become somebody else's key.
    """
    region = country_alpha2(default_country)
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise NormalisationError("phone country", default_country, "no numbering plan known")
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException as error:
        raise NormalisationError("phone number", raw, str(error)) from error
    if not phonenumbers.is_valid_number(number):
        raise NormalisationError(
            "phone number", raw, f"not a valid number when dialled from {region}"
        )
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def phone_country(e164: str) -> str:
    """Region of an E.164 number ("+18686201234" -> "TT"); "001" for non-geographic
    numbers such as satellite phones (+870 Inmarsat), common at sea."""
    if not e164.startswith("+"):
        raise NormalisationError("phone number", e164, "E.164 must start with '+'")
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException as error:
        raise NormalisationError("phone number", e164, str(error)) from error
    region = phonenumbers.region_code_for_number(number)
    if not phonenumbers.is_valid_number(number) or region is None:
        raise NormalisationError("phone number", e164, "not a valid number")
    return str(region)
