"""Who may receive what: releasability of alerts and the copy of a result each agency gets.

An alert is released to another agency only under an agreement in force that names both
agencies as parties, shares that kind of result and admits the alert's TLP label; a
need-to-know agreement only when the result touches one of the recipient's own records;
a non-empty releasable-to list (REL TO) must name the recipient or its country, and RED
always needs one. Everything else fails closed: an unknown marking, an unknown agency, a
retracted alert.

A result (link, entity, network, hit) is cut to the records its recipient may see, and
what that removes is listed as withheld, so no recipient learns from a result more than
its releasable parts say. An agency always sees its own records.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from schemas.paths import FieldPath

from .agreements import Agreement, ResultKind
from .fields import withhold

OWN = "own"  # the agreement name of an agency's own data
NOT_RELEASED = "the alert's marking does not release it to this agency"


@dataclass(frozen=True)
class Recipient:
    agency: str
    kind: str

    @property
    def country(self) -> str:
        return self.agency[:2].upper()

    def is_in(self, audience: Iterable[str]) -> bool:
        return any(who in (self.agency, self.country, self.kind) for who in audience)


@dataclass(frozen=True)
class FieldRule:
    path: FieldPath
    text: str
    audience: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Source:
    """What the policy keeps of one alert: its origin, marking and grading."""

    alert_id: str
    agency: str
    country: str
    tlp: str
    releasable_to: tuple[str, ...]
    originator_control: bool
    handling: str | None
    grading: str
    fields: tuple[FieldRule, ...]

    @classmethod
    def of(cls, alert: Mapping[str, Any]) -> "Source":
        marking, grading = alert["marking"], alert["grading"]
        return cls(
            alert_id=str(alert["alert_id"]),
            agency=alert["agency"],
            country=alert["country"],
            tlp=marking["tlp"],
            releasable_to=tuple(marking.get("releasable_to") or ()),
            originator_control=marking.get("originator_control", True),
            handling=marking.get("handling"),
            grading=grading["source_reliability"] + grading["information_credibility"][1:],
            fields=tuple(
                FieldRule(
                    FieldPath.parse(f["field"]),
                    f["field"],
                    tuple(f.get("releasable_to") or ()),
                    f.get("reason") or "per-field marking of the originating agency",
                )
                for f in marking.get("fields") or ()
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "agency": self.agency,
            "country": self.country,
            "tlp": self.tlp,
            "releasable_to": list(self.releasable_to),
            "originator_control": self.originator_control,
            "handling": self.handling,
            "grading": self.grading,
            "fields": [
                {"field": r.text, "releasable_to": list(r.audience), "reason": r.reason}
                for r in self.fields
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Source":
        return cls(
            **{k: data[k] for k in ("alert_id", "agency", "country", "tlp", "handling", "grading")},
            releasable_to=tuple(data["releasable_to"]),
            originator_control=data["originator_control"],
            fields=tuple(
                FieldRule(
                    FieldPath.parse(f["field"]), f["field"], tuple(f["releasable_to"]), f["reason"]
                )
                for f in data["fields"]
            ),
        )


@dataclass(frozen=True)
class Release:
    """One source released to one recipient: under which agreement, and what is withheld."""

    source: Source
    agreement: str  # 'id@version', or OWN
    withheld: tuple[FieldRule, ...] = ()

    def share_source(self) -> dict[str, Any]:
        s = self.source
        return {
            "alert_id": s.alert_id,
            "agency": s.agency,
            "country": s.country,
            "tlp": s.tlp,
            "originator_control": s.originator_control,
            "handling": s.handling,
            "grading": s.grading,
            "agreement": self.agreement,
        }

    def withholds_persons(self) -> bool:
        # Explanations and labels carry names and dates of birth: any person field withheld
        # hides them (a selector such as persons[role=WITNESS] counts too: fail closed).
        return any(rule.path.top == "persons" for rule in self.withheld)


class Policy:
    """The agreements in force, and the decisions they give."""

    def __init__(self, agreements: Iterable[Agreement]) -> None:
        self.agreements = tuple(agreements)
        kinds: dict[str, str] = {}
        for agreement in self.agreements:
            for agency, kind in agreement.parties.items():
                kinds.setdefault(agency, kind)
        self.recipients = tuple(Recipient(a, k) for a, k in sorted(kinds.items()))
        self._by_agency = {r.agency: r for r in self.recipients}
        # Who may receive a kind of result without being involved in it (no need to know):
        # everyone else need only be considered for results that touch their own records.
        self._broadcast = {
            kind: frozenset(
                a
                for g in self.agreements
                if kind in g.results and not g.need_to_know
                for a in g.parties
            )
            for kind in ResultKind
        }

    def recipient(self, agency: str) -> Recipient | None:
        return self._by_agency.get(agency)

    def candidates(self, kind: ResultKind, involved: Iterable[str]) -> list[Recipient]:
        """Who might receive a result of `kind` touching the records of `involved`: the
        parties of an agreement that broadcasts it, and the involved agencies themselves."""
        agencies = self._broadcast[kind] | set(involved)
        return [self._by_agency.get(a) or Recipient(a, "OTHER") for a in sorted(agencies)]

    def release(
        self, source: Source, to: Recipient, kind: ResultKind, involved: bool, today: date
    ) -> Release | None:
        """The release of `source` to `to` for a result of `kind`, or None (not releasable).
        `involved`: the result touches one of the recipient's own records."""
        if to.agency == source.agency:
            return Release(source, OWN)
        if source.releasable_to and not to.is_in(source.releasable_to):
            return None
        if source.tlp == "RED" and not source.releasable_to:
            return None
        for agreement in self.agreements:
            if (
                agreement.in_force(today)
                and source.agency in agreement.parties
                and to.agency in agreement.parties
                and kind in agreement.results
                and agreement.admits(source.tlp)
                and (involved or not agreement.need_to_know)
            ):
                return Release(source, agreement.ref, self._withheld(source, to, agreement))
        return None

    @staticmethod
    def _withheld(source: Source, to: Recipient, agreement: Agreement) -> tuple[FieldRule, ...]:
        marked = [rule for rule in source.fields if not to.is_in(rule.audience)]
        added = [
            FieldRule(FieldPath.parse(w.field), w.field, w.except_, w.reason)
            for w in agreement.withhold
            if not to.is_in(w.except_)
        ]
        return tuple(marked + added)


