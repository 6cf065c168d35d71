"""Identifiers with their real structure and check digits: IMO, MMSI, ISO 6346 containers,
Costa Rican IBANs, account numbers, document numbers, ICAO MRZ and number plates.

Check digits matter: correlation rejects a misread identifier by its check digit, so a
generator that gets them wrong would test the rejection path instead of the matching one.
"""

import random
import string
import unicodedata
from datetime import date

DIGITS = string.digits
LETTERS = string.ascii_uppercase

# Maritime Identification Digits (ITU) of the flags a vessel in these scenarios may fly.
MIDS: dict[str, tuple[str, ...]] = {
    "PA": ("351", "352", "353", "354", "355", "356", "357", "370", "371", "372", "373"),
    "GY": ("750",),
    "TT": ("362",),
    "CO": ("730",),
    "EC": ("735",),
    "PE": ("760",),
    "CR": ("321",),
    "VE": ("775",),
}
# ITU call-sign prefixes of the same flags.
CALL_SIGN_PREFIXES: dict[str, tuple[str, ...]] = {
    "PA": ("3E", "HO", "HP"),
    "GY": ("8R",),
    "TT": ("9Y",),
    "CO": ("HK", "5K"),
    "EC": ("HC",),
    "PE": ("OA",),
    "CR": ("TI",),
    "VE": ("YY",),
}
# fmt: off
ALPHA3: dict[str, str] = {
    "BR": "BRA", "CN": "CHN", "CO": "COL", "CR": "CRI", "DO": "DOM", "EC": "ECU", "GY": "GUY",
    "JM": "JAM", "PA": "PAN", "PE": "PER", "RU": "RUS", "SY": "SYR", "TT": "TTO", "VE": "VEN",
}
# fmt: on


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(DIGITS) for _ in range(n))


def _letters(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(n))


def imo_check_digit(six: str) -> str:
    """IMO check digit: the six digits weighted 7..2, summed, modulo 10."""
    return str(sum(int(d) * w for d, w in zip(six, range(7, 1, -1), strict=True)) % 10)


def imo(rng: random.Random) -> str:
    # Ships built since the 1990s have numbers from 9000000 up.
    six = "9" + _digits(rng, 5)
    return six + imo_check_digit(six)


def mmsi(rng: random.Random, flag: str) -> str:
    return rng.choice(MIDS[flag]) + _digits(rng, 6)


def call_sign(rng: random.Random, flag: str) -> str:
    prefix = rng.choice(CALL_SIGN_PREFIXES[flag])
    return prefix + _letters(rng, 2) + _digits(rng, 1)


def _iso6346_value(char: str) -> int:
    """Letters count from 10 upwards, skipping multiples of 11 (ISO 6346 Annex A)."""
    if char.isdigit():
        return int(char)
    value = 10
    for letter in LETTERS:
        if value % 11 == 0:
            value += 1
        if letter == char:
            return value
        value += 1
    raise ValueError(f"not an ISO 6346 character: {char!r}")


def iso6346_check_digit(ten: str) -> str:
    total = sum(_iso6346_value(c) * 2**i for i, c in enumerate(ten))
    return str(total % 11 % 10)


def container_id(rng: random.Random, owner: str) -> str:
    """Owner code (3 letters) + category U (freight container) + serial + check digit."""
    ten = owner + "U" + _digits(rng, 6)
    return ten + iso6346_check_digit(ten)


def iban_cr(rng: random.Random, bank_code: str) -> str:
    """Costa Rican IBAN: CR, check digits, reserve 0, 3-digit bank code, 14-digit account."""
    bban = "0" + bank_code + _digits(rng, 14)
    rearranged = bban + "CR00"
    numeric = "".join(str(int(c, 36)) for c in rearranged)
    return f"CR{98 - int(numeric) % 97:02d}{bban}"


