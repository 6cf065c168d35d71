"""Ship identifiers: IMO numbers and MMSIs, and the flag state an MMSI encodes.

Migrant smuggling by sea runs on small craft and on ships under flags of convenience
(Panama, Liberia, Marshall Islands, ...); the MMSI's maritime identification digits
(MID) name the flag even when the vessel record does not.
"""

import re

from streams.normalise.errors import NormalisationError

_IMO = re.compile(r"(?:IMO)?:?(\d{7})")
_MMSI = re.compile(r"(?:MMSI)?:?(\d{9})")
_SPACES = re.compile(r"[\s\-.]")

# Maritime Identification Digits per ITU Radio Regulations Appendix 43 and the ITU
# MARS "Table of Maritime Identification Digits", as ISO 3166-1 alpha-2 of the state
# or territory. 306 is shared by Curaçao, Sint Maarten and Bonaire, Sint Eustatius and
# Saba; it is filed under Curaçao, which keeps the largest register of the three.
_MIDS_BY_COUNTRY: dict[str, tuple[int, ...]] = {
    # Americas and the Caribbean
    "AI": (301,),
    "AG": (304, 305),
    "CW": (306,),
    "AW": (307,),
    "BS": (308, 309, 311),
    "BM": (310,),
    "BZ": (312,),
    "BB": (314,),
    "CA": (316,),
    "KY": (319,),
    "CR": (321,),
    "CU": (323,),
    "DM": (325,),
    "DO": (327,),
    "GP": (329,),
    "GD": (330,),
    "GL": (331,),
    "GT": (332,),
    "HN": (334,),
    "HT": (336,),
    "US": (303, 338, 366, 367, 368, 369),
    "JM": (339,),
    "KN": (341,),
    "LC": (343,),
    "MX": (345,),
    "MQ": (347,),
    "MS": (348,),
    "NI": (350,),
    "PA": (351, 352, 353, 354, 355, 356, 357, 370, 371, 372, 373, 374),
    "PR": (358,),
    "SV": (359,),
    "PM": (361,),
    "TT": (362,),
    "TC": (364,),
    "VC": (375, 376, 377),
    "VG": (378,),
    "VI": (379,),
    "AR": (701,),
    "BR": (710,),
    "BO": (720,),
    "CL": (725,),
    "CO": (730,),
    "EC": (735,),
    "FK": (740,),
    "GF": (745,),
    "GY": (750,),
    "PY": (755,),
    "PE": (760,),
    "SR": (765,),
    "UY": (770,),
    "VE": (775,),
    # Europe
    "AL": (201,),
    "AD": (202,),
    "AT": (203,),
    "PT": (204, 255, 263),  # 204 Azores, 255 Madeira (its international register)
    "BE": (205,),
    "BY": (206,),
    "BG": (207,),
    "VA": (208,),
    "CY": (209, 210, 212),
    "DE": (211, 218),
    "GE": (213,),
    "MD": (214,),
    "MT": (215, 229, 248, 249, 256),
    "AM": (216,),
    "DK": (219, 220),
    "ES": (224, 225),
    "FR": (226, 227, 228),
    "FI": (230,),
    "FO": (231,),
    "GB": (232, 233, 234, 235),
    "GI": (236,),
    "GR": (237, 239, 240, 241),
    "HR": (238,),
    "MA": (242,),
    "HU": (243,),
    "NL": (244, 245, 246),
    "IT": (247,),
    "IE": (250,),
    "IS": (251,),
    "LI": (252,),
    "LU": (253,),
    "MC": (254,),
    "NO": (257, 258, 259),
    "PL": (261,),
    "ME": (262,),
    "RO": (264,),
    "SE": (265, 266),
    "SK": (267,),
    "SM": (268,),
    "CH": (269,),
    "CZ": (270,),
    "TR": (271,),
    "UA": (272,),
    "RU": (273,),
    "MK": (274,),
    "LV": (275,),
    "EE": (276,),
    "LT": (277,),
    "SI": (278,),
    "RS": (279,),
    # Asia
    "AF": (401,),
    "SA": (403,),
    "BD": (405,),
    "BH": (408,),
    "BT": (410,),
    "CN": (412, 413, 414),
    "TW": (416,),
    "LK": (417,),
    "IN": (419,),
    "IR": (422,),
    "AZ": (423,),
    "IQ": (425,),
    "IL": (428,),
    "JP": (431, 432),
    "TM": (434,),
    "KZ": (436,),
    "UZ": (437,),
    "JO": (438,),
    "KR": (440, 441),
    "PS": (443,),
    "KP": (445,),
    "KW": (447,),
    "LB": (450,),
    "KG": (451,),
    "MO": (453,),
    "MV": (455,),
    "MN": (457,),
    "NP": (459,),
    "OM": (461,),
    "PK": (463,),
    "QA": (466,),
    "SY": (468,),
    "AE": (470, 471),
    "TJ": (472,),
    "YE": (473, 475),
    "HK": (477,),
    "BA": (478,),
    # Oceania and South-East Asia
    "AU": (503,),
    "MM": (506,),
    "BN": (508,),
    "FM": (510,),
    "PW": (511,),
    "NZ": (512,),
    "KH": (514, 515),
    "CX": (516,),
    "CK": (518,),
    "FJ": (520,),
    "CC": (523,),
    "ID": (525,),
    "KI": (529,),
    "LA": (531,),
    "MY": (533,),
    "MP": (536,),
    "MH": (538,),
    "NC": (540,),
    "NU": (542,),
    "NR": (544,),
    "PF": (546,),
    "PH": (548,),
    "TL": (550,),
    "PG": (553,),
    "PN": (555,),
    "SB": (557,),
    "AS": (559,),
    "WS": (561,),
    "SG": (563, 564, 565, 566),
    "TH": (567,),
    "TO": (570,),
    "TV": (572,),
    "VN": (574,),
    "VU": (576, 577),
    "WF": (578,),
    # Africa
    "ZA": (601,),
    "AO": (603,),
    "DZ": (605,),
    "TF": (607, 618, 635),  # St Paul and Amsterdam, Crozet, Kerguelen
    "SH": (608, 665),  # Ascension, St Helena
    "BI": (609,),
    "BJ": (610,),
    "BW": (611,),
    "CF": (612,),
    "CM": (613,),
    "CG": (615,),
    "KM": (616, 620),
    "CV": (617,),
    "CI": (619,),
    "DJ": (621,),
    "EG": (622,),
    "ET": (624,),
    "ER": (625,),
    "GA": (626,),
    "GH": (627,),
    "GM": (629,),
    "GW": (630,),
    "GQ": (631,),
    "GN": (632,),
    "BF": (633,),
    "KE": (634,),
    "LR": (636, 637),
    "SS": (638,),
    "LY": (642,),
    "LS": (644,),
    "MU": (645,),
    "MG": (647,),
    "ML": (649,),
    "MZ": (650,),
    "MR": (654,),
    "MW": (655,),
    "NE": (656,),
    "NG": (657,),
    "NA": (659,),
    "RE": (660,),
    "RW": (661,),
    "SD": (662,),
    "SN": (663,),
    "SC": (664,),
    "SO": (666,),
    "SL": (667,),
    "ST": (668,),
    "SZ": (669,),
    "TD": (670,),
    "TG": (671,),
    "TN": (672,),
    "TZ": (674, 677),
    "UG": (675,),
    "CD": (676,),
    "ZM": (678,),
    "ZW": (679,),
}
MID_COUNTRY: dict[str, str] = {
    str(mid): country for country, mids in _MIDS_BY_COUNTRY.items() for mid in mids
}


