"""The true world behind a scenario: entities, and drafts of the alerts that mention them.

Entity ids read "<subject array>:<scope>.<name>", e.g. "persons:n2.victim3",
"phones:hub.hotline" or "locations:place.paso-canoas-cr". Scope "n<k>" is network k,
"bg" the unrelated background, "hub" identifiers many unrelated people share and
"place" the fixed places. A draft is one alert before it is written: which agency
reports what, when, about which entities; `render` turns it into an Avro record.
"""

import random
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from . import identifiers
from .names import Name, name_for
from .phones import mobile
from .places import AGENCIES, PLACES


@dataclass(frozen=True)
class Person:
    id: str
    name: Name | None  # None for a placeholder
    sex: str = "UNKNOWN"
    born: date | None = None
    nationality: str | None = None
    alias: str | None = None
    placeholder: str | None = None  # "UNKNOWN", "NN": what the agency wrote instead of a name


@dataclass(frozen=True)
class Phone:
    id: str
    country: str  # numbering plan
    nsn: str  # national significant number


@dataclass(frozen=True)
class Document:
    id: str
    doc_type: str
    number: str
    state: str  # issuing state, alpha-2
    expiry: date
    mrz: str | None = None


@dataclass(frozen=True)
class Thing:
    """An entity every agency writes the same way up to formatting: vessel, account..."""

    id: str
    fields: dict[str, Any]  # the Avro record's fields, except record_id and references


Entity = Person | Phone | Document | Thing


def _named(person: Person) -> tuple[Name, date, str]:
    if person.name is None or person.born is None or person.nationality is None:
        raise ValueError(f"{person.id} is a placeholder: it has no documents")
    return person.name, person.born, person.nationality


def kind_of(entity_id: str) -> str:
    """The Alert subject array an entity's records go in: "persons:n1.leader" -> "persons"."""
    return entity_id.partition(":")[0]


@dataclass(frozen=True)
class Mention:
    """One subject record of a draft."""

    entity: Entity
    role: str = "UNKNOWN"  # PersonRole, for persons
    refs: tuple[tuple[str, str], ...] = ()  # (reference field, id of an entity in the draft)
    suspected: bool = False  # documents: the agency suspects forgery or an impostor


@dataclass
class Draft:
    alert_id: str
    agency: str
    kind: str  # EventKind
    observed_at: datetime
    reported_at: datetime
    mentions: list[Mention]
    marking: dict[str, Any]
    grading: dict[str, str]
    location: Thing | None = None
    direction: str | None = None
    case_ref: str | None = None
    summary: str | None = None
    retracts: str | None = None

    @property
    def country(self) -> str:
        return self.agency[:2].upper()


# How long after the event each kind of agency publishes, in hours (min, max).
DELAYS = {
    "IMMIGRATION": (0.1, 3),
    "CUSTOMS": (1, 24),
    "POLICE": (1, 48),
    "PROSECUTOR": (24, 96),
    "FINANCIAL_INTELLIGENCE": (48, 144),
    "NGO": (24, 120),
    "LABOUR_INSPECTION": (24, 72),
}
# Markings and gradings each kind of agency tends to use.
TLPS = {
    "IMMIGRATION": ("GREEN", "AMBER"),
    "CUSTOMS": ("GREEN", "AMBER"),
    "POLICE": ("AMBER", "AMBER", "AMBER_STRICT"),
    "PROSECUTOR": ("AMBER_STRICT", "RED"),
    "FINANCIAL_INTELLIGENCE": ("AMBER_STRICT", "RED"),
    "LABOUR_INSPECTION": ("GREEN", "AMBER"),
}
ADDRESSES_TO_LAW_ENFORCEMENT = {
    "field": "locations[kind=ADDRESS]",
    "releasable_to": ["POLICE", "PROSECUTOR"],
    "reason": "home addresses only to police and prosecutors",
}
GRADES = {
    "IMMIGRATION": ("AB", "12"),
    "CUSTOMS": ("AB", "123"),
    "POLICE": ("BC", "234"),
    "PROSECUTOR": ("AB", "12"),
    "FINANCIAL_INTELLIGENCE": ("B", "23"),
    "NGO": ("BCD", "234"),
    "LABOUR_INSPECTION": ("BC", "23"),
}