# Shapes of domestic account numbers and minibus number plates ('#' digit, '@' letter).
ACCOUNT_SHAPES = {
    "CO": "###-######-##",
    "EC": "##########",
    "PA": "##-##-##-######-#",
    "PE": "###-########-#-##",
    "GY": "###-#######",
    "TT": "###-#######",
    "VE": "0102################",
}
PLATE_SHAPES = {  # hire plates where the first letter marks them (TT "H", GY "B")
    "CO": "@@@ ###",
    "EC": "P@@-####",
    "PE": "@#@-###",
    "PA": "@@####",
    "CR": "@@@-###",
    "GY": "B@@ ####",
    "TT": "H@@ ####",
}


def _shape(rng: random.Random, pattern: str) -> str:
    return "".join(
        rng.choice(DIGITS) if c == "#" else rng.choice(LETTERS) if c == "@" else c for c in pattern
    )


def account_number(rng: random.Random, country: str) -> str:
    """A domestic account number in the shape the country's banks print."""
    return _shape(rng, ACCOUNT_SHAPES[country])


def passport_number(rng: random.Random, state: str) -> str:
    if state in ("CO", "PA", "TT", "GY", "JM"):
        return _letters(rng, 2) + _digits(rng, 7)
    if state in ("CN", "EC", "BR", "CR", "DO"):
        return rng.choice("EGF" if state == "CN" else LETTERS) + _digits(rng, 8)
    if state == "RU":
        return _digits(rng, 9)  # foreign-travel passports: 2-digit series + 7-digit number
    if state == "SY":
        return "N" + _digits(rng, 8)
    return _digits(rng, 9)  # VE, PE


def national_id(rng: random.Random, state: str, born: date) -> str:
    """National identity numbers as printed on the card, separators included."""
    if state == "CO":
        n = "1" + _digits(rng, 9)
        return f"{n[0]}.{n[1:4]}.{n[4:7]}.{n[7:]}"
    if state == "EC":
        return f"{rng.choice(('17', '09', '04', '10'))}{_digits(rng, 7)}-{rng.choice(DIGITS)}"
    if state == "PE":
        return _digits(rng, 8)
    if state == "PA":
        return f"{rng.randint(1, 9)}-{rng.randint(100, 999)}-{_digits(rng, 4)}"
    if state == "CR":
        return f"{rng.randint(1, 7)}-{_digits(rng, 4)}-{_digits(rng, 4)}"
    if state == "VE":
        n = str(rng.randint(10_000_000, 32_000_000))
        return f"V-{n[:-6]}.{n[-6:-3]}.{n[-3:]}"
    if state == "TT":
        return born.strftime("%Y%m%d") + _digits(
            rng, 3
        )  # the card number starts with the birth date
    return _digits(rng, 9)  # GY and anything else


def _mrz_check(field: str) -> str:
    weights = (7, 3, 1)
    total = 0
    for i, char in enumerate(field):
        value = int(char) if char.isdigit() else 0 if char == "<" else ord(char) - 55
        total += value * weights[i % 3]
    return str(total % 10)


def _mrz_text(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    return "".join(c if c in LETTERS else "<" for c in plain)


def mrz_td3(
    *,
    state: str,
    number: str,
    surnames: str,
    given: str,
    nationality: str,
    born: date,
    sex: str,
    expiry: date,
) -> str:
    """Two-line ICAO Doc 9303 passport zone with every check digit set."""
    name = f"{_mrz_text(surnames)}<<{_mrz_text(given)}"
    line1 = f"P<{ALPHA3[state]}{name}"[:44].ljust(44, "<")
    doc = number.ljust(9, "<")[:9]
    dob, exp = born.strftime("%y%m%d"), expiry.strftime("%y%m%d")
    optional = "<" * 14
    sex_char = {"MALE": "M", "FEMALE": "F"}.get(sex, "<")
    parts = [
        doc + _mrz_check(doc),
        ALPHA3[nationality],
        dob + _mrz_check(dob),
        sex_char,
        exp + _mrz_check(exp),
        optional + _mrz_check(optional),
    ]
    composite = parts[0] + parts[2] + parts[4] + parts[5]
    line2 = "".join(parts) + _mrz_check(composite)
    return f"{line1}\n{line2}"


def plate(rng: random.Random, country: str) -> str:
    return _shape(rng, PLATE_SHAPES[country])
