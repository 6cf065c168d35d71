"""parse_date, iso and date_agreement on dates of birth as sources write them."""

import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.normalise import NormalisationError, PartialDate, date_agreement, iso, parse_date


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1990-05-12", PartialDate(1990, 5, 12)),
        ("1990-05", PartialDate(1990, 5)),
        ("1990", PartialDate(1990)),
        (" 1990/5/12 ", PartialDate(1990, 5, 12)),
        ("12/05/1990", PartialDate(1990, 5, 12)),  # day first, as Latin America writes
        ("12.05.1990", PartialDate(1990, 5, 12)),
        ("12-05-1990", PartialDate(1990, 5, 12)),
        ("12 May 1990", PartialDate(1990, 5, 12)),
        ("12 mayo 1990", PartialDate(1990, 5, 12)),
        ("12 de mayo de 1990", PartialDate(1990, 5, 12)),
        ("12-MAY-1990", PartialDate(1990, 5, 12)),
        ("May 12, 1990", PartialDate(1990, 5, 12)),
        ("1st May 1990", PartialDate(1990, 5, 1)),
        ("12 setembro 1990", PartialDate(1990, 9, 12)),  # Portuguese
        ("15 août 1990", PartialDate(1990, 8, 15)),  # French (Haiti)
        ("3 dic. 1985", PartialDate(1985, 12, 3)),
        ("mayo 1990", PartialDate(1990, 5)),
        ("29/02/2000", PartialDate(2000, 2, 29)),
    ],
)
def test_parse_date_examples(raw: str, expected: PartialDate) -> None:
    assert parse_date(raw) == expected


def test_month_first_when_asked() -> None:
    assert parse_date("05/12/1990", day_first=False) == PartialDate(1990, 5, 12)
    assert parse_date("05/12/1990") == PartialDate(1990, 12, 5)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("12/05/90", "two-digit year"),
        ("12 may 90", "two-digit year"),
        ("31/02/1990", "no day 31"),
        ("29/02/1900", "no day 29"),
        ("1990-13-01", "no month 13"),
        ("00/05/1990", "no day 0"),
        ("12 foo 1990", "unknown month name"),
        ("12 jui 1990", "unknown month name"),  # French juin or juillet?
        ("yesterday", "not a date"),
        ("", "not a date"),
        ("12/05/19900", "four digits"),
    ],
)
def test_parse_date_rejects(raw: str, reason: str) -> None:
    with pytest.raises(NormalisationError, match=reason):
        parse_date(raw)


def test_partial_date_validates_itself() -> None:
    with pytest.raises(NormalisationError, match="day without a month"):
        PartialDate(1990, None, 12)
    with pytest.raises(NormalisationError, match="four digits"):
        PartialDate(90)


def test_iso() -> None:
    assert iso(PartialDate(1990, 5, 12)) == "1990-05-12"
    assert iso(PartialDate(1990, 5)) == "1990-05"
    assert iso(PartialDate(1990)) == "1990"
    assert str(PartialDate(1990, 5)) == "1990-05"


@pytest.mark.parametrize(
    ("a", "b", "score"),
    [
        ("1990-05-12", "1990-05-12", 1.0),
        ("1990-05-12", "1990-05", 0.8),  # the day unknown on one side
        ("1990-05-12", "1990-12-05", 0.7),  # day and month swapped
        ("1990-05-12", "1990-05-21", 0.6),  # a typo in the day
        ("1990-05-12", "1990", 0.5),  # only the year known on one side
        ("1990-05-12", "1991-05-12", 0.5),  # year off by one
        ("1990-05-12", "1990-06-12", 0.0),
        ("1990-05-12", "1992-05-12", 0.0),
        ("1990-05", "1991-05", 0.0),
        ("1990", "1990", 0.5),  # agree, but say little
    ],
)
def test_date_agreement(a: str, b: str, score: float) -> None:
    assert date_agreement(parse_date(a), parse_date(b)) == score
    assert date_agreement(parse_date(b), parse_date(a)) == score


_PARTIAL_DATES = st.one_of(
    st.dates(min_value=dt.date(1000, 1, 1)).map(lambda d: PartialDate(d.year, d.month, d.day)),
    st.dates(min_value=dt.date(1000, 1, 1)).map(lambda d: PartialDate(d.year, d.month)),
    st.integers(1000, 9999).map(PartialDate),
)


@given(_PARTIAL_DATES)
def test_iso_round_trips(date: PartialDate) -> None:
    assert parse_date(iso(date)) == date
    assert iso(parse_date(iso(date))) == iso(date)


@given(st.dates(min_value=dt.date(1000, 1, 1)))
def test_day_first_numeric_matches_iso(day: dt.date) -> None:
    assert parse_date(day.strftime("%d/%m/%Y")) == parse_date(day.isoformat())


@given(_PARTIAL_DATES, _PARTIAL_DATES)
def test_agreement_is_a_symmetric_score(a: PartialDate, b: PartialDate) -> None:
    assert 0.0 <= date_agreement(a, b) <= 1.0
    assert date_agreement(a, b) == date_agreement(b, a)


@given(st.text())
def test_parse_date_raises_only_normalisation_errors(text: str) -> None:
    with contextlib.suppress(NormalisationError):
        parse_date(text)
