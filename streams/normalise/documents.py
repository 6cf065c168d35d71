"""Identity and travel documents: a key per document, and the machine-readable zone.

The MRZ layout and check digits follow ICAO Doc 9303 (Part 3 for the common rules,
Part 4 for TD3 passports, Part 5 for TD1 identity cards). No MRZ package on PyPI is
a clear standard (the best known, `mrz`, is GPLv3 and unmaintained since 2020), and
the parsing is a few slices plus the 7-3-1 check digit, so it is written here.
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from streams.normalise.countries import issuer_code
from streams.normalise.dates import PartialDate
from streams.normalise.errors import NormalisationError
from streams.normalise.names import PersonName, parse_name

Sex = Literal["M", "F", "X"]

_NUMBER_SEPARATORS = re.compile(r"[\s\-./<]")
_DOCUMENT_NUMBER = re.compile("[A-Z0-9]{3,30}")
_MRZ_LINE = re.compile("[A-Z0-9<]+")
_WEIGHTS = (7, 3, 1)
_TD3_TYPES = frozenset("P")
_TD1_TYPES = frozenset("IAC")
# '<' is how the zone writes "unspecified"; the visual zone prints X.
_SEXES: dict[str, Sex] = {"M": "M", "F": "F", "X": "X", "<": "X"}


def document_key(issuing_state: str, number: str) -> str:
    """Key of a document, e.g. "PA:AB1234567".

    Issuing state as alpha-2 (alpha-3 and ICAO codes accepted; an issuing organisation
    keeps its ICAO code), number uppercased without spaces, dashes, dots, slashes or
    MRZ filler.
    """
    issuer = issuer_code(issuing_state)
    cleaned = _NUMBER_SEPARATORS.sub("", unicodedata.normalize("NFKC", number)).upper()
    if not _DOCUMENT_NUMBER.fullmatch(cleaned):
        raise NormalisationError(
            "document number", number, "expected 3 to 30 letters and digits once cleaned"
        )
    return f"{issuer}:{cleaned}"


@dataclass(frozen=True)
class Mrz:
    """The fields of a machine-readable zone whose check digits all verified.

    States are the ICAO codes as printed ("UTO", "D", "XXA" for a stateless holder);
    `countries.country_alpha2` turns those that name a state into alpha-2.
    """

    document_type: str
    issuing_state: str
    document_number: str
    nationality: str
    surnames: str
    given_names: str
    birth_date: PartialDate
    sex: Sex
    expiry_date: PartialDate
    optional_data: str

    def person_name(self) -> PersonName:
        return parse_name(given=self.given_names, surnames=self.surnames)

    def document_key(self) -> str:
        return document_key(self.issuing_state, self.document_number)


def check_digit(field: str) -> str:
    """ICAO Doc 9303 check digit: weights 7, 3, 1 repeating; A-Z count 10-35, '<' 0."""
    total = 0
    for position, char in enumerate(field):
        if char.isdigit():
            value = int(char)
        elif "A" <= char <= "Z":
            value = ord(char) - ord("A") + 10
        elif char == "<":
            value = 0
        else:
            raise NormalisationError("MRZ field", field, f"character {char!r} is not allowed")
        total += value * _WEIGHTS[position % 3]
    return str(total % 10)


def parse_mrz(lines: str) -> Mrz:
    """Parse a TD3 (passport, 2 lines of 44) or TD1 (identity card, 3 lines of 30) MRZ.

    Every check digit is verified (document number, birth date, expiry date, optional
    data where it has one, composite); a failure raises NormalisationError naming
    the field. MRZ years have two digits: expiry is read as 20YY, and birth as 20YY
    unless that falls after the expiry year, then 19YY.
    """
    rows = [re.sub(r"\s", "", row).upper() for row in lines.splitlines() if row.strip()]
    if len(rows) == 1 and len(rows[0]) in (88, 90):
        # Some readers deliver the zone as one unbroken string.
        width = 44 if len(rows[0]) == 88 else 30
        rows = [rows[0][i : i + width] for i in range(0, len(rows[0]), width)]
    for row in rows:
        if not _MRZ_LINE.fullmatch(row):
            raise NormalisationError("MRZ line", row, "only A-Z, 0-9 and '<' are allowed")
    shape = tuple(len(row) for row in rows)
    if shape == (44, 44):
        return _parse_td3(rows[0], rows[1])
    if shape == (30, 30, 30):
        return _parse_td1(rows[0], rows[1], rows[2])
    raise NormalisationError(
        "MRZ", lines, f"line lengths {shape}: expected TD3 (44, 44) or TD1 (30, 30, 30)"
    )


def _parse_td3(line1: str, line2: str) -> Mrz:
    document_type = line1[0:2].rstrip("<")
    if document_type[:1] not in _TD3_TYPES:
        raise NormalisationError("MRZ document type", document_type, "TD3 must start with P")
    number = line2[0:9]
    _verify("document number", number, line2[9])
    _verify("birth date", line2[13:19], line2[19])
    _verify("expiry date", line2[21:27], line2[27])
    optional = line2[28:42]
    # An empty personal-number field may carry '<' for its check digit.
    if not (optional == "<" * 14 and line2[42] in "<0"):
        _verify("optional data", optional, line2[42])
    _verify("composite", line2[0:10] + line2[13:20] + line2[21:43], line2[43])
    surnames, given_names = _names(line1[5:44])
    expiry = _mrz_date("expiry date", line2[21:27], None)
    return Mrz(
        document_type=document_type,
        issuing_state=_state(line1[2:5]),
        document_number=number.replace("<", ""),
        nationality=_state(line2[10:13]),
        surnames=surnames,
        given_names=given_names,
        birth_date=_mrz_date("birth date", line2[13:19], expiry.year),
        sex=_sex(line2[20]),
        expiry_date=expiry,
        optional_data=optional.replace("<", " ").strip(),
    )


def _parse_td1(line1: str, line2: str, line3: str) -> Mrz:
    document_type = line1[0:2].rstrip("<")
    if document_type[:1] not in _TD1_TYPES:
        raise NormalisationError("MRZ document type", document_type, "TD1 starts with I, A or C")
    number, number_check, optional = line1[5:14], line1[14], line1[15:30]
    if number_check == "<":
        # Numbers longer than 9 characters go on in the optional data field, followed
        # by their check digit and a filler (Doc 9303 Part 5, note j).
        overflow, _, rest = optional.partition("<")
        if len(overflow) < 2:
            raise NormalisationError("MRZ document number", line1[5:30], "no check digit")
        number, number_check, optional = number + overflow[:-1], overflow[-1], rest
    _verify("document number", number, number_check)
    _verify("birth date", line2[0:6], line2[6])
    _verify("expiry date", line2[8:14], line2[14])
    _verify("composite", line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29], line2[29])
    surnames, given_names = _names(line3)
    expiry = _mrz_date("expiry date", line2[8:14], None)
    return Mrz(
        document_type=document_type,
        issuing_state=_state(line1[2:5]),
        document_number=number.replace("<", ""),
        nationality=_state(line2[15:18]),
        surnames=surnames,
        given_names=given_names,
        birth_date=_mrz_date("birth date", line2[0:6], expiry.year),
        sex=_sex(line2[7]),
        expiry_date=expiry,
        optional_data=(optional + line2[18:29]).replace("<", " ").strip(),
    )


def _verify(field: str, data: str, digit: str) -> None:
    expected = check_digit(data)
    if digit != expected:
        raise NormalisationError(
            f"MRZ {field}", data, f"check digit is {digit!r}, computed {expected!r}"
        )


def _state(code: str) -> str:
    state = code.rstrip("<")
    if not state.isalpha():
        raise NormalisationError("MRZ state code", code, "expected letters")
    return state


def _names(field: str) -> tuple[str, str]:
    """(surnames, given names) from the name field: primary '<<' secondary."""
    primary, _, secondary = field.rstrip("<").partition("<<")
    surnames = primary.replace("<", " ").strip()
    given_names = secondary.replace("<", " ").strip()
    if not surnames and not given_names:
        raise NormalisationError("MRZ name", field, "empty")
    return surnames, given_names


def _sex(char: str) -> Sex:
    if char in _SEXES:
        return _SEXES[char]
    raise NormalisationError("MRZ sex", char, "expected M, F, X or '<'")


def _mrz_date(field: str, yymmdd: str, expiry_year: int | None) -> PartialDate:
    """YYMMDD, where an unknown month or day is written '<<' (Doc 9303 Part 3)."""
    yy, mm, dd = yymmdd[0:2], yymmdd[2:4], yymmdd[4:6]
    if not yy.isdigit():
        raise NormalisationError(f"MRZ {field}", yymmdd, "the year is not digits")
    year = 2000 + int(yy)
    if expiry_year is not None and year > expiry_year:
        year -= 100
    month = None if mm == "<<" else mm
    day = None if dd == "<<" or month is None else dd
    if (month is not None and not month.isdigit()) or (day is not None and not day.isdigit()):
        raise NormalisationError(f"MRZ {field}", yymmdd, "month and day must be digits or '<<'")
    try:
        return PartialDate(year, int(month) if month else None, int(day) if day else None)
    except NormalisationError as error:
        raise NormalisationError(f"MRZ {field}", yymmdd, error.reason) from error
