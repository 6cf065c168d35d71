"""Dates that may be partial (only the year, or year and month), as sources often know."""

import calendar
import re
from dataclasses import dataclass

from streams.normalise.errors import NormalisationError
from streams.normalise.text import fold

# Month names of the region's languages (Spanish, English, Portuguese, French, Dutch),
# folded. Their first three letters are accepted too, unless two months share them.
_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("january", "enero", "janeiro", "janvier", "januari"),
    2: ("february", "febrero", "fevereiro", "fevrier", "februari"),
    3: ("march", "marzo", "marco", "mars", "maart"),
    4: ("april", "abril", "avril"),
    5: ("may", "mayo", "maio", "mai", "mei"),
    6: ("june", "junio", "junho", "juin", "juni"),
    7: ("july", "julio", "julho", "juillet", "juli"),
    8: ("august", "agosto", "aout", "augustus"),
    9: ("september", "septiembre", "setiembre", "setembro", "septembre", "sept"),
    10: ("october", "octubre", "outubro", "octobre", "oktober"),
    11: ("november", "noviembre", "novembro", "novembre"),
    12: ("december", "diciembre", "dezembro", "decembre"),
}


def _month_lookup() -> dict[str, int]:
    lookup = {name: month for month, names in _MONTH_NAMES.items() for name in names}
    prefixes: dict[str, set[int]] = {}
    for month, names in _MONTH_NAMES.items():
        for name in names:
            prefixes.setdefault(name[:3], set()).add(month)
    # "jui" is juin (June) and juillet (July) in French: such prefixes stay out.
    for prefix, months in prefixes.items():
        if len(months) == 1:
            lookup.setdefault(prefix, months.pop())
    return lookup


_MONTHS: dict[str, int] = _month_lookup()

_YEAR_FIRST = re.compile(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?")
_NUMERIC = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d+)")
# On folded text: "12 mayo 1990", "12 de mayo de 1990", "1st may 1990", "mayo 1990".
_DAY_MONTH_YEAR = re.compile(
    r"(?:(\d{1,2})(?:st|nd|rd|th|o)? )?(?:de )?([a-z]+) (?:de |del )?(\d+)"
)
# "May 12, 1990" (English, month first).
_MONTH_DAY_YEAR = re.compile(r"([a-z]+) (\d{1,2})(?:st|nd|rd|th)? (\d+)")


@dataclass(frozen=True)
class PartialDate:
    """A calendar date whose day, or month and day, may be unknown."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not 1000 <= self.year <= 9999:
            raise NormalisationError("date", self, "year must have four digits")
        if self.month is None:
            if self.day is not None:
                raise NormalisationError("date", self, "a day without a month")
            return
        if not 1 <= self.month <= 12:
            raise NormalisationError("date", self, f"no month {self.month}")
        if self.day is not None:
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise NormalisationError(
                    "date", self, f"{self.year}-{self.month:02d} has no day {self.day}"
                )

    def __str__(self) -> str:
        return iso(self)


def iso(date: PartialDate) -> str:
    """ISO 8601 at the precision known: "1990-05-12", "1990-05" or "1990"."""
    if date.month is None:
        return f"{date.year:04d}"
    if date.day is None:
        return f"{date.year:04d}-{date.month:02d}"
    return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"


def parse_date(value: str, *, day_first: bool = True) -> PartialDate:
    """Read a full or partial date.

    Accepts ISO ("1990-05-12", "1990-05", "1990"), numeric dates with / . or -
    ("12/05/1990" is 12 May with `day_first`, as Latin America writes it; 5 December
    without), and month names in Spanish, English, Portuguese, French or Dutch
    ("12 mayo 1990", "12 de mayo de 1990", "May 12, 1990", "mayo 1990").
    Two-digit years are refused: "05/12/90" could be 1890, 1990 or 2090.
    """
    text = value.strip()
    if match := _YEAR_FIRST.fullmatch(text):
        year, month, day = match.groups()
        return _build(value, year, month, day)
    if match := _NUMERIC.fullmatch(text):
        first, second, year = match.groups()
        day, month = (first, second) if day_first else (second, first)
        return _build(value, year, month, day)
    folded = fold(text)
    if match := _DAY_MONTH_YEAR.fullmatch(folded):
        day, month_name, year = match.groups()
        return _build(value, year, _month_number(value, month_name), day)
    if match := _MONTH_DAY_YEAR.fullmatch(folded):
        month_name, day, year = match.groups()
        return _build(value, year, _month_number(value, month_name), day)
    raise NormalisationError("date", value, "not a date format this reader knows")


def _month_number(value: str, name: str) -> str:
    if name not in _MONTHS:
        raise NormalisationError("date", value, f"unknown month name {name!r}")
    return str(_MONTHS[name])


def _build(value: str, year: str, month: str | None, day: str | None) -> PartialDate:
    if len(year) == 2:
        raise NormalisationError("date", value, "two-digit year: the century is ambiguous")
    if len(year) != 4:
        raise NormalisationError("date", value, "the year must have four digits")
    try:
        return PartialDate(int(year), int(month) if month else None, int(day) if day else None)
    except NormalisationError as error:
        raise NormalisationError("date", value, error.reason) from error


def date_agreement(a: PartialDate, b: PartialDate) -> float:
    """How well two dates of birth agree, in [0, 1]; symmetric.

    1.0 same full date; 0.8 same year and month where a day is unknown; 0.7 day and
    month swapped (a day-first vs month-first slip); 0.6 same year and month, days
    differ (a typo); 0.5 same year where a month is unknown, or year off by one with
    the same day and month; 0.0 otherwise, including different months of one year.
    """
    if a.year == b.year:
        if a.month is None or b.month is None:
            return 0.5
        if a.month == b.month:
            if a.day is None or b.day is None:
                return 0.8
            return 1.0 if a.day == b.day else 0.6
        if a.day is not None and b.day is not None and (a.day, a.month) == (b.month, b.day):
            return 0.7
        return 0.0
    full = None not in (a.month, a.day, b.month, b.day)
    if full and abs(a.year - b.year) == 1 and (a.month, a.day) == (b.month, b.day):
        return 0.5
    return 0.0
