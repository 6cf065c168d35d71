"""Drafts to Avro-ready Alert records, with the true entity of every subject record.

The first agency to report an entity writes it canonically. Every other agency writes
it its own way, once (its database keeps one record per person, number, vessel...),
with noise at the scenario's rate. How an agency lays out a name (split fields, one
upper-case string, the original script) is its style, not noise.
"""

import copy
import random
from collections import Counter
from typing import Any

from schemas import schema_dict

from . import noise as nz
from .identifiers import ALPHA3
from .phones import PLANS, fill
from .places import AGENCIES
from .world import Document, Draft, Entity, Mention, Person, Phone, Thing, kind_of

PREFIXES = {
    "persons": "p",
    "documents": "d",
    "phones": "ph",
    "online": "o",
    "vehicles": "v",
    "vessels": "s",
    "shipments": "c",
    "accounts": "a",
    "transactions": "t",
    "locations": "l",
}
# How each kind of agency writes names: from a passport into two fields, one upper-case
# string in police and financial systems, as spoken in NGO and inspection notes.
STYLES = {
    "IMMIGRATION": "split",
    "PROSECUTOR": "split",
    "POLICE": "upper",
    "FINANCIAL_INTELLIGENCE": "upper",
    "CUSTOMS": "upper",
    "NGO": "mixed",
    "LABOUR_INSPECTION": "mixed",
}
# Interviews with an interpreter and copies of home-country IDs keep the original script.
NATIVE_SCRIPT_KINDS = frozenset({"POLICE", "NGO"})
EXACT_KINDS = frozenset({"transactions", "locations"})  # written the same by every agency


def _subject_defaults() -> dict[str, dict[str, Any]]:
    """Subject array -> the defaults of its record's fields, from the Alert schema."""
    defaults = {}
    for field in schema_dict("Alert")["fields"]:
        items = field["type"].get("items") if isinstance(field["type"], dict) else None
        if isinstance(items, dict) and items.get("type") == "record":
            defaults[field["name"]] = {
                f["name"]: f["default"] for f in items["fields"] if "default" in f
            }
    return defaults


DEFAULTS = _subject_defaults()


def name_fields(form: nz.NameForm, style: str) -> dict[str, Any]:
    given, surnames = " ".join(form.given), " ".join(form.surnames)
    if style == "split":
        if form.order != "given_first":  # typed into each other's boxes
            given, surnames = surnames, given
        return {"given_names": given, "surnames": surnames}
    if form.order == "comma":
        full, order = f"{surnames.upper()}, {given}", "SURNAME_FIRST"
    elif form.order == "surname_first":
        full, order = f"{surnames} {given}", "SURNAME_FIRST"
    else:
        full, order = f"{given} {surnames}", "GIVEN_FIRST"
    return {"full_name": full.upper() if style == "upper" else full, "name_order": order}


