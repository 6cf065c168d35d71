"""Shared identifiers: every phone, document, account, vessel, vehicle, container and online
identifier of an alert, normalised to a key two agencies' records can meet on."""

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from streams.normalise import (
    NormalisationError,
    account_key,
    document_key,
    normalise_email,
    normalise_handle,
    normalise_imo,
    normalise_mmsi,
    normalise_url,
    plate_key,
    to_e164,
)
from streams.normalise.names import given_name_key, name_key, parse_name


@dataclass(frozen=True)
class IdentifierSighting:
    key: str  # "<kind>:<normalised value>", the repartition key
    kind: str  # phone, document, account, imo, mmsi, plate, container, email, handle, url
    alert_id: str
    record_id: str
    agency: str
    country: str
    holder: str | None = None  # phonetic key of the holder's name: counts distinct holders

    @property
    def value(self) -> str:
        return self.key.split(":", 1)[1]

    def ref(self) -> dict[str, str]:
        return {
            "alert_id": self.alert_id,
            "record_id": self.record_id,
            "agency": self.agency,
            "country": self.country,
        }

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _online(item: dict[str, Any]) -> tuple[str, str]:
    kind, value = item.get("kind"), item["value"]
    if kind == "EMAIL":
        return "email", normalise_email(value)
    if kind == "HANDLE":
        return "handle", normalise_handle(item.get("platform") or "unknown", value)
    return "url", normalise_url(value)


def _holder_keys(alert: dict[str, Any]) -> dict[str, str]:
    """record_id of each named person -> a phonetic key of the name (surname | given)."""
    keys = {}
    for person in alert.get("persons") or []:
        order = person.get("name_order") or "UNKNOWN"
        try:
            if person.get("given_names") or person.get("surnames"):
                name = parse_name(
                    given=person.get("given_names"), surnames=person.get("surnames"), order=order
                )
            elif person.get("full_name"):
                name = parse_name(person["full_name"], order=order)
            else:
                continue
        except NormalisationError:
            continue
        keys[person["record_id"]] = f"{name_key(name)}|{given_name_key(name)}"
    return keys


def _holder_refs(alert: dict[str, Any]) -> dict[str, str | None]:
    return {
        item["record_id"]: item.get("holder_ref")
        for field in ("phones", "documents", "accounts", "vehicles", "online")
        for item in alert.get(field) or []
    }


def _keys(alert: dict[str, Any]) -> Iterator[tuple[str, str, Callable[[], str]]]:
    """(record_id, kind, how to normalise) for each identifier; normalising may raise."""
    country = alert["country"]
    for phone in alert.get("phones") or []:
        hint = phone.get("country_hint") or country
        yield phone["record_id"], "phone", lambda p=phone, h=hint: to_e164(p["number"], h)
    for doc in alert.get("documents") or []:
        yield (
            doc["record_id"],
            "document",
            lambda d=doc: document_key(d["issuing_state"], d["number"]),
        )
    for acc in alert.get("accounts") or []:
        number = acc.get("iban") or acc.get("account_number")
        if number:
            yield (
                acc["record_id"],
                "account",
                lambda a=acc, n=number: account_key(a.get("country") or country, n, a.get("bic")),
            )
    for vessel in alert.get("vessels") or []:
        if vessel.get("imo"):
            yield vessel["record_id"], "imo", lambda v=vessel: normalise_imo(v["imo"])
        if vessel.get("mmsi"):
            yield vessel["record_id"], "mmsi", lambda v=vessel: normalise_mmsi(v["mmsi"])
    for vehicle in alert.get("vehicles") or []:
        yield (
            vehicle["record_id"],
            "plate",
            lambda v=vehicle: plate_key(v["plate_country"], v["plate"]),
        )
    for shipment in alert.get("shipments") or []:
        if shipment.get("container_id"):
            yield (
                shipment["record_id"],
                "container",
                lambda s=shipment: "".join(s["container_id"].split()).upper(),
            )
    for item in alert.get("online") or []:
        yield item["record_id"], "online", lambda i=item: ":".join(_online(i))


def identifier_sightings(
    alert: dict[str, Any], skipped: list[NormalisationError] | None = None
) -> list[IdentifierSighting]:
    """Every identifier of the alert that normalises; the others are added to ``skipped``."""
    found = []
    holders, refs = _holder_keys(alert), _holder_refs(alert)
    for record_id, kind, normalise in _keys(alert):
        try:
            value = normalise()
        except NormalisationError as err:
            if skipped is not None:
                skipped.append(err)
            continue
        # online values carry their own kind ("email:...", "handle:...", "url:...")
        key = value if kind == "online" else f"{kind}:{value}"
        holder = holders.get(refs.get(record_id) or "")
        found.append(
            IdentifierSighting(
                key,
                key.split(":", 1)[0],
                str(alert["alert_id"]),
                record_id,
                alert["agency"],
                alert["country"],
                holder,
            )
        )
    return found