@dataclass
class World:
    """The random source, the clock and the drafts so far, with factories for entities."""

    rng: random.Random
    start: datetime
    drafts: list[Draft] = field(default_factory=list)
    _places: dict[str, Thing] = field(default_factory=dict)
    _serials: Counter[str] = field(default_factory=Counter)

    def serial(self, prefix: str) -> str:
        """prefix + the next number for it: "bg.traveller" -> "bg.traveller1", "bg.traveller2"."""
        self._serials[prefix] += 1
        return f"{prefix}{self._serials[prefix]}"

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def at(self, day: float) -> datetime:
        """start + day days, to the second (Avro keeps milliseconds; seconds read better)."""
        return self.start + timedelta(seconds=int(day * 86400))

    def person(
        self,
        pid: str,
        nationality: str,
        *,
        sex: str | None = None,
        age: tuple[int, int] = (18, 45),
        alias: str | None = None,
    ) -> Person:
        sex = sex or self.rng.choice(("MALE", "FEMALE"))
        born = date(
            self.start.year - self.rng.randint(*age),
            self.rng.randint(1, 12),
            self.rng.randint(1, 28),
        )
        return Person(
            f"persons:{pid}", name_for(self.rng, nationality, sex), sex, born, nationality, alias
        )

    def phone(self, pid: str, country: str) -> Phone:
        return Phone(f"phones:{pid}", country, mobile(self.rng, country))

    def passport(self, did: str, holder: Person) -> Document:
        name, born, state = _named(holder)
        number = identifiers.passport_number(self.rng, state)
        expiry = date(
            self.start.year + self.rng.randint(1, 9),
            self.rng.randint(1, 12),
            self.rng.randint(1, 28),
        )
        mrz = identifiers.mrz_td3(
            state=state,
            number=number,
            surnames=" ".join(name.surnames),
            given=" ".join(name.given),
            nationality=state,
            born=born,
            sex=holder.sex,
            expiry=expiry,
        )
        return Document(f"documents:{did}", "PASSPORT", number, state, expiry, mrz)

    def national_id(self, did: str, holder: Person) -> Document:
        _, born, state = _named(holder)
        number = identifiers.national_id(self.rng, state, born)
        expiry = date(self.start.year + self.rng.randint(1, 10), self.rng.randint(1, 12), 1)
        return Document(f"documents:{did}", "NATIONAL_ID", number, state, expiry)

    def place(self, key: str) -> Thing:
        if key not in self._places:
            p = PLACES[key]
            self._places[key] = Thing(
                f"locations:place.{key}",
                {
                    "kind": p.kind,
                    "name": p.name,
                    "country": p.country,
                    "lat": p.lat,
                    "lon": p.lon,
                    "unlocode": p.unlocode,
                },
            )
        return self._places[key]

    def marking(self, agency: str, partners: Sequence[str]) -> dict[str, Any]:
        kind = AGENCIES[agency]
        if kind == "NGO":
            # Survivor data: named recipients only, and the shelter itself is the only one.
            return {
                "tlp": "RED",
                "releasable_to": [agency],
                "originator_control": True,
                "handling": "Survivor information: do not contact the shelter directly.",
                "fields": [],
            }
        tlp = self.rng.choice(TLPS[kind])
        others = [p for p in partners if p != agency and p != agency[:2].upper()]
        # RED names its recipients; the others may restrict release to a few (REL TO).
        most = min(3, len(others))
        count = self.rng.randint(min(1, most) if tlp == "RED" else 0, most)
        return {
            "tlp": tlp,
            "releasable_to": sorted(self.rng.sample(others, count)),
            "originator_control": tlp in ("AMBER_STRICT", "RED") or self.rng.random() < 0.3,
            "handling": None,
            # Agency-wide rule of police and border forces: addresses go to law enforcement only.
            "fields": [ADDRESSES_TO_LAW_ENFORCEMENT] if kind in ("POLICE", "IMMIGRATION") else [],
        }

    def grading(self, agency: str) -> dict[str, str]:
        chance = self.rng.random()
        if chance < 0.05:  # an anonymous tip nobody can judge yet
            return {"source_reliability": "F", "information_credibility": "C6"}
        if chance < 0.08:  # hearsay from a source that has been wrong before
            return {"source_reliability": "E", "information_credibility": "C5"}
        sources, credibilities = GRADES[AGENCIES[agency]]
        return {
            "source_reliability": self.rng.choice(sources),
            "information_credibility": "C" + self.rng.choice(credibilities),
        }

    def draft(
        self,
        agency: str,
        kind: str,
        day: float,
        mentions: list[Mention],
        *,
        partners: Sequence[str] = (),
        location: Thing | None = None,
        direction: str | None = None,
        case_ref: str | None = None,
        summary: str | None = None,
    ) -> Draft:
        observed = self.at(day)
        low, high = DELAYS[AGENCIES[agency]]
        draft = Draft(
            alert_id=self.uuid(),
            agency=agency,
            kind=kind,
            observed_at=observed,
            reported_at=observed + timedelta(seconds=int(self.rng.uniform(low, high) * 3600)),
            mentions=mentions,
            marking=self.marking(agency, partners),
            grading=self.grading(agency),
            location=location,
            direction=direction,
            case_ref=case_ref,
            summary=summary,
        )
        self.drafts.append(draft)
        return draft

    def retract(self, draft: Draft, summary: str) -> Draft:
        """A RETRACTION by the same agency, a day or three after the withdrawn alert."""
        observed = draft.reported_at + timedelta(seconds=self.rng.randint(24 * 3600, 72 * 3600))
        retraction = Draft(
            alert_id=self.uuid(),
            agency=draft.agency,
            kind="RETRACTION",
            observed_at=observed,
            reported_at=observed + timedelta(minutes=self.rng.randint(5, 90)),
            mentions=[],
            marking=dict(draft.marking),
            grading=dict(draft.grading),
            case_ref=draft.case_ref,
            summary=summary,
            retracts=draft.alert_id,
        )
        self.drafts.append(retraction)
        return retraction