class Renderer:
    """Writes drafts in publication order, remembering how each agency wrote each entity."""

    def __init__(self, rng: random.Random, noise: float) -> None:
        self.rng = rng
        self.noise = noise
        self._reported: set[str] = set()  # entities some agency has written already
        self._written: dict[tuple[str, str], dict[str, Any]] = {}

    def _chance(self, scale: float = 1.0) -> bool:
        return self.rng.random() < self.noise * scale

    def alert(self, draft: Draft) -> tuple[dict[str, Any], dict[tuple[str, str], str]]:
        """The Alert record of a draft, and (alert_id, record_id) -> entity id of its subjects."""
        arrays: dict[str, list[dict[str, Any]]] = {kind: [] for kind in PREFIXES}
        mentions = draft.mentions + ([Mention(draft.location)] if draft.location else [])
        first: dict[str, Mention] = {}  # one record per entity, at its first mention
        record_ids: dict[str, str] = {}
        counts: Counter[str] = Counter()
        for mention in mentions:
            entity_id, kind = mention.entity.id, kind_of(mention.entity.id)
            if entity_id not in first:
                first[entity_id] = mention
                counts[kind] += 1
                record_ids[entity_id] = f"{PREFIXES[kind]}{counts[kind]}"
        for mention in first.values():
            arrays[kind_of(mention.entity.id)].append(self._record(draft, mention, record_ids))
        alert = {
            "alert_id": draft.alert_id,
            "schema_version": 1,
            "agency": draft.agency,
            "agency_kind": AGENCIES[draft.agency],
            "country": draft.country,
            "observed_at": draft.observed_at,
            "reported_at": draft.reported_at,
            "event": {
                "kind": draft.kind,
                "location_ref": record_ids[draft.location.id] if draft.location else None,
                "direction": draft.direction,
                "case_ref": draft.case_ref,
                "retracts_alert_id": draft.retracts,
                "summary": draft.summary,
            },
            "marking": copy.deepcopy(draft.marking),
            "grading": dict(draft.grading),
            "involves_survivor": draft.kind == "VICTIM_REFERRAL"
            or any(m.role == "VICTIM" for m in draft.mentions),
            **arrays,
            "notes": None,
            "protected_persons": [],  # the agency's SDK writes tokens when it publishes
        }
        truth = {(draft.alert_id, rid): entity for entity, rid in record_ids.items()}
        return alert, truth

    def _record(self, draft: Draft, mention: Mention, record_ids: dict[str, str]) -> dict[str, Any]:
        kind = kind_of(mention.entity.id)
        record = {
            "record_id": record_ids[mention.entity.id],
            **copy.deepcopy(DEFAULTS[kind]),
            **self._fields(draft, mention.entity),
        }
        if kind == "persons":
            record["role"] = mention.role
        if kind == "documents":
            record["suspected_fraudulent"] = mention.suspected
        for ref, target in mention.refs:
            record[ref] = record_ids[target]
        return record

    def _fields(self, draft: Draft, entity: Entity) -> dict[str, Any]:
        key = (draft.agency, entity.id)
        if key not in self._written:
            varied = entity.id in self._reported
            self._reported.add(entity.id)
            self._written[key] = self._write(draft, entity, varied)
        return copy.deepcopy(self._written[key])

    def _write(self, draft: Draft, entity: Entity, varied: bool) -> dict[str, Any]:
        agency_kind = AGENCIES[draft.agency]
        if isinstance(entity, Person):
            return self._person(entity, agency_kind, varied)
        if isinstance(entity, Phone):
            return self._phone(entity, draft.country, agency_kind, varied)
        if isinstance(entity, Document):
            return self._document(entity, agency_kind, varied)
        return self._thing(entity, varied)

    def _person(self, person: Person, agency_kind: str, varied: bool) -> dict[str, Any]:
        if person.name is None:
            return {"full_name": person.placeholder}
        name, native = person.name, person.name.native
        if native is not None and agency_kind in NATIVE_SCRIPT_KINDS:
            full = (
                native.surnames + native.given
                if native.script == "Hans"
                else f"{native.given} {native.surnames}"
            )
            fields = {
                "full_name": full,
                "given_names": native.given,
                "surnames": native.surnames,
                "name_order": "SURNAME_FIRST" if native.surname_first else "GIVEN_FIRST",
                "name_script": native.script,
            }
        else:
            form = nz.NameForm(name.given, name.surnames)
            if varied and self._chance():
                form = nz.vary_name(self.rng, form, name)
                if self._chance(0.5):
                    form = nz.vary_name(self.rng, form, name)
            fields = name_fields(form, STYLES[agency_kind])
            fields["name_script"] = "Latn" if native is not None else None
        fields |= {
            "date_of_birth": person.born.isoformat() if person.born else None,
            "nationalities": [person.nationality] if person.nationality else [],
            "sex": person.sex,
            "aliases": [person.alias] if person.alias and agency_kind in ("POLICE", "NGO") else [],
        }
        if varied and person.born and self._chance(0.7):
            fields["date_of_birth"] = nz.vary_dob(self.rng, person.born)
        if varied and self._chance(0.4):
            fields = nz.drop_field(self.rng, "persons", fields)
        return fields

    def _phone(self, phone: Phone, country: str, agency_kind: str, varied: bool) -> dict[str, Any]:
        foreign = phone.country != country
        if varied and self._chance():
            number, hint = nz.vary_phone(self.rng, phone.country, phone.nsn, foreign)
        else:
            plan = PLANS[phone.country]
            number = fill(plan.international[0] if foreign else plan.local[0], phone.nsn)
            # Border forms have a country field next to the number.
            hint = phone.country if agency_kind == "IMMIGRATION" else None
        return {"number": number, "country_hint": hint}

    def _document(self, doc: Document, agency_kind: str, varied: bool) -> dict[str, Any]:
        # Passports and seaman's books print the ICAO alpha-3 code; ID cards are domestic.
        state = ALPHA3[doc.state] if doc.doc_type in ("PASSPORT", "SEAMAN_BOOK") else doc.state
        fields = {
            "doc_type": doc.doc_type,
            "number": doc.number,
            "issuing_state": state,
            "expiry": doc.expiry,
            "mrz": doc.mrz if agency_kind == "IMMIGRATION" else None,
        }
        if varied and self._chance():
            if self.rng.random() < 0.7:
                fields["number"] = nz.vary_document_number(self.rng, doc.number)
            else:
                fields["issuing_state"] = nz.vary_state(state)
        if varied and self._chance(0.3):
            fields = nz.drop_field(self.rng, "documents", fields)
        return fields

    def _thing(self, thing: Thing, varied: bool) -> dict[str, Any]:
        kind = kind_of(thing.id)
        fields = dict(thing.fields)
        if not varied or kind in EXACT_KINDS:
            return fields
        if self._chance():
            fields = nz.vary_identifier(self.rng, kind, fields)
        if self._chance(0.3):
            fields = nz.drop_field(self.rng, kind, fields)
        return fields
