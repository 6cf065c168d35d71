"""Person correlation across agencies: blocking keys, pairwise comparison, explained links.

Pure functions: the faust agents in ``streams.app`` only move records between topics and
tables. A sighting is one person record of one alert, reduced to what comparison needs.
"""

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from rapidfuzz.distance import JaroWinkler

from .normalise.text import fold

MATCH_SIMILARITY = 0.92
POSSIBLE_SIMILARITY = 0.85


@dataclass(frozen=True)
class Sighting:
    alert_id: str
    record_id: str
    agency: str
    country: str
    name: str  # folded tokens, sorted: order-free ("surname, given" == "given surname")
    date_of_birth: str | None

    def ref(self) -> dict[str, str]:
        return {
            "alert_id": self.alert_id,
            "record_id": self.record_id,
            "agency": self.agency,
            "country": self.country,
        }

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _person_name(person: dict[str, Any]) -> str:
    parts = [person.get("full_name"), person.get("given_names"), person.get("surnames")]
    text = person.get("full_name") or " ".join(p for p in parts[1:] if p)
    return " ".join(sorted(fold(text or "").split()))


def sightings(alert: dict[str, Any]) -> list[tuple[str, Sighting]]:
    """(blocking key, sighting) for every named person in the alert."""
    found = []
    for person in alert.get("persons") or []:
        name = _person_name(person)
        if not name:
            continue
        sighting = Sighting(
            alert_id=str(alert["alert_id"]),
            record_id=person["record_id"],
            agency=alert["agency"],
            country=alert["country"],
            name=name,
            date_of_birth=person.get("date_of_birth"),
        )
        found.append((blocking_key(sighting), sighting))
    return found


def blocking_key(sighting: Sighting) -> str:
    # The two longest tokens, sorted: order, case and accents do not move a person to
    # another block, nor does a dropped short token (a middle name, an initial).
    tokens = sorted(sighting.name.split(), key=lambda t: (-len(t), t))[:2]
    return " ".join(sorted(tokens))


def link_id(kind: str, a: dict[str, str], b: dict[str, str]) -> str:
    ends = sorted(f"{r['alert_id']}/{r['record_id']}" for r in (a, b))
    return hashlib.sha256(f"{kind}|{ends[0]}|{ends[1]}".encode()).hexdigest()[:32]


def compare(earlier: Sighting, later: Sighting, at: datetime) -> dict[str, Any] | None:
    """A Link record (as Avro writes it) when the two sightings are the same person."""
    if (earlier.alert_id, earlier.record_id) == (later.alert_id, later.record_id):
        return None
    name_sim = JaroWinkler.normalized_similarity(earlier.name, later.name)
    explanation = [
        {
            "field": "name",
            "left": earlier.name,
            "right": later.name,
            "similarity": round(name_sim, 4),
            "weight": round(8 * name_sim - 4, 3),
        }
    ]
    if earlier.date_of_birth and later.date_of_birth:
        same = earlier.date_of_birth == later.date_of_birth
        explanation.append(
            {
                "field": "date_of_birth",
                "left": earlier.date_of_birth,
                "right": later.date_of_birth,
                "similarity": 1.0 if same else 0.0,
                "weight": 6.0 if same else -6.0,
            }
        )
        if not same:
            return None
    if name_sim < POSSIBLE_SIMILARITY:
        return None
    left, right = earlier.ref(), later.ref()
    return {
        "link_id": link_id("SAME_PERSON", left, right),
        "kind": "SAME_PERSON",
        "decision": "MATCH" if name_sim >= MATCH_SIMILARITY else "POSSIBLE_MATCH",
        "score": round(sum(e["weight"] for e in explanation), 3),
        "left": left,
        "right": right,
        "cross_border": earlier.country != later.country,
        "explanation": explanation,
        "created_at": at,
    }