def normalise_imo(raw: str) -> str:
    """The 7 digits of an IMO ship number ("IMO 9074729" -> "9074729"), check digit
    verified: the first six digits weighted 7 down to 2, the sum's last digit."""
    cleaned = _SPACES.sub("", raw).upper()
    match = _IMO.fullmatch(cleaned)
    if match is None:
        raise NormalisationError("IMO number", raw, "expected 7 digits, optionally after 'IMO'")
    digits = match.group(1)
    total = sum(
        int(digit) * weight for digit, weight in zip(digits[:6], range(7, 1, -1), strict=True)
    )
    if total % 10 != int(digits[6]):
        raise NormalisationError(
            "IMO number", raw, f"check digit is {digits[6]}, computed {total % 10}"
        )
    return digits


def normalise_mmsi(raw: str) -> str:
    """The 9 digits of an MMSI ("MMSI 351 234 000" -> "351234000"), kept as text
    because group and coast-station MMSIs start with 0."""
    cleaned = _SPACES.sub("", raw).upper()
    match = _MMSI.fullmatch(cleaned)
    if match is None:
        raise NormalisationError("MMSI", raw, "expected 9 digits")
    digits = match.group(1)
    if digits == "0" * 9:
        raise NormalisationError("MMSI", raw, "all zeros is the 'unknown' placeholder")
    return digits


def mmsi_flag_country(mmsi: str) -> str | None:
    """Alpha-2 of the state whose MID the MMSI carries, or None if it carries none.

    The MID sits after a prefix that gives the station kind (ITU-R M.585): none for a
    ship (2-7), 0 for a group of ships, 00 for a coast station, 111 for a search and
    rescue aircraft, 8 for a handheld radio, 98 for a craft tied to a parent ship and
    99 for an aid to navigation. 970/972/974 (distress beacons) carry no MID.
    """
    digits = normalise_mmsi(mmsi)
    if digits.startswith(("00", "98", "99")):
        mid = digits[2:5]
    elif digits.startswith("111"):
        mid = digits[3:6]
    elif digits[0] in "08":
        mid = digits[1:4]
    elif digits[0] in "234567":
        mid = digits[0:3]
    else:
        return None
    return MID_COUNTRY.get(mid)