def _withheld_json(
    release: Release, rules: Iterable[FieldRule] | None = None
) -> list[dict[str, str]]:
    """What the copy lacks: `rules`, or those of the release that reach into a result (its
    persons' values, in explanations and names)."""
    chosen = (
        rules if rules is not None else [r for r in release.withheld if r.path.top == "persons"]
    )
    return [
        {"alert_id": release.source.alert_id, "field": r.text, "reason": r.reason} for r in chosen
    ]


def redact_alert(alert: Mapping[str, Any], release: Release) -> tuple[dict[str, Any], list]:
    """The recipient's copy of the alert, and what it lacks: the rules that took something
    out of this alert (one for shelters says nothing about an alert without a shelter)."""
    effective = [r for r in release.withheld if withhold(alert, [r.path])[0] != alert]
    copy, _ = withhold(alert, [rule.path for rule in effective])
    return copy, _withheld_json(release, effective)


@dataclass(frozen=True)
class Cut:
    """A result as one recipient may see it."""

    payload: dict[str, Any]
    releases: tuple[Release, ...]
    withheld: tuple[dict[str, str], ...]


def _hidden(alert_ids: Iterable[str]) -> list[dict[str, str]]:
    return [
        {"alert_id": a, "field": "record", "reason": NOT_RELEASED} for a in sorted(set(alert_ids))
    ]


