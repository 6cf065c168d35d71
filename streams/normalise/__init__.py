"""Identifier normalisation: pure functions from values as reported to comparable keys.

Each module handles one kind of identifier; all raise `NormalisationError` (a
ValueError) for input they cannot key with confidence, so the stream can send the
record down its error path instead of matching on a wrong value.
"""

from streams.normalise.accounts import account_key, normalise_bic, normalise_iban
from streams.normalise.countries import country_alpha2, issuer_code
from streams.normalise.dates import PartialDate, date_agreement, iso, parse_date
from streams.normalise.documents import Mrz, check_digit, document_key, parse_mrz
from streams.normalise.errors import NormalisationError
from streams.normalise.names import (
    PersonName,
    given_name_key,
    name_key,
    name_similarity,
    parse_name,
    phonetic_keys,
)
from streams.normalise.nicknames import canonical_given
from streams.normalise.online import normalise_email, normalise_handle, normalise_url
from streams.normalise.phones import phone_country, to_e164
from streams.normalise.text import fold
from streams.normalise.vehicles import plate_key
from streams.normalise.vessels import mmsi_flag_country, normalise_imo, normalise_mmsi

__all__ = [
    "Mrz",
    "NormalisationError",
    "PartialDate",
    "PersonName",
    "account_key",
    "canonical_given",
    "check_digit",
    "country_alpha2",
    "date_agreement",
    "document_key",
    "fold",
    "given_name_key",
    "iso",
    "issuer_code",
    "mmsi_flag_country",
    "name_key",
    "name_similarity",
    "normalise_bic",
    "normalise_email",
    "normalise_handle",
    "normalise_iban",
    "normalise_imo",
    "normalise_mmsi",
    "normalise_url",
    "parse_date",
    "parse_mrz",
    "parse_name",
    "phone_country",
    "phonetic_keys",
    "plate_key",
    "to_e164",
]
