"""Exact identifier lookup: a phone, passport, account, plate, IMO/MMSI, container or online
id, keyed by the worker's own normalisers (``streams.identifiers``), so a lookup finds the
records the worker would have linked, however each agency wrote the value.

Alerts keep values as reported, so Elasticsearch is asked for candidates first: records
whose raw value contains the key's characters in order (any separators, case or
full-width digits between them), a superset. Each candidate is then keyed exactly as the
worker keys it, and only records with the same key are results.
"""

import re
from dataclasses import dataclass
from typing import Any

import phonenumbers

from streams import normalise as norm
from streams.identifiers import identifier_sightings

# Lookup kind -> the Alert fields holding such values as reported.
RAW_FIELDS: dict[str, tuple[str, ...]] = {
    "phone": ("phones.number",),
    "document": ("documents.number",),
    "account": ("accounts.iban", "accounts.account_number"),
    "imo": ("vessels.imo",),
    "mmsi": ("vessels.mmsi",),
    "plate": ("vehicles.plate",),
    "container": ("shipments.container_id",),
    "email": ("online.value",),
    "handle": ("online.value",),
    "url": ("online.value",),
}
KINDS = tuple(RAW_FIELDS)
NEEDS_COUNTRY = frozenset({"document", "plate"})
# Characters of the key a candidate must contain: enough to be selective, and short
# enough for Elasticsearch's regular expression limit (1,000 characters).
_CORE_CHARS = 40
_IBAN_START = re.compile("^[A-Za-z]{2}[0-9]{2}")


@dataclass(frozen=True)
class IdentifierQuery:
    kind: str  # one of KINDS
    value: str  # as the investigator has it, in any format
    country: str | None = None  # dialling country, issuing state, plate or account country
    platform: str | None = None  # for a handle: facebook, instagram, telegram...


def _phone(value: str, country: str | None) -> str:
    if not country and not value.strip().startswith("+"):
        raise ValueError("a phone number without its +country code needs a country")
    # With a country code the region is never used; any region with a numbering plan does.
    return norm.to_e164(value, country or "US")


def _account(value: str, country: str | None) -> str:
    compact = re.sub(r"\s", "", value)
    if not country and not _IBAN_START.match(compact):
        raise ValueError("a domestic account number needs the country where it is held")
    return norm.account_key(country or compact[:2], value)


def identifier_key(query: IdentifierQuery) -> str:
    """The worker's key, e.g. ``phone:+50761234577`` or ``document:PA:AB1234567``.

    Raises ValueError (NormalisationError is one) when the value cannot be keyed."""
    kind, value, country = query.kind, query.value, query.country
    if kind not in RAW_FIELDS:
        raise ValueError(f"unknown identifier kind {kind!r}: expected one of {', '.join(KINDS)}")
    if kind in NEEDS_COUNTRY and not country:
        raise ValueError(f"a {kind} lookup needs the issuing country")
    normalised = {
        "phone": lambda: _phone(value, country),
        "document": lambda: norm.document_key(country or "", value),
        "account": lambda: _account(value, country),
        "imo": lambda: norm.normalise_imo(value),
        "mmsi": lambda: norm.normalise_mmsi(value),
        "plate": lambda: norm.plate_key(country or "", value),
        "container": lambda: "".join(value.split()).upper(),
        "email": lambda: norm.normalise_email(value),
        "handle": lambda: norm.normalise_handle(query.platform or "unknown", value),
        "url": lambda: norm.normalise_url(value),
    }[kind]()
    if not normalised:
        raise norm.NormalisationError(kind, value, "empty")
    return f"{kind}:{normalised}"


def same_identifier(query_key: str, key: str) -> bool:
    """Equal keys; a domestic account looked up without its bank also matches the keys
    that carry one (``account:CO:123`` finds ``account:CO:BCOLCOBM:123``)."""
    if query_key == key:
        return True
    wanted, found = query_key.split(":"), key.split(":")
    return (
        wanted[0] == "account"
        and len(wanted) == 3
        and len(found) == 4
        and (wanted[1], wanted[2]) == (found[1], found[3])
    )


def core(key: str) -> str:
    """The characters of the key that every raw spelling of the value contains, in order."""
    kind, _, value = key.partition(":")
    if kind == "phone":
        return str(phonenumbers.parse(value, None).national_number)
    if kind in ("document", "plate", "account", "handle"):
        value = value.rsplit(":", 1)[1]  # drop the country, bank or platform
    elif kind == "url":
        value = value.split("://", 1)[1].removesuffix("/")
    return value[:_CORE_CHARS]


def _char(c: str) -> str:
    """A regexp class for one character: itself and its full-width form (scanned forms
    carry those; NFKC folds them for the worker), any other character escaped."""
    if c.isascii() and c.isalnum():
        wide = {chr(ord(x) + 0xFEE0) for x in {c.lower(), c.upper()}}
        return "[" + "".join(sorted({c, *wide})) + "]"
    return "\\" + c


def candidates_query(key: str) -> dict[str, Any]:
    """Alerts with a raw value holding the key's characters in order: a superset."""
    pattern = ".*" + ".*".join(_char(c) for c in core(key)) + ".*"
    fields = RAW_FIELDS[key.split(":", 1)[0]]
    return {
        "bool": {
            "should": [
                {"regexp": {f: {"value": pattern, "flags": "NONE", "case_insensitive": True}}}
                for f in fields
            ],
            "minimum_should_match": 1,
        }
    }


def holding(alert: dict[str, Any], key: str) -> list[str]:
    """record_ids of the alert's identifiers that key as ``key`` (as the worker keys them)."""
    return [s.record_id for s in identifier_sightings(alert) if same_identifier(key, s.key)]


def holders(alert: dict[str, Any], record_ids: list[str]) -> list[str]:
    """record_ids of the persons holding those identifier records (their holder_ref)."""
    refs = {
        item["record_id"]: item.get("holder_ref")
        for field in ("phones", "documents", "accounts", "vehicles", "online")
        for item in alert.get(field) or []
    }
    return [h for h in dict.fromkeys(refs.get(r) for r in record_ids) if h]
