"""Bank accounts: IBAN and BIC where they exist, a plain key where they do not.

Costa Rica uses IBANs; Colombia, Panama, Guyana, Peru, Ecuador and Trinidad and Tobago
mostly report a domestic account number and, at best, the bank's BIC.
"""

import re
import unicodedata

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from streams.normalise.countries import country_alpha2
from streams.normalise.errors import NormalisationError

_SEPARATORS = re.compile(r"[\s\-./]")
_ACCOUNT_NUMBER = re.compile("[A-Z0-9]{4,34}")  # 34: the longest BBAN ISO 13616 allows


def normalise_iban(raw: str) -> str:
    """Electronic form ("CR05015202001026284066"), length and mod-97 checksum verified."""
    try:
        return str(IBAN(raw).compact)
    except SchwiftyException as error:
        raise NormalisationError("IBAN", raw, str(error)) from error


def normalise_bic(raw: str) -> str:
    """BIC (ISO 9362) in capitals, 8 characters for the institution's main office.

    "XXX" as branch code means the main office, so "BCOLCOBMXXX" and "BCOLCOBM" are
    one institution and must give one key.
    """
    try:
        bic = BIC(raw)
    except SchwiftyException as error:
        raise NormalisationError("BIC", raw, str(error)) from error
    compact = str(bic.compact)
    return compact[:8] if compact.endswith("XXX") else compact


def account_key(country: str, number: str, bic: str | None = None) -> str:
    """A key for an account: "IBAN:<iban>" for an IBAN, otherwise
    "<country>:<bank>:<number>" ("CO:BCOLCOBM:1234567890") or "<country>:<number>".

    The bank part is the BIC's first 8 characters (institution, country, location):
    domestic numbers are unique per bank, not per branch, and reports mix branch and
    head-office BICs. Callers should pass the BIC whenever the source has one, since
    keys with and without it do not meet.
    """
    region = country_alpha2(country)
    cleaned = _SEPARATORS.sub("", unicodedata.normalize("NFKC", number)).upper()
    if _looks_like_iban(cleaned):
        iban = normalise_iban(cleaned)
        if iban[:2] != region:
            raise NormalisationError("account", number, f"an IBAN of {iban[:2]}, not {region}")
        return f"IBAN:{iban}"
    if not _ACCOUNT_NUMBER.fullmatch(cleaned):
        raise NormalisationError(
            "account number", number, "expected 4 to 34 letters and digits once cleaned"
        )
    if bic is None:
        return f"{region}:{cleaned}"
    return f"{region}:{normalise_bic(bic)[:8]}:{cleaned}"


def _looks_like_iban(cleaned: str) -> bool:
    # The IBAN shape (country letters, two check digits, 15+ characters): a mistyped
    # IBAN should fail loudly rather than become a domestic account key.
    return len(cleaned) >= 15 and cleaned[:2].isalpha() and cleaned[2:4].isdigit()
