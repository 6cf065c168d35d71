"""Road vehicles: a key per registration plate."""

import re
import unicodedata

from streams.normalise.countries import country_alpha2
from streams.normalise.errors import NormalisationError

_SEPARATORS = re.compile(r"[\s\-.]")
_PLATE = re.compile("[A-Z0-9]{2,10}")


def plate_key(country: str, plate: str) -> str:
    """Key of a plate, e.g. "CO:ABC123" from ("COL", "abc-123").

    Issuing country as alpha-2, the plate in capitals without spaces, dashes or dots.

    Look-alike characters (O and 0, I and 1) are kept apart: plates in the region use
    both, so merging them would join different vehicles.
    """
    region = country_alpha2(country)
    cleaned = _SEPARATORS.sub("", unicodedata.normalize("NFKC", plate)).upper()
    if not _PLATE.fullmatch(cleaned):
        raise NormalisationError(
            "plate", plate, "expected 2 to 10 Latin letters and digits once cleaned"
        )
    return f"{region}:{cleaned}"