def _countries(refs: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted({r["country"] for r in refs})


def _agencies(refs: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted({r["agency"] for r in refs})


def _cut(
    refs: list[Mapping[str, Any]],
    releases: Mapping[str, Release | None],
) -> tuple[list[Mapping[str, Any]], tuple[Release, ...], list[dict[str, str]]]:
    seen = [r for r in refs if releases.get(str(r["alert_id"]))]
    used = {str(r["alert_id"]): releases[str(r["alert_id"])] for r in seen}
    hidden = _hidden(str(r["alert_id"]) for r in refs if not releases.get(str(r["alert_id"])))
    fields = [w for rel in used.values() if rel for w in _withheld_json(rel)]
    return seen, tuple(r for r in used.values() if r), hidden + fields


def cut_link(link: Mapping[str, Any], releases: Mapping[str, Release | None]) -> Cut | None:
    """Both records visible, or nothing: a link to a record one may not see says it exists."""
    left, right = (
        releases.get(str(link["left"]["alert_id"])),
        releases.get(str(link["right"]["alert_id"])),
    )
    if not (left and right):
        return None
    # A side whose person fields are withheld shows only how similar it was, not its value.
    blank = {"left": left.withholds_persons(), "right": right.withholds_persons()}
    explanation = [
        {**c, **{side: None for side, hide in blank.items() if hide}} for c in link["explanation"]
    ]
    rels = (left, right) if left.source.alert_id != right.source.alert_id else (left,)
    withheld = tuple(w for rel in rels for w in _withheld_json(rel))
    return Cut({**link, "explanation": explanation}, rels, withheld)


def cut_entity(entity: Mapping[str, Any], releases: Mapping[str, Release | None]) -> Cut | None:
    members, rels, withheld = _cut(list(entity["members"]), releases)
    if not members:
        return None
    # Labels are names from every member: shown only when nothing is hidden from them.
    whole = len(members) == len(entity["members"]) and not any(r.withholds_persons() for r in rels)
    countries = _countries(members)
    payload = {
        **entity,
        "members": members,
        "labels": list(entity["labels"]) if whole else [],
        "countries": countries,
        "agencies": _agencies(members),
        "cross_border": len(countries) > 1,
    }
    return Cut(payload, rels, tuple(withheld))


Members = Mapping[str, list[Mapping[str, Any]]]  # entity id -> its records (Entity.members)


def network_refs(network: Mapping[str, Any], members: Members) -> list[Mapping[str, Any]]:
    """Every record of the network: a Network names its entities and counts their records,
    so the records come from the entities' own updates."""
    return [ref for entity in network["entities"] for ref in members.get(entity["entity_id"], [])]


def cut_network(
    network: Mapping[str, Any], members: Members, releases: Mapping[str, Release | None]
) -> Cut | None:
    records, rels, withheld = _cut(network_refs(network, members), releases)
    if not records:
        return None
    named = not any(r.withholds_persons() for r in rels)
    entities = []
    for entity in network["entities"]:
        own = members.get(entity["entity_id"], [])
        kept = [r for r in own if releases.get(str(r["alert_id"]))]
        if kept:
            whole = named and len(kept) == len(own)
            entities.append(
                {
                    **entity,
                    "records": len(kept),
                    "label": entity["label"] if whole else "",
                    "countries": _countries(kept),
                }
            )
    kept_ids = {e["entity_id"] for e in entities}
    edges = [
        e
        for e in network["edges"]
        if e["from_entity"] in kept_ids
        and e["to_entity"] in kept_ids
        and releases.get(str(e["alert_id"]))
    ]
    countries = _countries(records)
    payload = {
        **network,
        "entities": entities,
        "edges": edges,
        "records": len(records),
        "countries": countries,
        "agencies": _agencies(records),
        "cross_border": len(countries) > 1,
    }
    return Cut(payload, rels, tuple(withheld))


def cut_hit(
    hit: Mapping[str, Any],
    network_records: list[Mapping[str, Any]],
    releases: Mapping[str, Release | None],
) -> Cut | None:
    """A hit is news only if what the recipient may see of its network still crosses a border."""
    records, rels, withheld = _cut(network_records, releases)
    countries = _countries(records)
    if len(countries) < 2:
        return None
    payload = {
        **hit,
        "countries": countries,
        "new_countries": [c for c in hit["new_countries"] if c in countries],
        "records": len(records),
    }
    return Cut(payload, rels, tuple(withheld))
